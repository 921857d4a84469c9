/**
 * The order of 32-byte keys bytewise (memcmp order, as SQLite compares BLOBs), as positions.
 * Keys are HMAC outputs, so their first two bytes spread them evenly over 65,536 buckets: a
 * counting pass places each position in its bucket, and each bucket, about 16 keys for a
 * million, is sorted on its own. Skewed input still sorts correctly, only more slowly.
 */

const KEY = 32;
const BUCKET_BITS = 16;
/** Buckets larger than this are sorted by comparison rather than by insertion. */
const INSERTION_MAX = 48;

/** Compares key a with key b of `keys` (byte offsets), from byte `from` on. */
function compareFrom(keys: Uint8Array, a: number, b: number, from: number): number {
  for (let k = from; k < KEY; k++) {
    const d = keys[a + k]! - keys[b + k]!;
    if (d !== 0) return d;
  }
  return 0;
}

/** Positions 0..n-1 of the n keys in `keys` (n × 32 bytes), in ascending key order; equal keys keep their order. */
export function keyOrder(keys: Uint8Array): Uint32Array {
  if (keys.length % KEY !== 0) throw new RangeError(`keys: ${keys.length} bytes is not a whole number of 32-byte keys`);
  const n = keys.length / KEY;
  const buckets = 1 << BUCKET_BITS;
  const start = new Uint32Array(buckets + 1);
  for (let i = 0, p = 0; i < n; i++, p += KEY) start[((keys[p]! << 8) | keys[p + 1]!) + 1]!++;
  for (let b = 0; b < buckets; b++) start[b + 1]! += start[b]!;
  const order = new Uint32Array(n);
  const fill = start.slice(0, buckets);
  for (let i = 0, p = 0; i < n; i++, p += KEY) order[fill[(keys[p]! << 8) | keys[p + 1]!]!++] = i;
  for (let b = 0; b < buckets; b++) {
    const from = start[b]!;
    const to = start[b + 1]!;
    if (to - from < 2) continue;
    if (to - from > INSERTION_MAX) {
      const part = Array.from(order.subarray(from, to));
      part.sort((x, y) => compareFrom(keys, x * KEY, y * KEY, 2) || x - y);
      order.set(part, from);
      continue;
    }
    // Insertion sort; positions enter in ascending order, so equal keys stay in it.
    for (let a = from + 1; a < to; a++) {
      const v = order[a]!;
      let j = a - 1;
      while (j >= from && compareFrom(keys, order[j]! * KEY, v * KEY, 2) > 0) {
        order[j + 1] = order[j]!;
        j--;
      }
      order[j + 1] = v;
    }
  }
  return order;
}

/** The keys in `order` (n × 32 bytes), packed. */
export function keysInOrder(keys: Uint8Array, order: Uint32Array): Uint8Array {
  const out = new Uint8Array(order.length * KEY);
  // Word copies where the input is aligned for them (a subarray per key costs more than the copy).
  if (keys.byteOffset % 4 === 0) {
    const from = new Uint32Array(keys.buffer, keys.byteOffset, keys.length / 4);
    const to = new Uint32Array(out.buffer);
    for (let i = 0, t = 0; i < order.length; i++, t += 8) {
      const f = order[i]! * 8;
      for (let w = 0; w < 8; w++) to[t + w] = from[f + w]!;
    }
    return out;
  }
  for (let i = 0, t = 0; i < order.length; i++, t += KEY) {
    const f = order[i]! * KEY;
    for (let b = 0; b < KEY; b++) out[t + b] = keys[f + b]!;
  }
  return out;
}
