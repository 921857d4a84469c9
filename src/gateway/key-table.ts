/**
 * Subject key → ordinal as a table that needs no building when loaded: the keys sorted into
 * buckets by their leading bits, with a directory of where each bucket starts. Keys are HMAC
 * outputs, so buckets fill evenly. It is written into
 * the facts snapshot as it is and used in place (see facts-snapshot.ts).
 */
import { keyWords } from '../policy/key-words.ts';
import { WasmKeyLookup } from './key-lookup-wasm.ts';

const KEY = 32;
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

export interface KeyTable {
  /** Bits of the key that pick its bucket. */
  readonly bits: number;
  /** 2^bits + 1 entries: bucket b holds the keys at positions dir[b] .. dir[b+1]-1. */
  readonly dir: Uint32Array;
  /** The keys (n × 32 bytes) in bucket order. */
  readonly keys: Uint8Array;
  /** The ordinal of each key in `keys`. */
  readonly ordinals: Int32Array;
}

/**
 * About eight keys per bucket: the directory stays small enough to sit in cache, and a bucket's
 * keys are adjacent, so a lookup costs about one miss in memory.
 */
function bucketBits(n: number): number {
  let bits = 4;
  while (bits < 24 && 8 << bits < n) bits++;
  return bits;
}

/** The first 24 bits of the key at `off`, big-endian, shifted down to `bits`. */
function bucketOf(keys: Uint8Array, off: number, bits: number): number {
  return ((keys[off]! << 16) | (keys[off + 1]! << 8) | keys[off + 2]!) >>> (24 - bits);
}

/** The table for `keys` (n × 32 bytes), where the key at i × 32 has ordinal i. */
export function buildKeyTable(keys: Uint8Array): KeyTable {
  const n = keys.length / KEY;
  if (!Number.isInteger(n)) throw new RangeError('keys must be a whole number of 32-byte keys');
  const bits = bucketBits(n);
  const dir = new Uint32Array((1 << bits) + 1);
  for (let i = 0; i < n; i++) dir[bucketOf(keys, i * KEY, bits) + 1]!++;
  for (let b = 0; b < 1 << bits; b++) dir[b + 1]! += dir[b]!;
  const fill = dir.slice(0, 1 << bits);
  const sorted = new Uint8Array(n * KEY);
  const ordinals = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const at = fill[bucketOf(keys, i * KEY, bits)]!++;
    sorted.set(keys.subarray(i * KEY, (i + 1) * KEY), at * KEY);
    ordinals[at] = i;
  }
  return { bits, dir, keys: sorted, ordinals };
}

/** Checks a table read from disk: a wrong directory could send lookups out of range. */
export function validKeyTable(t: KeyTable): boolean {
  const n = t.ordinals.length;
  if (t.bits < 4 || t.bits > 24 || t.dir.length !== (1 << t.bits) + 1 || t.keys.length !== n * KEY) return false;
  if (t.dir[0] !== 0 || t.dir[t.dir.length - 1] !== n) return false;
  for (let b = 1; b < t.dir.length; b++) if (t.dir[b]! < t.dir[b - 1]!) return false;
  return true;
}

/** Keys looked up together: their directory and table reads are issued back to back so cache misses overlap. */
const BATCH = 16;
/** Batches this large against tables this large are looked up in WebAssembly (key-lookup-wasm.ts). */
const WASM_FROM = 1 << 15;
const WASM_TABLE_BITS = 14;

/** Each table's copy in WebAssembly memory, made at its first large batch (null: not possible here). */
const wasmCopies = new WeakMap<KeyTable, WasmKeyLookup | null>();

/** The table's copy in WebAssembly memory, made now if need be; null for small tables or where not possible. */
function wasmCopyOf(t: KeyTable): WasmKeyLookup | null {
  if (t.bits < WASM_TABLE_BITS) return null;
  let copy = wasmCopies.get(t);
  if (copy === undefined) {
    copy = WasmKeyLookup.over(t);
    wasmCopies.set(t, copy);
  }
  return copy;
}

/** Ordinals of `keys.length / 32` concatenated keys into `out`; -1 for a key not in the table. */
export function lookupKeys(t: KeyTable, keys: Uint8Array, out: Int32Array): void {
  lookupKeyParts(t, [keys], out);
}

/** The same for keys given in parts (each a whole number of keys), as if concatenated. */
export function lookupKeyParts(t: KeyTable, parts: readonly Uint8Array[], out: Int32Array): void {
  let n = 0;
  for (const p of parts) n += p.length / KEY;
  const wasm = n >= WASM_FROM ? wasmCopyOf(t) : null;
  if (wasm !== null) {
    try {
      wasm.lookupParts(parts, out);
      return;
    } catch (e) {
      if (!(e instanceof RangeError)) throw e; // memory for this batch could not grow: answer in JavaScript
    }
  }
  const keys = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  lookupBatched(t, keyWords(keys), n, out);
}

/**
 * Copies the table into WebAssembly memory now, when a large batch is on its way (its first
 * lookup would do it), so the copy overlaps other work.
 */
export function prepareLargeLookups(t: KeyTable): void {
  wasmCopyOf(t);
}

/** Resolves once the table's WebAssembly copy has its helper threads running (for measurements). */
export async function largeLookupsReady(t: KeyTable): Promise<void> {
  await wasmCopyOf(t)?.ready;
}

/** The first 24 bits of a key, big-endian, from its first word as read in this machine's byte order. */
const lead24 = LITTLE_ENDIAN ? (w0: number): number => ((w0 & 0xff) << 16) | (w0 & 0xff00) | ((w0 >>> 16) & 0xff) : (w0: number): number => w0 >>> 8;

/** Lookups of n keys (w[i*8 ..]) in file order; key i's ordinal goes to out[i]. */
function lookupBatched(t: KeyTable, w: Uint32Array, n: number, out: Int32Array): void {
  const tw = new Uint32Array(t.keys.buffer, t.keys.byteOffset, t.keys.length / 4);
  const { dir, ordinals } = t;
  const shift = 24 - t.bits;
  const from = new Uint32Array(BATCH);
  const to = new Uint32Array(BATCH);
  for (let start = 0; start < n; start += BATCH) {
    const end = Math.min(n, start + BATCH);
    // Pass 1: each key's bucket bounds (independent loads).
    for (let i = start; i < end; i++) {
      const b = lead24(w[i * 8]!) >>> shift;
      from[i - start] = dir[b]!;
      to[i - start] = dir[b + 1]!;
    }
    // Pass 2: touch each bucket's first key and ordinal, so the comparisons below find them in cache.
    let touched = 0;
    for (let i = start; i < end; i++) if (from[i - start]! < to[i - start]!) touched ^= tw[from[i - start]! * 8]! ^ ordinals[from[i - start]!]!;
    // Pass 3: compare.
    for (let i = start; i < end; i++) {
      const q = i * 8;
      let found = -1;
      for (let j = from[i - start]!, last = to[i - start]!; j < last; j++) {
        const p = j * 8;
        if (
          tw[p] === w[q] &&
          tw[p + 1] === w[q + 1] &&
          tw[p + 2] === w[q + 2] &&
          tw[p + 3] === w[q + 3] &&
          tw[p + 4] === w[q + 4] &&
          tw[p + 5] === w[q + 5] &&
          tw[p + 6] === w[q + 6] &&
          tw[p + 7] === w[q + 7]
        ) {
          found = ordinals[j]!;
          break;
        }
      }
      out[i] = found;
    }
    // Keeps pass 2's loads from being optimised away.
    if (touched === 0.5) throw new Error('unreachable');
  }
}
