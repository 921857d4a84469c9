/**
 * A committed transfer's links (one per subject: its ordinal, whether its records went, and why
 * not), resolved from the transfer's subject keys and put in ordinal order.
 *
 * The keys arrive sorted by key, which is random with respect to ordinals. The stores keep links
 * in blocks of consecutive ordinals (link-blocks.ts), so they need them in ordinal order: a
 * radix sort here rather than a comparison sort of a million.
 */
import type { SubjectKeyIndex } from '../policy/subject-key-index.ts';
import { refusalReasonOf } from './row-mappers.ts';
import type { TransferReasons } from './store.ts';

const KEY = 32;

export interface TransferLinks {
  readonly count: number;
  /** Per link, in ascending ordinal order. */
  readonly ordinals: Int32Array;
  readonly allowed: Uint8Array;
  /** The refused subject's reason codes joined with ';', or null. */
  readonly reasons: readonly (string | null)[];
  /** Keys of the subjects new to the store (added × 32 bytes), whose ordinals run from `first`. */
  readonly fresh: Uint8Array;
  readonly first: number;
  readonly added: number;
}

/**
 * Resolves `keys` (n × 32 bytes) through `index`, giving unknown keys the ordinals from
 * `nextOrdinal` on in key order (and adding them to the index), and orders the links by ordinal.
 */
export function transferLinks(
  keys: Uint8Array,
  allowed: Uint8Array,
  reasons: TransferReasons | undefined,
  index: SubjectKeyIndex,
  nextOrdinal: number,
): TransferLinks {
  const n = keys.length / KEY;
  if (!Number.isInteger(n) || allowed.length !== n) throw new Error('transfer subjects: keys and flags differ in number');
  const found = new Int32Array(n);
  index.getMany(keys, found);
  const fresh: Uint8Array[] = [];
  let next = nextOrdinal;
  for (let i = 0; i < n; i++) {
    if (found[i]! >= 0) continue;
    const key = keys.subarray(i * KEY, (i + 1) * KEY);
    // A key repeated in the request is new only the first time.
    let o = index.addIfAbsent(key, next);
    if (o < 0) {
      o = next++;
      fresh.push(key);
    }
    found[i] = o;
  }
  const order = ordinalOrder(found);
  const ordinals = new Int32Array(n);
  const flags = new Uint8Array(n);
  const why: (string | null)[] = new Array<string | null>(n);
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    const o = found[i]!;
    ordinals[k] = o;
    flags[k] = allowed[i]!;
    why[k] = refusalReasonOf(allowed[i]!, o >= nextOrdinal, o, reasons);
  }
  const added = next - nextOrdinal;
  const freshKeys = new Uint8Array(added * KEY);
  fresh.forEach((k, j) => freshKeys.set(k, j * KEY));
  return { count: n, ordinals, allowed: flags, reasons: why, fresh: freshKeys, first: nextOrdinal, added };
}

/**
 * The positions of `values` (non-negative int32) in ascending order of value, ties in position
 * order: a two-pass radix sort, linear in n where a comparison sort of a million costs far more.
 */
export function ordinalOrder(values: Int32Array): Int32Array {
  const n = values.length;
  let from = new Int32Array(n);
  for (let i = 0; i < n; i++) from[i] = i;
  if (n < 2) return from;
  let to = new Int32Array(n);
  const counts = new Int32Array(1 << 16);
  for (const shift of [0, 16]) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[(values[i]! >>> shift) & 0xffff]!++;
    let sum = 0;
    for (let b = 0; b < counts.length; b++) {
      const c = counts[b]!;
      counts[b] = sum;
      sum += c;
    }
    for (let k = 0; k < n; k++) {
      const i = from[k]!;
      to[counts[(values[i]! >>> shift) & 0xffff]!++] = i;
    }
    [from, to] = [to, from];
  }
  return from;
}
