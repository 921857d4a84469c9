/**
 * The frontier (compact range [0, size)) of an append-only Merkle tree: the roots of the
 * perfect subtrees that make up the first `size` leaves, one per set bit of `size`, largest
 * first. Appending a leaf and computing the root both take O(log n).
 */
import { hashNodePairs } from '../crypto/sha256.ts';
import type { LeafSubtrees } from './leaf-subtrees.ts';
import { HASH_SIZE, emptyRoot, nodeHash } from './merkle.ts';

/** Called for every perfect subtree completed by an append (level >= 1). */
export type NodeSink = (level: number, index: number, hash: Uint8Array) => void;

const bitAt = (n: number, level: number): boolean => Math.floor(n / 2 ** level) % 2 === 1;

export class Frontier {
  #size: number;
  readonly #hashes: Uint8Array[];

  constructor(size = 0, hashes: readonly Uint8Array[] = []) {
    let bits = 0;
    for (let n = size; n > 0; n = Math.floor(n / 2)) bits += n % 2;
    // INVARIANT: one hash per set bit of size.
    if (!Number.isSafeInteger(size) || size < 0 || bits !== hashes.length || hashes.some((h) => h.length !== HASH_SIZE)) {
      throw new RangeError(`frontier of size ${size} needs ${bits} hashes of ${HASH_SIZE} bytes, got ${hashes.length}`);
    }
    this.#size = size;
    this.#hashes = hashes.map((h) => new Uint8Array(h)); // copies, also of Buffer views
  }

  get size(): number {
    return this.#size;
  }

  /** The subtree roots, largest (leftmost) first. */
  get hashes(): readonly Uint8Array[] {
    return this.#hashes;
  }

  /** Appends one leaf hash; reports each perfect subtree it completes to `sink`. */
  append(leafHash: Uint8Array, sink?: NodeSink): void {
    this.#push(new Uint8Array(leafHash.subarray(0, HASH_SIZE)), 0, sink);
  }

  /**
   * Adds the root of a perfect subtree of 2^level leaves, merging it with the frontier's equal
   * subtrees. INVARIANT: the size is a multiple of 2^level, so the frontier's smallest subtree
   * is no smaller, and bit `level` says whether it is as small.
   */
  #push(root: Uint8Array, level: number, sink: NodeSink | undefined): void {
    const leaves = 2 ** level;
    let node = root;
    let index = this.#size / leaves;
    while (bitAt(this.#size, level)) {
      node = nodeHash(this.#hashes.pop() as Uint8Array, node);
      level++;
      index = Math.floor(index / 2);
      sink?.(level, index, node);
    }
    this.#hashes.push(node);
    this.#size += leaves;
  }

  /**
   * Appends `count` contiguous 32-byte leaf hashes from `hashes`. The same tree and the same
   * completed subtrees as `append` one by one (reported level by level rather than leaf by
   * leaf), but each level's pairs are hashed in one batch, four lanes at a time where SIMD is
   * available: a bulk load appends millions of leaves.
   */
  appendMany(hashes: Uint8Array, count = hashes.length / HASH_SIZE, sink?: NodeSink): void {
    if (count < 8) {
      for (let i = 0; i < count; i++) this.append(hashes.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE), sink);
      return;
    }
    const before = this.#size;
    // The old frontier by level: bit L of the size holds the root of a level-L subtree.
    const byLevel = new Map<number, Uint8Array>();
    let k = 0;
    for (let level = 52; level >= 0; level--) if (bitAt(before, level)) byLevel.set(level, this.#hashes[k++]!);
    const leftover = new Map<number, Uint8Array>();
    // INVARIANT: at level L the run holds nodes [start, start + len), start = floor(before / 2^L).
    let run = hashes.subarray(0, count * HASH_SIZE);
    let len = count;
    let start = before;
    let level = 0;
    while (len > 0) {
      let first = start;
      if (start % 2 === 1) {
        // The frontier's node at this level is the left sibling of the run's first node.
        const joined = new Uint8Array((len + 1) * HASH_SIZE);
        joined.set(byLevel.get(level)!, 0);
        joined.set(run.subarray(0, len * HASH_SIZE), HASH_SIZE);
        byLevel.delete(level);
        run = joined;
        len++;
        first--;
      }
      const pairs = Math.floor(len / 2);
      if (len % 2 === 1) leftover.set(level, run.slice((len - 1) * HASH_SIZE, len * HASH_SIZE));
      const next = new Uint8Array(pairs * HASH_SIZE);
      hashNodePairs(run, 0, pairs, next, 0);
      level++;
      if (sink) for (let i = 0; i < pairs; i++) sink(level, first / 2 + i, next.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE));
      run = next;
      len = pairs;
      start = first / 2;
    }
    const size = before + count;
    const hashesOut: Uint8Array[] = [];
    for (let l = 52; l >= 0; l--) if (bitAt(size, l)) hashesOut.push(leftover.get(l) ?? byLevel.get(l)!);
    this.#hashes.length = 0;
    this.#hashes.push(...hashesOut);
    this.#size = size;
  }

  /**
   * Appends the leaves of `s` by joining its subtrees' roots onto the frontier: the same tree as
   * appendMany over those leaves, hashing only where a root meets the frontier. `sink` hears of
   * the nodes so made and of the nodes `s` holds (those inside its subtrees from s.minLevel up).
   */
  appendSubtrees(s: LeafSubtrees, sink?: NodeSink): void {
    if (s.first !== this.#size) throw new RangeError(`subtrees from leaf ${s.first} do not follow a frontier of size ${this.#size}`);
    // The subtrees are aligned to their size, as #push needs.
    for (let k = 0; k < s.levels.length; k++) this.#push(s.roots.slice(k * HASH_SIZE, (k + 1) * HASH_SIZE), s.levels[k]!, sink);
    if (sink) for (let i = 0; i < s.nodeLevels.length; i++) sink(s.nodeLevels[i]!, s.nodeIndexes[i]!, s.nodeHashes.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE));
  }

  /** MTH of the leaves appended so far. */
  root(): Uint8Array {
    const n = this.#hashes.length;
    if (n === 0) return emptyRoot();
    let acc = this.#hashes[n - 1];
    for (let i = n - 2; i >= 0; i--) acc = nodeHash(this.#hashes[i], acc);
    return acc;
  }

  /** Compact byte form: the hashes concatenated (the size is stored beside it). */
  toBytes(): Uint8Array {
    const out = new Uint8Array(this.#hashes.length * HASH_SIZE);
    this.#hashes.forEach((h, i) => out.set(h, i * HASH_SIZE));
    return out;
  }

  static fromBytes(size: number, bytes: Uint8Array): Frontier {
    const hashes: Uint8Array[] = [];
    for (let off = 0; off < bytes.length; off += HASH_SIZE) hashes.push(bytes.subarray(off, off + HASH_SIZE));
    return new Frontier(size, hashes);
  }

  clone(): Frontier {
    return new Frontier(this.#size, this.#hashes);
  }
}
