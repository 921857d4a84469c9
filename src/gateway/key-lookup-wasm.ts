/**
 * Large batches of key lookups in WebAssembly (key-lookup.wat), over a copy of a key table kept
 * in the module's memory. A million keys: regrouped by first byte, then each group looked up
 * against its 1/256th of the table while that stays in cache.
 *
 * Memory: [table keys | ordinals | directory] then scratch for one pass of up to `chunk` keys
 * [group counts | input keys | regrouped keys | their batch positions | ordinals out]. The
 * scratch grows to the largest pass seen and is kept for the next batch.
 */
import { instantiateBase64, type WasmMemory } from '../wasm-api.ts';
import { KEY_LOOKUP_WASM_BASE64 } from './key-lookup-wasm-bytes.ts';
import type { KeyTable } from './key-table.ts';

interface KeyLookupExports {
  readonly mem: WasmMemory;
  count(inPtr: number, n: number, countsPtr: number): void;
  partition(inPtr: number, n: number, first: number, fillPtr: number, outPtr: number, idxPtr: number): void;
  lookup(keysPtr: number, n: number, idxPtr: number, outPtr: number, dirPtr: number, shift: number, tablePtr: number, ordPtr: number): void;
}

const KEY = 32;
const PAGE = 65_536;
/** wasm32 memory tops out at 4 GiB. */
const MAX_PAGES = 65_536;
/** Keys per pass: bounds the scratch (76 bytes a key) whatever the batch size. */
const CHUNK = 1 << 21;
/**
 * Keys per call of the count and partition loops. V8 first runs a function from quickly built
 * code and swaps in optimised code between calls, so no single call should do all the work.
 */
const CALL = 1 << 16;
const GROUPS = 256;

const align = (n: number): number => (n + 63) & ~63;

export class WasmKeyLookup {
  readonly #x: KeyLookupExports;
  readonly #shift: number;
  readonly #dir: number;
  readonly #ord: number;
  readonly #table: number;
  readonly #scratch: number;
  readonly #chunk: number;
  /** Keys one pass has room for in the scratch now. */
  #room = 0;

  /**
   * A copy of `table` in WebAssembly memory, or null when this runtime has no SIMD or the table
   * does not fit in 4 GiB (then look up in JavaScript). `chunk` (keys per pass) is for tests.
   */
  static over(table: KeyTable, chunk = CHUNK): WasmKeyLookup | null {
    const x = instantiateBase64<KeyLookupExports>(KEY_LOOKUP_WASM_BASE64);
    if (x === null) return null;
    try {
      return new WasmKeyLookup(x, table, chunk);
    } catch (e) {
      if (e instanceof RangeError) return null;
      throw e;
    }
  }

  private constructor(x: KeyLookupExports, t: KeyTable, chunk: number) {
    this.#x = x;
    this.#chunk = chunk;
    this.#shift = 24 - t.bits;
    this.#table = 64;
    this.#ord = align(this.#table + t.keys.length);
    this.#dir = align(this.#ord + t.ordinals.length * 4);
    this.#scratch = align(this.#dir + t.dir.length * 4);
    this.#grow(this.#scratch);
    const heap = new Uint8Array(x.mem.buffer);
    heap.set(t.keys, this.#table);
    heap.set(new Uint8Array(t.ordinals.buffer, t.ordinals.byteOffset, t.ordinals.byteLength), this.#ord);
    heap.set(new Uint8Array(t.dir.buffer, t.dir.byteOffset, t.dir.byteLength), this.#dir);
  }

  /** Grows the memory to at least `bytes`; RangeError beyond 4 GiB. */
  #grow(bytes: number): void {
    const pages = Math.ceil(bytes / PAGE);
    if (pages > MAX_PAGES) throw new RangeError('key table too large for WebAssembly memory');
    const have = this.#x.mem.buffer.byteLength / PAGE;
    if (pages > have) this.#x.mem.grow(pages - have);
  }

  /** Scratch offsets for a pass of `c` keys. */
  #layout(c: number): { counts: number; input: number; grouped: number; idx: number; out: number; end: number } {
    const counts = this.#scratch;
    const input = align(counts + (GROUPS + 1) * 4);
    const grouped = align(input + c * KEY);
    const idx = align(grouped + c * KEY);
    const out = align(idx + c * 4);
    return { counts, input, grouped, idx, out, end: align(out + c * 4) };
  }

  /**
   * Ordinals of the keys in `parts` (each a whole number of 32-byte keys), as if concatenated,
   * into `out`; -1 for a key not in the table.
   */
  lookupParts(parts: readonly Uint8Array[], out: Int32Array): void {
    let n = 0;
    for (const p of parts) n += p.length / KEY;
    const from = { part: 0, offset: 0 };
    for (let start = 0; start < n; start += this.#chunk) this.#pass(parts, from, start, Math.min(this.#chunk, n - start), out);
  }

  /** Looks up keys start .. start+c-1, read from `parts` at `from` (advanced past them). */
  #pass(parts: readonly Uint8Array[], from: { part: number; offset: number }, start: number, c: number, out: Int32Array): void {
    const x = this.#x;
    const at = this.#layout(Math.max(c, this.#room));
    if (c > this.#room) {
      this.#grow(at.end);
      this.#room = c;
    }
    const buf = x.mem.buffer;
    const heap = new Uint8Array(buf);
    for (let copied = 0; copied < c * KEY; ) {
      const part = parts[from.part]!;
      const take = Math.min(part.length - from.offset, c * KEY - copied);
      heap.set(part.subarray(from.offset, from.offset + take), at.input + copied);
      copied += take;
      from.offset += take;
      if (from.offset === part.length) {
        from.part++;
        from.offset = 0;
      }
    }
    const counts = new Int32Array(buf, at.counts, GROUPS + 1);
    counts.fill(0);
    for (let s = 0; s < c; s += CALL) x.count(at.input + s * KEY, Math.min(CALL, c - s), at.counts);
    for (let g = 0; g < GROUPS; g++) counts[g + 1]! += counts[g]!;
    // counts[g] is now where group g starts; partition advances it, so keep the starts.
    const starts = counts.slice();
    for (let s = 0; s < c; s += CALL) x.partition(at.input + s * KEY, Math.min(CALL, c - s), s, at.counts, at.grouped, at.idx);
    for (let g = 0; g < GROUPS; g++) {
      const first = starts[g]!;
      const len = starts[g + 1]! - first;
      if (len > 0) x.lookup(at.grouped + first * KEY, len, at.idx + first * 4, at.out, this.#dir, this.#shift, this.#table, this.#ord);
    }
    out.set(new Int32Array(buf, at.out, c), start);
  }
}
