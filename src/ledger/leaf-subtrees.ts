/**
 * The Merkle tree work of a run of leaves done ahead, wherever their place in the log is known:
 * the run [first, first + count) splits into the largest perfect subtrees aligned to their size,
 * whose roots and inner nodes depend on those leaves alone. A bulk load hashes them on the
 * threads that build its blocks; the log then only joins the roots onto its frontier
 * (Frontier.appendSubtrees). Pure.
 */
import { hashNodePairs } from '../crypto/sha256.ts';
import { HASH_SIZE } from './merkle.ts';

export interface LeafSubtrees {
  /** Index of the first leaf. */
  readonly first: number;
  readonly count: number;
  /** The level of each subtree (2^level leaves), left to right. */
  readonly levels: Uint8Array;
  /** Their roots, 32 bytes each, in the same order. */
  readonly roots: Uint8Array;
  /** Inner nodes are kept from this level up. */
  readonly minLevel: number;
  /** Every inner node of the subtrees at level ≥ minLevel: its level, index within its level, and hash. */
  readonly nodeLevels: Uint8Array;
  readonly nodeIndexes: Float64Array;
  readonly nodeHashes: Uint8Array;
}

/** Levels of the largest aligned perfect subtrees that cover leaves [first, first + count), left to right. */
export function subtreeLevels(first: number, count: number): number[] {
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(count) || first < 0 || count < 0) throw new RangeError(`bad leaf run ${first}+${count}`);
  const out: number[] = [];
  const end = first + count;
  for (let at = first; at < end; ) {
    let level = 0;
    while (at % 2 ** (level + 1) === 0 && at + 2 ** (level + 1) <= end) level++;
    out.push(level);
    at += 2 ** level;
  }
  return out;
}

/** The subtrees of `count` leaf hashes (32 bytes each, from `hashes`) that will be leaves first, first + 1, … */
export function leafSubtrees(first: number, hashes: Uint8Array, count: number, minLevel: number): LeafSubtrees {
  if (hashes.length < count * HASH_SIZE) throw new RangeError(`${count} leaf hashes need ${count * HASH_SIZE} bytes, got ${hashes.length}`);
  if (!Number.isInteger(minLevel) || minLevel < 1) throw new RangeError(`inner nodes start at level 1, got ${minLevel}`);
  const levels = subtreeLevels(first, count);
  const roots = new Uint8Array(levels.length * HASH_SIZE);
  // At most count / 2^L nodes at level L: under 2 · count / 2^minLevel from minLevel up.
  const most = Math.ceil((2 * count) / 2 ** minLevel) + levels.length;
  const nodeLevels = new Uint8Array(most);
  const nodeIndexes = new Float64Array(most);
  const nodeHashes = new Uint8Array(most * HASH_SIZE);
  let nodes = 0;
  const widest = 2 ** Math.max(0, ...levels);
  const work = new Uint8Array((widest / 2) * HASH_SIZE);
  let at = 0;
  levels.forEach((level, k) => {
    const size = 2 ** level;
    if (level === 0) roots.set(hashes.subarray(at * HASH_SIZE, (at + 1) * HASH_SIZE), k * HASH_SIZE);
    else {
      // Level 1 from the leaves into `work`, then each level above in place.
      hashNodePairs(hashes, at * HASH_SIZE, size / 2, work, 0);
      for (let l = 1; l <= level; l++) {
        const width = size / 2 ** l;
        if (l > 1) hashNodePairs(work, 0, width, work, 0);
        if (l >= minLevel) {
          const firstIndex = (first + at) / 2 ** l;
          for (let i = 0; i < width; i++) {
            nodeLevels[nodes] = l;
            nodeIndexes[nodes] = firstIndex + i;
            nodeHashes.set(work.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE), nodes * HASH_SIZE);
            nodes++;
          }
        }
      }
      roots.set(work.subarray(0, HASH_SIZE), k * HASH_SIZE);
    }
    at += size;
  });
  return {
    first,
    count,
    levels: Uint8Array.from(levels),
    roots,
    minLevel,
    nodeLevels: nodeLevels.slice(0, nodes),
    nodeIndexes: nodeIndexes.slice(0, nodes),
    nodeHashes: nodeHashes.slice(0, nodes * HASH_SIZE),
  };
}

/** The ArrayBuffers of `s`, to move it between threads. */
export function leafSubtreeBuffers(s: LeafSubtrees): ArrayBuffer[] {
  return [s.levels, s.roots, s.nodeLevels, s.nodeIndexes, s.nodeHashes].map((a) => a.buffer as ArrayBuffer);
}
