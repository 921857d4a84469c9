/**
 * Merkle tree hashing and proofs exactly as RFC 9162 §2.1 (same tree as RFC 6962):
 * leaf = SHA-256(0x00 || data), node = SHA-256(0x01 || left || right), MTH(D[n]) splits at the
 * largest power of two smaller than n, MTH of the empty tree = SHA-256("").
 *
 * Pure functions. Proof construction reads "perfect" subtrees (aligned blocks of 2^level
 * leaves) through a NodeReader, so the same code serves an in-memory tree and a database that
 * stores those nodes; the storage never does Merkle math itself.
 *
 * Sizes and indices are JavaScript numbers (exact to 2^53); no 32-bit bit operations on them.
 */
import { hashLeaf, hashLeavesFixed, hashNode, hashNodePairs, sha256 } from '../crypto/sha256.ts';

export const HASH_SIZE = 32;

/** Reads the hash of the perfect subtree covering leaves [index*2^level, (index+1)*2^level). */
export type NodeReader = (level: number, index: number) => Uint8Array;

/** MTH of the empty tree. */
export function emptyRoot(): Uint8Array {
  return sha256(new Uint8Array(0));
}

/** Leaf hash of `data`: SHA-256(0x00 || data). */
export function leafHash(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(HASH_SIZE);
  hashLeaf(data, 0, data.length, out, 0);
  return out;
}

/** Interior node hash: SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  const out = new Uint8Array(HASH_SIZE);
  hashNode(left, 0, right, 0, out, 0);
  return out;
}

/** Largest power of two strictly smaller than n (n >= 2). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function isPowerOfTwo(n: number): boolean {
  return n >= 1 && Number.isInteger(Math.log2(n)) && 2 ** Math.log2(n) === n;
}

/**
 * MTH of `count` leaf hashes stored contiguously (32 bytes each) in `hashes` from `offset`.
 * Bottom-up with batched node hashing; an unpaired last node is carried up unchanged, which
 * yields the same tree as the RFC's split at the largest power of two.
 */
export function rootOfLeafHashes(hashes: Uint8Array, count = hashes.length / HASH_SIZE, offset = 0): Uint8Array {
  if (count === 0) return emptyRoot();
  // A copy: reduced in place below. (Buffer#slice would share memory, hence the constructor.)
  const level = new Uint8Array(hashes.subarray(offset, offset + count * HASH_SIZE));
  let n = count;
  while (n > 1) {
    const pairs = Math.floor(n / 2);
    hashNodePairs(level, 0, pairs, level, 0);
    if (n % 2 === 1) level.copyWithin(pairs * HASH_SIZE, (n - 1) * HASH_SIZE, n * HASH_SIZE);
    n = pairs + (n % 2);
  }
  return level.slice(0, HASH_SIZE);
}

/** Leaf hashes (contiguous) of fixed-size leaves, e.g. 32-byte subject keys. */
export function leafHashesFixed(data: Uint8Array, leafSize: number, count = data.length / leafSize): Uint8Array {
  const out = new Uint8Array(count * HASH_SIZE);
  hashLeavesFixed(data, 0, leafSize, count, out, 0);
  return out;
}

/** MTH of leaves [start, end) from perfect-subtree reads; O(log n) reads and hashes. */
export function subtreeRoot(read: NodeReader, start: number, end: number): Uint8Array {
  const n = end - start;
  if (n <= 0) return emptyRoot();
  if (isPowerOfTwo(n) && start % n === 0) return read(Math.log2(n), start / n);
  const k = splitPoint(n);
  return nodeHash(subtreeRoot(read, start, start + k), subtreeRoot(read, start + k, end));
}

/** RFC 9162 §2.1.3.1 PATH(m, D[start:end]), as a list of hashes from the leaf upwards. */
function path(read: NodeReader, m: number, start: number, end: number, out: Uint8Array[]): void {
  const n = end - start;
  if (n <= 1) return;
  const k = splitPoint(n);
  if (m < k) {
    path(read, m, start, start + k, out);
    out.push(subtreeRoot(read, start + k, end));
  } else {
    path(read, m - k, start + k, end, out);
    out.push(subtreeRoot(read, start, start + k));
  }
}

/** Inclusion proof (audit path) of leaf `index` in the tree of the first `size` leaves. */
export function inclusionProof(read: NodeReader, index: number, size: number): Uint8Array[] {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) {
    throw new RangeError(`inclusion proof: index ${index} outside tree of size ${size}`);
  }
  const out: Uint8Array[] = [];
  path(read, index, 0, size, out);
  return out;
}

/** RFC 9162 §2.1.4.1 SUBPROOF(m, D[start:end], b). */
function subproof(read: NodeReader, m: number, start: number, end: number, whole: boolean, out: Uint8Array[]): void {
  const n = end - start;
  if (m === n) {
    if (!whole) out.push(subtreeRoot(read, start, end));
    return;
  }
  const k = splitPoint(n);
  if (m <= k) {
    subproof(read, m, start, start + k, whole, out);
    out.push(subtreeRoot(read, start + k, end));
  } else {
    subproof(read, m - k, start + k, end, false, out);
    out.push(subtreeRoot(read, start, start + k));
  }
}

/** Consistency proof between the trees of sizes `m` and `n` (0 <= m <= n); empty when m is 0 or n. */
export function consistencyProof(read: NodeReader, m: number, n: number): Uint8Array[] {
  if (!Number.isSafeInteger(m) || !Number.isSafeInteger(n) || m < 0 || m > n) {
    throw new RangeError(`consistency proof: sizes ${m} and ${n} are not 0 <= m <= n`);
  }
  const out: Uint8Array[] = [];
  if (m === 0 || m === n) return out;
  subproof(read, m, 0, n, true, out);
  return out;
}

export function equalHashes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const isHash = (h: Uint8Array): boolean => h.length === HASH_SIZE;

/**
 * Root implied by an inclusion proof (RFC 9162 §2.1.3.2 steps 1-4), or null when the proof
 * has the wrong shape for (index, size).
 */
export function rootFromInclusionProof(leaf: Uint8Array, index: number, size: number, proof: readonly Uint8Array[]): Uint8Array | null {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return null;
  if (!isHash(leaf) || !proof.every(isHash)) return null;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return null;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : null;
}

/** RFC 9162 §2.1.3.2: does `proof` show leaf hash `leaf` at `index` in the tree with `root`? */
export function verifyInclusion(leaf: Uint8Array, index: number, size: number, proof: readonly Uint8Array[], root: Uint8Array): boolean {
  const r = rootFromInclusionProof(leaf, index, size, proof);
  return r !== null && equalHashes(r, root);
}

/** RFC 9162 §2.1.4.2: is the tree (n, rootN) an append-only extension of (m, rootM)? */
export function verifyConsistency(
  m: number,
  n: number,
  rootM: Uint8Array,
  rootN: Uint8Array,
  proof: readonly Uint8Array[],
): boolean {
  if (!Number.isSafeInteger(m) || !Number.isSafeInteger(n) || m < 0 || m > n) return false;
  if (!proof.every(isHash)) return false;
  // Trivial cases outside the RFC's 0 < m < n: the empty tree is a prefix of every tree.
  if (m === 0) return proof.length === 0;
  if (m === n) return proof.length === 0 && equalHashes(rootM, rootN);
  // 1. An empty path proves nothing.
  if (proof.length === 0) return false;
  // 2. When m is a power of two, its root is the first node of the path.
  const nodes = isPowerOfTwo(m) ? [rootM, ...proof] : [...proof];
  // 3-4.
  let fn = m - 1;
  let sn = n - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  // 5.
  let fr = nodes[0];
  let sr = nodes[0];
  // 6.
  for (let i = 1; i < nodes.length; i++) {
    const c = nodes[i];
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  // 7.
  return sn === 0 && equalHashes(fr, rootM) && equalHashes(sr, rootN);
}

/**
 * All levels of a tree held in memory: level 0 = leaf hashes, level l = perfect nodes of
 * 2^l leaves. Built with batched hashing; answers NodeReader queries for proofs in O(1).
 */
export class MerkleLevels {
  readonly levels: Uint8Array[];
  readonly size: number;

  constructor(leafHashes: Uint8Array, count = leafHashes.length / HASH_SIZE) {
    this.size = count;
    this.levels = [leafHashes.subarray(0, count * HASH_SIZE)];
    let below = this.levels[0];
    let n = count;
    while (n > 1) {
      const pairs = Math.floor(n / 2);
      const next = new Uint8Array(pairs * HASH_SIZE);
      hashNodePairs(below, 0, pairs, next, 0);
      this.levels.push(next);
      below = next;
      n = pairs;
    }
  }

  readonly read: NodeReader = (level, index) => {
    const hashes = this.levels[level];
    if (hashes === undefined || (index + 1) * HASH_SIZE > hashes.length) {
      throw new RangeError(`no complete subtree at level ${level} index ${index}`);
    }
    return hashes.subarray(index * HASH_SIZE, (index + 1) * HASH_SIZE);
  };

  /** MTH of the first `size` leaves (default: all). */
  root(size = this.size): Uint8Array {
    return subtreeRoot(this.read, 0, size);
  }

  inclusionProof(index: number, size = this.size): Uint8Array[] {
    return inclusionProof(this.read, index, size);
  }

  consistencyProof(m: number, n = this.size): Uint8Array[] {
    return consistencyProof(this.read, m, n);
  }
}
