/**
 * The pure part of an append, shared by every storage: leaf data and hashes of a batch of
 * entries, and the perfect subtree nodes the batch completes, from the frontier before it.
 */
import { nativeSha256Into } from '../crypto/sha256.ts';
import { Frontier, type NodeSink } from './frontier.ts';
import type { LeafSubtrees } from './leaf-subtrees.ts';
import { isRebuilt, leafInput, type LedgerEntry } from './ledger-entry.ts';
import { HASH_SIZE, rootOfLeafHashes, type NodeReader } from './merkle.ts';

/**
 * Perfect subtrees below this level are not stored: a proof rebuilds one from at most
 * 2^(level) leaf hashes, while storing them would cost one extra row per leaf appended.
 */
export const MIN_STORED_LEVEL = 4;

/**
 * Leaves appended by their hashes alone (bulk loads) are kept in runs of 256 (hashed-leaf-runs.ts),
 * and their perfect subtrees below this level are not stored either: a proof rebuilds one from
 * at most two run rows (rebuiltNode), where a row per 16 leaves cost a load about as much
 * as the rest of its ledger writes. Below this level a stored node may be missing, and is rebuilt.
 */
export const BULK_MIN_STORED_LEVEL = 8;

/**
 * Appends `count` leaves given by their hashes to `frontier`, handing `keep` every node a log
 * stores for them (from BULK_MIN_STORED_LEVEL up). `subtrees` hashed ahead stand for the leaves
 * when they start where the log ends, cover exactly those leaves and hold every node kept;
 * otherwise the leaves are hashed here.
 */
export function appendHashedLeaves(frontier: Frontier, hashes: Uint8Array, count: number, subtrees: LeafSubtrees | undefined, keep: NodeSink): void {
  const sink: NodeSink = (level, index, hash) => {
    if (level >= BULK_MIN_STORED_LEVEL) keep(level, index, hash);
  };
  if (subtrees !== undefined && subtrees.first === frontier.size && subtrees.count === count && subtrees.minLevel <= BULK_MIN_STORED_LEVEL) frontier.appendSubtrees(subtrees, sink);
  else frontier.appendMany(hashes, count, sink);
}

/** The root of a node that storage does not hold, from its leaves' hashes (leaves [index·2^level, +2^level)). */
export function rebuiltNode(level: number, index: number, leaves: readonly { readonly index: number; readonly hash: Uint8Array }[]): Uint8Array {
  const width = 2 ** level;
  if (level <= 0 || level >= BULK_MIN_STORED_LEVEL || leaves.length !== width || leaves[0]?.index !== index * width) {
    throw new RangeError(`ledger node ${level}/${index} is missing`);
  }
  const hashes = new Uint8Array(width * HASH_SIZE);
  leaves.forEach((l, i) => hashes.set(l.hash, i * HASH_SIZE));
  return rootOfLeafHashes(hashes, width);
}

export interface PreparedBatch {
  readonly first: number;
  /** Leaf data to store: empty for entries the store rebuilds from its rows (see REBUILT). */
  readonly data: readonly Uint8Array[];
  /** Leaf hashes, 32 bytes each, contiguous. */
  readonly hashes: Uint8Array;
  /** Completed perfect subtrees to store (level >= MIN_STORED_LEVEL): [level, index, hash]. */
  readonly nodes: readonly (readonly [number, number, Uint8Array])[];
  readonly frontier: Frontier;
  readonly root: Uint8Array;
}

export function prepareBatch(before: Frontier, entries: readonly LedgerEntry[]): PreparedBatch {
  const inputs = entries.map(leafInput); // throws on a bad entry before anything is written
  const hashes = new Uint8Array(entries.length * HASH_SIZE);
  // Leaves are a few hundred bytes: one native call each beats hashing them in JavaScript.
  inputs.forEach((input, i) => nativeSha256Into(input, hashes, i * HASH_SIZE));
  const data = inputs.map((input, i) => (isRebuilt(entries[i]!) ? NO_DATA : input.subarray(1)));
  const frontier = before.clone();
  const nodes: [number, number, Uint8Array][] = [];
  frontier.appendMany(hashes, entries.length, (level, index, hash) => {
    if (level >= MIN_STORED_LEVEL) nodes.push([level, index, hash]);
  });
  return { first: before.size, data, hashes, nodes, frontier, root: frontier.root() };
}

const ZERO = new Uint8Array(HASH_SIZE);
const NO_DATA = new Uint8Array(0);

type NodeId = readonly [level: number, index: number];

/**
 * Runs a proof computation against storage that answers node reads in one round trip:
 * first records which perfect subtrees it reads (they depend on sizes only, not on hashes),
 * fetches them (low levels as their leaf hashes), then computes for real.
 */
export async function withNodes<T>(
  fetch: (ids: readonly NodeId[]) => Promise<Uint8Array[]>,
  compute: (read: NodeReader) => T,
): Promise<T> {
  const wanted: NodeId[] = [];
  compute((level, index) => {
    wanted.push([level, index]);
    return ZERO;
  });
  const stored: NodeId[] = [];
  for (const [level, index] of wanted) {
    if (level === 0 || level >= MIN_STORED_LEVEL) stored.push([level, index]);
    else for (let i = index * 2 ** level; i < (index + 1) * 2 ** level; i++) stored.push([0, i]);
  }
  const hashes = await fetch(stored);
  // Numeric key: levels stay below 64 and indices below 2^47.
  const byId = new Map<number, Uint8Array>();
  stored.forEach(([l, i], k) => byId.set(i * 64 + l, hashes[k]));
  const read: NodeReader = (level, index) => {
    const h = byId.get(index * 64 + level);
    if (h !== undefined) return h;
    if (level > 0 && level < MIN_STORED_LEVEL) {
      const width = 2 ** level;
      const leaves = new Uint8Array(width * HASH_SIZE);
      for (let i = 0; i < width; i++) leaves.set(read(0, index * width + i), i * HASH_SIZE);
      return rootOfLeafHashes(leaves, width);
    }
    throw new Error(`node ${level}/${index} was not fetched`);
  };
  return compute(read);
}
