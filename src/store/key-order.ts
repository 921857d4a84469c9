/**
 * 32-byte keys sorted bytewise (memcmp order, as SQLite compares BLOBs). Keys are HMAC outputs,
 * so their first two bytes spread them evenly over 65,536 buckets: a counting pass places each
 * key in its bucket, and each bucket, about 16 keys for a million, is sorted on its own. Skewed
 * input still sorts correctly, only more slowly.
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

/**
 * The keys sorted (n × 32 bytes), each with the position it had in `keys`; equal keys keep their
 * input order. Each key is copied whole into its bucket in one streaming pass, so the sort
 * within a bucket works on adjacent keys rather than on keys scattered over the input: half the
 * time of sorting positions and then gathering the keys (about 185 vs 380 ms for a million).
 */
export function sortKeys(keys: Uint8Array): { readonly keys: Uint8Array; readonly positions: Uint32Array } {
  if (keys.length % KEY !== 0) throw new RangeError(`keys: ${keys.length} bytes is not a whole number of 32-byte keys`);
  const n = keys.length / KEY;
  // Word access needs 4-byte alignment; input that lacks it is copied once.
  const src = keys.byteOffset % 4 === 0 ? keys : new Uint8Array(keys);
  const from32 = new Uint32Array(src.buffer, src.byteOffset, n * 8);
  const buckets = 1 << BUCKET_BITS;
  const start = new Uint32Array(buckets + 1);
  for (let i = 0, p = 0; i < n; i++, p += KEY) start[((src[p]! << 8) | src[p + 1]!) + 1]!++;
  for (let b = 0; b < buckets; b++) start[b + 1]! += start[b]!;
  const out = new Uint8Array(n * KEY);
  const out32 = new Uint32Array(out.buffer);
  const positions = new Uint32Array(n);
  const fill = start.slice(0, buckets);
  for (let i = 0, p = 0; i < n; i++, p += KEY) {
    const t = fill[(src[p]! << 8) | src[p + 1]!]!++;
    positions[t] = i;
    const f = i * 8;
    const w = t * 8;
    for (let k = 0; k < 8; k++) out32[w + k] = from32[f + k]!;
  }
  for (let b = 0; b < buckets; b++) {
    const lo = start[b]!;
    const hi = start[b + 1]!;
    if (hi - lo < 2) continue;
    if (hi - lo > INSERTION_MAX) {
      // Skewed input: sort the bucket's positions by comparison, then lay its keys out again.
      const part = Array.from({ length: hi - lo }, (_, j) => lo + j).sort((x, y) => compareFrom(out, x * KEY, y * KEY, 2) || positions[x]! - positions[y]!);
      const words = part.map((j) => out32.slice(j * 8, j * 8 + 8));
      const pos = part.map((j) => positions[j]!);
      for (let j = 0; j < part.length; j++) {
        out32.set(words[j]!, (lo + j) * 8);
        positions[lo + j] = pos[j]!;
      }
      continue;
    }
    // Insertion sort of adjacent keys; equal keys keep their input order (positions ascend).
    for (let a = lo + 1; a < hi; a++) {
      let j = a - 1;
      if (compareFrom(out, j * KEY, a * KEY, 2) <= 0) continue;
      const pos = positions[a]!;
      for (let k = 0; k < 8; k++) HELD32[k] = out32[a * 8 + k]!;
      while (j >= lo && compareHeld(out, j * KEY) > 0) {
        for (let k = 0; k < 8; k++) out32[(j + 1) * 8 + k] = out32[j * 8 + k]!;
        positions[j + 1] = positions[j]!;
        j--;
      }
      for (let k = 0; k < 8; k++) out32[(j + 1) * 8 + k] = HELD32[k]!;
      positions[j + 1] = pos;
    }
  }
  return { keys: out, positions };
}

/** The key being inserted during sortKeys' insertion sort, as words and as bytes. */
const HELD32 = new Uint32Array(8);
const HELD = new Uint8Array(HELD32.buffer);

/** Compares the key at byte offset `a` of `keys` with the held key, bytewise from byte 2. */
function compareHeld(keys: Uint8Array, a: number): number {
  for (let k = 2; k < KEY; k++) {
    const d = keys[a + k]! - HELD[k]!;
    if (d !== 0) return d;
  }
  return 0;
}

