/**
 * A transfer commits to its subjects with its own Merkle tree over the sorted, distinct 32-byte
 * subject keys (leaf data = the key). Sorting makes absence provable: a key is not in the set
 * when its two sorted neighbours sit at adjacent leaves (or the one neighbour at an end).
 *
 * Keys travel as one Uint8Array of n*32 bytes; nothing here allocates an object per key.
 */
import {
  HASH_SIZE,
  MerkleLevels,
  emptyRoot,
  equalHashes,
  leafHash,
  leafHashesFixed,
  rootOfLeafHashes,
  verifyInclusion,
} from './merkle.ts';

export const SUBJECT_KEY_SIZE = 32;

/** Bytewise comparison of key i of `a` with key j of `b`. */
function compareKeys(a: Uint8Array, i: number, b: Uint8Array, j: number): number {
  const p = i * SUBJECT_KEY_SIZE;
  const q = j * SUBJECT_KEY_SIZE;
  for (let k = 0; k < SUBJECT_KEY_SIZE; k++) {
    const d = a[p + k] - b[q + k];
    if (d !== 0) return d;
  }
  return 0;
}

function checkKeys(keys: Uint8Array): number {
  if (keys.length % SUBJECT_KEY_SIZE !== 0) {
    throw new RangeError(`subject keys: ${keys.length} bytes is not a multiple of ${SUBJECT_KEY_SIZE}`);
  }
  return keys.length / SUBJECT_KEY_SIZE;
}

/** Sorts n*32 bytes of keys bytewise and drops duplicates; returns a new array. */
export function sortSubjectKeys(keys: Uint8Array): Uint8Array {
  return sortKeyBytes(keys, true, false).keys;
}

/**
 * The keys sorted bytewise (memcmp order, as SQLite compares BLOBs), each with the position it
 * had in `keys`; equal keys are all kept, in their input order.
 */
export function sortKeys(keys: Uint8Array): { readonly keys: Uint8Array; readonly positions: Uint32Array } {
  return sortKeyBytes(keys, false, true);
}

/**
 * The one sort of keys (stable: equal keys keep their input order):
 * 1. Scatter whole keys into 2^b buckets by their top b bits (sequential reads, streaming
 *    writes: no random access over the whole array). b is chosen so buckets hold about
 *    2^b / 4 keys.
 * 2. Sort each bucket, small enough for the cache, with a native Uint32Array sort of
 *    (the next 32 - b bits) << b | position; runs with equal 32-bit prefixes (rare: keys are
 *    uniform hashes) are finished by full comparison.
 * 3. Copy each bucket out in order as 32-bit words, skipping duplicates when `distinct`, with
 *    each key's input position when `withPositions` (else `positions` is empty).
 * Inputs so skewed that a bucket overflows 2^b keys fall back to a comparison sort.
 */
function sortKeyBytes(keys: Uint8Array, distinct: boolean, withPositions: boolean): { keys: Uint8Array; positions: Uint32Array } {
  const n = checkKeys(keys);
  // Word access needs 4-byte alignment; Buffer slices from the pool may not have it.
  const src = keys.byteOffset % 4 === 0 ? keys : new Uint8Array(keys); // a copy (Buffer#slice would not copy)
  const bits = Math.min(16, Math.max(8, Math.ceil(Math.log2(4 * Math.max(n, 1)) / 2)));
  const shift = 32 - bits;
  const buckets = 1 << bits;
  const prefixOf = (a: Uint8Array, p: number): number => ((a[p] << 24) | (a[p + 1] << 16) | (a[p + 2] << 8) | a[p + 3]) >>> 0;
  const start = new Uint32Array(buckets + 1);
  for (let i = 0, p = 0; i < n; i++, p += SUBJECT_KEY_SIZE) start[(prefixOf(src, p) >>> shift) + 1]++;
  let largest = 0;
  for (let b = 0; b < buckets; b++) {
    largest = Math.max(largest, start[b + 1]);
    start[b + 1] += start[b];
  }
  if (largest >= buckets) return sortByComparison(src, n, distinct, withPositions);
  const src32 = new Uint32Array(src.buffer, src.byteOffset, n * 8);
  const tmp = new Uint8Array(n * SUBJECT_KEY_SIZE);
  const tmp32 = new Uint32Array(tmp.buffer);
  const tmpPositions = new Uint32Array(withPositions ? n : 0);
  const head = start.slice(0, buckets);
  for (let i = 0, p = 0; i < n; i++, p += SUBJECT_KEY_SIZE) {
    const slot = head[prefixOf(src, p) >>> shift]++;
    if (withPositions) tmpPositions[slot] = i;
    const t = slot * 8;
    const f = i * 8;
    tmp32[t] = src32[f];
    tmp32[t + 1] = src32[f + 1];
    tmp32[t + 2] = src32[f + 2];
    tmp32[t + 3] = src32[f + 3];
    tmp32[t + 4] = src32[f + 4];
    tmp32[t + 5] = src32[f + 5];
    tmp32[t + 6] = src32[f + 6];
    tmp32[t + 7] = src32[f + 7];
  }
  const out = new Uint8Array(n * SUBJECT_KEY_SIZE);
  const out32 = new Uint32Array(out.buffer);
  const positions = new Uint32Array(withPositions ? n : 0);
  const packed = new Uint32Array(largest);
  const order = new Uint32Array(largest);
  const mask = buckets - 1;
  let m = 0;
  for (let b = 0; b < buckets; b++) {
    const s = start[b];
    const size = start[b + 1] - s;
    if (size === 0) continue;
    const sortKeys = packed.subarray(0, size);
    for (let j = 0, p = s * SUBJECT_KEY_SIZE; j < size; j++, p += SUBJECT_KEY_SIZE) {
      sortKeys[j] = ((prefixOf(tmp, p) << bits) | j) >>> 0;
    }
    sortKeys.sort();
    for (let j = 0; j < size; j++) order[j] = s + (sortKeys[j] & mask);
    // Equal 32-bit prefixes: insertion sort of the run by the full key (stable: the run is in input order).
    for (let j = 1; j < size; j++) {
      const prefix = sortKeys[j - 1] >>> bits;
      if (sortKeys[j] >>> bits !== prefix) continue;
      let end = j + 1;
      while (end < size && sortKeys[end] >>> bits === prefix) end++;
      insertionSort(tmp, order, j - 1, end);
      j = end - 1;
    }
    for (let j = 0; j < size; j++) {
      const k = order[j];
      if (distinct && m > 0 && compareKeys(tmp, k, out, m - 1) === 0) continue;
      if (withPositions) positions[m] = tmpPositions[k];
      const f = k * 8;
      const t = m * 8;
      out32[t] = tmp32[f];
      out32[t + 1] = tmp32[f + 1];
      out32[t + 2] = tmp32[f + 2];
      out32[t + 3] = tmp32[f + 3];
      out32[t + 4] = tmp32[f + 4];
      out32[t + 5] = tmp32[f + 5];
      out32[t + 6] = tmp32[f + 6];
      out32[t + 7] = tmp32[f + 7];
      m++;
    }
  }
  return m === n ? { keys: out, positions } : { keys: out.slice(0, m * SUBJECT_KEY_SIZE), positions: positions.slice(0, withPositions ? m : 0) };
}

/** Sorts positions order[from..to) of keys in `keys` by full comparison. */
function insertionSort(keys: Uint8Array, order: Uint32Array, from: number, to: number): void {
  for (let a = from + 1; a < to; a++) {
    const v = order[a];
    let j = a - 1;
    while (j >= from && compareKeys(keys, order[j], keys, v) > 0) {
      order[j + 1] = order[j];
      j--;
    }
    order[j + 1] = v;
  }
}

/** Fallback for pathological inputs (one bucket holding over 2^21 keys): plain comparison sort. */
function sortByComparison(src: Uint8Array, n: number, distinct: boolean, withPositions: boolean): { keys: Uint8Array; positions: Uint32Array } {
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => compareKeys(src, a, src, b) || a - b);
  const out = new Uint8Array(n * SUBJECT_KEY_SIZE);
  const positions = new Uint32Array(withPositions ? n : 0);
  let m = 0;
  for (const k of order) {
    if (distinct && m > 0 && compareKeys(src, k, out, m - 1) === 0) continue;
    out.set(src.subarray(k * SUBJECT_KEY_SIZE, (k + 1) * SUBJECT_KEY_SIZE), m * SUBJECT_KEY_SIZE);
    if (withPositions) positions[m] = k;
    m++;
  }
  return m === n ? { keys: out, positions } : { keys: out.slice(0, m * SUBJECT_KEY_SIZE), positions: positions.slice(0, withPositions ? m : 0) };
}

/** True when keys are strictly increasing (sorted, no duplicates). */
export function isSortedUnique(keys: Uint8Array): boolean {
  const n = checkKeys(keys);
  for (let i = 1; i < n; i++) if (compareKeys(keys, i - 1, keys, i) >= 0) return false;
  return true;
}

/** Merkle root over already sorted, distinct keys (batched leaf and node hashing). */
export function subjectKeysRoot(sortedKeys: Uint8Array): Uint8Array {
  const n = checkKeys(sortedKeys);
  return n === 0 ? emptyRoot() : rootOfLeafHashes(leafHashesFixed(sortedKeys, SUBJECT_KEY_SIZE, n), n);
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const fromHex = (s: string): Uint8Array | null =>
  /^([0-9a-f]{2})*$/.test(s) ? new Uint8Array(Buffer.from(s, 'hex')) : null;

/** Inclusion of one key: lowercase hex key, its leaf index, the tree size and audit path. */
export interface SubjectInclusionProof {
  readonly key: string;
  readonly index: number;
  readonly size: number;
  readonly path: readonly string[];
}

/**
 * Absence of `key`: the sorted neighbours around where it would be, each with its inclusion
 * proof; `left` is null when the key sorts before every key, `right` when after every key.
 */
export interface SubjectNonInclusionProof {
  readonly key: string;
  readonly size: number;
  readonly left: SubjectInclusionProof | null;
  readonly right: SubjectInclusionProof | null;
}

/** The committed set with every tree level kept, for proofs. */
export class SubjectCommitment {
  readonly keys: Uint8Array;
  readonly size: number;
  readonly #tree: MerkleLevels;

  private constructor(sortedKeys: Uint8Array) {
    this.keys = sortedKeys;
    this.size = sortedKeys.length / SUBJECT_KEY_SIZE;
    this.#tree = new MerkleLevels(leafHashesFixed(sortedKeys, SUBJECT_KEY_SIZE, this.size), this.size);
  }

  /** Sorts and de-duplicates `keys` (n*32 bytes), then builds the tree. */
  static fromKeys(keys: Uint8Array): SubjectCommitment {
    return new SubjectCommitment(sortSubjectKeys(keys));
  }

  root(): Uint8Array {
    return this.#tree.root();
  }

  /** Leaf index of `key`, or -(insertion point) - 1 when absent. */
  search(key: Uint8Array): number {
    if (key.length !== SUBJECT_KEY_SIZE) throw new RangeError('subject key must be 32 bytes');
    let lo = 0;
    let hi = this.size - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareKeys(this.keys, mid, key, 0);
      if (c === 0) return mid;
      if (c < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return -lo - 1;
  }

  #proofAt(index: number): SubjectInclusionProof {
    return {
      key: hex(this.keys.subarray(index * SUBJECT_KEY_SIZE, (index + 1) * SUBJECT_KEY_SIZE)),
      index,
      size: this.size,
      path: this.#tree.inclusionProof(index).map(hex),
    };
  }

  /** Proof that `key` is committed, or null when it is not. */
  inclusionProof(key: Uint8Array): SubjectInclusionProof | null {
    const i = this.search(key);
    return i >= 0 ? this.#proofAt(i) : null;
  }

  /** Proof that `key` is not committed, or null when it is. */
  nonInclusionProof(key: Uint8Array): SubjectNonInclusionProof | null {
    const i = this.search(key);
    if (i >= 0) return null;
    const at = -i - 1;
    return {
      key: hex(key),
      size: this.size,
      left: at > 0 ? this.#proofAt(at - 1) : null,
      right: at < this.size ? this.#proofAt(at) : null,
    };
  }
}

/** Checks one key's inclusion proof against a commitment root. */
export function verifySubjectInclusion(proof: SubjectInclusionProof, root: Uint8Array): boolean {
  const key = fromHex(proof.key);
  const path = proof.path.map(fromHex);
  if (key === null || key.length !== SUBJECT_KEY_SIZE || path.some((p) => p === null || p.length !== HASH_SIZE)) return false;
  return verifyInclusion(leafHash(key), proof.index, proof.size, path as Uint8Array[], root);
}

/** Checks a non-inclusion proof against a commitment root, without any other key. */
export function verifySubjectNonInclusion(proof: SubjectNonInclusionProof, root: Uint8Array): boolean {
  const key = fromHex(proof.key);
  if (key === null || key.length !== SUBJECT_KEY_SIZE) return false;
  const { left, right, size } = proof;
  if (left === null && right === null) return size === 0 && equalHashes(root, emptyRoot());
  const below = (a: string, b: string): boolean => a < b; // equal-length lowercase hex sorts like bytes
  if (left !== null) {
    if (left.size !== size || !below(left.key, proof.key) || !verifySubjectInclusion(left, root)) return false;
    if (right === null && left.index !== size - 1) return false;
  }
  if (right !== null) {
    if (right.size !== size || !below(proof.key, right.key) || !verifySubjectInclusion(right, root)) return false;
    if (left === null && right.index !== 0) return false;
  }
  return left === null || right === null || right.index === left.index + 1;
}
