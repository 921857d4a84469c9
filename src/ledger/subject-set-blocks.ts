/**
 * A committed subject set (see subject-commitment.ts) kept so that one person's proof takes a
 * block read and a few dozen hashes instead of rebuilding the tree over every key.
 *
 * The sorted keys are cut into blocks of BLOCK_KEYS, each block into groups of GROUP_KEYS.
 * Because both sizes are powers of two, every block (the last one possibly short) is a node of
 * the RFC 9162 tree over the whole set, and every group a node of the tree over its block. So a
 * key's audit path is: its path within its group (hash the group's keys), then the group's path
 * within the block (from the stored group roots), then the block's path to the root (stored).
 * The result is the very proof SubjectCommitment gives.
 */
import { HASH_SIZE, MerkleLevels, emptyRoot, leafHashesFixed } from './merkle.ts';
import { hashLeavesFixed, hashNodePairs } from '../crypto/sha256.ts';
import { SUBJECT_KEY_SIZE, type SubjectInclusionProof, type SubjectNonInclusionProof } from './subject-commitment.ts';

export const BLOCK_KEYS = 256;
export const GROUP_KEYS = 16;

/** How a stored set is cut: its number of keys and the block and group sizes (powers of two). */
export interface SubjectSetLayout {
  readonly size: number;
  readonly blockKeys: number;
  readonly groupKeys: number;
}

/** One block of a stored set. */
export interface SubjectSetBlock {
  /** The block holds keys [index × blockKeys, …) of the sorted set. */
  readonly index: number;
  /** Its keys, sorted (m × 32 bytes, 0 < m ≤ blockKeys). */
  readonly keys: Uint8Array;
  /** The root of each of its groups (⌈m / groupKeys⌉ × 32 bytes). */
  readonly groups: Uint8Array;
  /** The audit path from the block up to the set's root (32 bytes per step, lowest first). */
  readonly path: Uint8Array;
}

/** Everything a store keeps of a committed set. */
export interface SubjectSetBlocks extends SubjectSetLayout {
  readonly root: Uint8Array;
  readonly blocks: readonly SubjectSetBlock[];
}

/** A set's layout and the block found for a key, as a store answers; null when no set is stored. */
export type SubjectBlockRead = { readonly layout: SubjectSetLayout; readonly block: SubjectSetBlock | null } | null;

/**
 * Reads the block whose first key is the greatest at or below `key` ('at'), or the first block
 * whose first key is above it ('after'); `block` is null when there is none.
 */
export type SubjectBlockReader = (key: Uint8Array, side: 'at' | 'after') => Promise<SubjectBlockRead>;

export type SubjectSetProof =
  | { readonly included: true; readonly proof: SubjectInclusionProof }
  | { readonly included: false; readonly proof: SubjectNonInclusionProof };

function compareKey(keys: Uint8Array, i: number, key: Uint8Array): number {
  const p = i * SUBJECT_KEY_SIZE;
  for (let k = 0; k < SUBJECT_KEY_SIZE; k++) {
    const d = keys[p + k]! - key[k]!;
    if (d !== 0) return d;
  }
  return 0;
}

/** Index of `key` among sorted `keys`, or -(insertion point) - 1. */
function search(keys: Uint8Array, key: Uint8Array): number {
  let lo = 0;
  let hi = keys.length / SUBJECT_KEY_SIZE - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareKey(keys, mid, key);
    if (c === 0) return mid;
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return -lo - 1;
}

const log2 = (n: number): number => Math.round(Math.log2(n));

/** Halves a level in place (pairs hashed, an unpaired last node carried up); returns its new length. */
function reduce(level: Uint8Array, n: number): number {
  const pairs = Math.floor(n / 2);
  hashNodePairs(level, 0, pairs, level, 0);
  if (n % 2 === 1) level.copyWithin(pairs * HASH_SIZE, (n - 1) * HASH_SIZE, n * HASH_SIZE);
  return pairs + (n % 2);
}

/**
 * Cuts sorted, distinct keys into blocks with their group roots and paths, and gives the root
 * (the same as subjectKeysRoot). One pass of hashing over the set, as for its root alone.
 */
export function subjectSetBlocks(sortedKeys: Uint8Array, blockKeys = BLOCK_KEYS, groupKeys = GROUP_KEYS): SubjectSetBlocks {
  const size = sortedKeys.length / SUBJECT_KEY_SIZE;
  if (!Number.isInteger(size)) throw new RangeError(`subject keys: ${sortedKeys.length} bytes is not a multiple of ${SUBJECT_KEY_SIZE}`);
  const powerOfTwo = (x: number): boolean => Number.isInteger(x) && x >= 1 && 2 ** log2(x) === x;
  if (!powerOfTwo(blockKeys) || !powerOfTwo(groupKeys) || groupKeys > blockKeys) throw new RangeError(`blocks of ${blockKeys} keys in groups of ${groupKeys}: both must be powers of two, groups no larger`);
  if (size === 0) return { size, blockKeys, groupKeys, root: emptyRoot(), blocks: [] };
  // After r halvings, entry j is the root of leaves [j·2^r, min((j+1)·2^r, size)): whole
  // subtrees, and the short one at the end, as the RFC splits it.
  const level = leafHashesFixed(sortedKeys, SUBJECT_KEY_SIZE, size);
  let n = size;
  for (let r = 0; r < log2(groupKeys); r++) n = reduce(level, n);
  const groupRoots = level.slice(0, n * HASH_SIZE);
  for (let r = log2(groupKeys); r < log2(blockKeys); r++) n = reduce(level, n);
  const blockTree = new MerkleLevels(level.slice(0, n * HASH_SIZE), n);
  const perBlock = blockKeys / groupKeys;
  const blocks: SubjectSetBlock[] = [];
  for (let i = 0; i < n; i++) {
    const path = blockTree.inclusionProof(i);
    const flat = new Uint8Array(path.length * HASH_SIZE);
    path.forEach((h, k) => flat.set(h, k * HASH_SIZE));
    const end = Math.min(size, (i + 1) * blockKeys);
    blocks.push({
      index: i,
      keys: sortedKeys.subarray(i * blockKeys * SUBJECT_KEY_SIZE, end * SUBJECT_KEY_SIZE),
      groups: groupRoots.subarray(i * perBlock * HASH_SIZE, Math.ceil(end / groupKeys) * HASH_SIZE),
      path: flat,
    });
  }
  return { size, blockKeys, groupKeys, root: blockTree.root(), blocks };
}

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

/** Scratch for one proof: a group's leaf hashes, then its block's group roots (grown for larger layouts). */
let scratch = new Uint8Array(16 * HASH_SIZE);

/**
 * Appends to `out` (from byte `at`) the audit path of entry `index` among `count` hashes in
 * `level`, reducing `level` in place; returns the new end. Bottom-up, a node's sibling is the
 * other of its pair when there is one; an unpaired last node is carried up with no step — the
 * RFC 9162 path.
 */
function climb(level: Uint8Array, count: number, index: number, out: Uint8Array, at: number): number {
  for (let n = count, j = index; n > 1; n = reduce(level, n), j = Math.floor(j / 2)) {
    const sibling = j % 2 === 0 ? j + 1 : j - 1;
    if (sibling < n) {
      out.set(level.subarray(sibling * HASH_SIZE, (sibling + 1) * HASH_SIZE), at);
      at += HASH_SIZE;
    }
  }
  return at;
}

/** Inclusion proof of the key at `offset` in `block`. */
function proofAt(layout: SubjectSetLayout, block: SubjectSetBlock, offset: number): SubjectInclusionProof {
  const m = block.keys.length / SUBJECT_KEY_SIZE;
  const g = Math.floor(offset / layout.groupKeys);
  const from = g * layout.groupKeys;
  const inGroup = Math.min(m, from + layout.groupKeys) - from;
  const groups = block.groups.length / HASH_SIZE;
  const need = Math.max(inGroup, groups) * HASH_SIZE;
  if (scratch.length < need) scratch = new Uint8Array(need);
  const path = new Uint8Array((Math.ceil(Math.log2(layout.blockKeys)) + 2) * HASH_SIZE + block.path.length);
  hashLeavesFixed(block.keys, from * SUBJECT_KEY_SIZE, SUBJECT_KEY_SIZE, inGroup, scratch, 0);
  let end = climb(scratch, inGroup, offset - from, path, 0);
  scratch.set(block.groups, 0);
  end = climb(scratch, groups, g, path, end);
  path.set(block.path, end);
  end += block.path.length;
  // One hex conversion for the whole path, cut into hashes.
  const text = hex(path.subarray(0, end));
  const steps: string[] = [];
  for (let p = 0; p < text.length; p += 2 * HASH_SIZE) steps.push(text.slice(p, p + 2 * HASH_SIZE));
  return {
    key: hex(block.keys.subarray(offset * SUBJECT_KEY_SIZE, (offset + 1) * SUBJECT_KEY_SIZE)),
    index: block.index * layout.blockKeys + offset,
    size: layout.size,
    path: steps,
  };
}

/**
 * The proof that `key` is in the set, or that it is not (with its sorted neighbours), from at
 * most two block reads; null when the reader has no such set.
 */
export async function proveFromBlocks(read: SubjectBlockReader, key: Uint8Array): Promise<SubjectSetProof | null> {
  if (key.length !== SUBJECT_KEY_SIZE) throw new RangeError('subject key must be 32 bytes');
  const at = await read(key, 'at');
  if (at === null) return null;
  const { layout, block } = at;
  const first = async (): Promise<SubjectInclusionProof> => {
    const next = (await read(key, 'after'))?.block;
    if (!next) throw new Error('stored subject set: a block is missing');
    return proofAt(layout, next, 0);
  };
  let left: SubjectInclusionProof | null = null;
  let right: SubjectInclusionProof | null = null;
  if (block === null) {
    // Before every key (or the set is empty).
    if (layout.size > 0) right = await first();
  } else {
    const i = search(block.keys, key);
    if (i >= 0) return { included: true, proof: proofAt(layout, block, i) };
    const pos = -i - 1;
    if (pos === 0) throw new Error('stored subject set: the block read starts after the key');
    left = proofAt(layout, block, pos - 1);
    if (pos < block.keys.length / SUBJECT_KEY_SIZE) right = proofAt(layout, block, pos);
    else if (block.index * layout.blockKeys + pos < layout.size) right = await first();
  }
  return { included: false, proof: { key: hex(key), size: layout.size, left, right } };
}

/** A reader over blocks held in memory (a set just built, or rebuilt from its keys). */
export function memoryBlockReader(set: SubjectSetBlocks): SubjectBlockReader {
  const { blocks } = set;
  const layout: SubjectSetLayout = { size: set.size, blockKeys: set.blockKeys, groupKeys: set.groupKeys };
  return async (key, side) => {
    // Number of blocks whose first key is at or below `key`.
    let lo = 0;
    let hi = blocks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareKey(blocks[mid]!.keys, 0, key) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return { layout, block: (side === 'at' ? blocks[lo - 1] : blocks[lo]) ?? null };
  };
}
