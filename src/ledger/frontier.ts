/**
 * The frontier (compact range [0, size)) of an append-only Merkle tree: the roots of the
 * perfect subtrees that make up the first `size` leaves, one per set bit of `size`, largest
 * first. Appending a leaf and computing the root both take O(log n).
 */
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
    let node: Uint8Array = new Uint8Array(leafHash.subarray(0, HASH_SIZE));
    let level = 0;
    let index = this.#size;
    while (bitAt(this.#size, level)) {
      node = nodeHash(this.#hashes.pop() as Uint8Array, node);
      level++;
      index = Math.floor(index / 2);
      sink?.(level, index, node);
    }
    this.#hashes.push(node);
    this.#size++;
  }

  /** Appends `count` contiguous 32-byte leaf hashes from `hashes`. */
  appendMany(hashes: Uint8Array, count = hashes.length / HASH_SIZE, sink?: NodeSink): void {
    for (let i = 0; i < count; i++) this.append(hashes.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE), sink);
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
