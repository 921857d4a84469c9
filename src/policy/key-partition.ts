/**
 * A large batch of 32-byte keys regrouped by the bits that place them in a lookup table, so the
 * lookups of one group all fall in one small, cache-sized stretch of the table. Looking a
 * million random keys up one by one costs a cache and TLB miss each over tens of megabytes;
 * regrouped, the batch and the table are each read once, front to back.
 *
 * The regrouped copy lives in scratch arrays kept for the next batch (fresh memory costs a page
 * fault per 4 KiB on first touch, more than the copying itself); batches beyond KEEP_UP_TO keys
 * get arrays of their own.
 */

/** The batch, group after group (views into scratch: valid until the next call). */
export interface KeyGroups {
  /** The keys as words (8 per key) in group order. */
  readonly words: Uint32Array;
  /** Position in the batch of each regrouped key. */
  readonly index: Int32Array;
  /** Group g holds regrouped keys starts[g] .. starts[g+1]-1. */
  readonly starts: Int32Array;
}

const KEEP_UP_TO = 1 << 22;

let scratchWords = new Uint32Array(0);
let scratchIndex = new Int32Array(0);
let scratchGroup = new Uint16Array(0);

/** Room for the group numbers of n keys, to fill before calling groupKeys. */
export function groupScratch(n: number): Uint16Array {
  if (n > KEEP_UP_TO) return new Uint16Array(n);
  if (scratchGroup.length < n) scratchGroup = new Uint16Array(n);
  return scratchGroup;
}

/**
 * Regroups `n` keys (words[k*8 .. k*8+8)) by their group number (group[k] < groups): one
 * counting pass and one copying pass, keeping the batch order within a group.
 */
export function groupKeys(words: Uint32Array, group: Uint16Array, n: number, groups: number): KeyGroups {
  const starts = new Int32Array(groups + 1);
  for (let k = 0; k < n; k++) starts[group[k]! + 1]!++;
  for (let g = 0; g < groups; g++) starts[g + 1]! += starts[g]!;
  const fill = starts.slice(0, groups);
  let out: Uint32Array;
  let index: Int32Array;
  if (n > KEEP_UP_TO) {
    out = new Uint32Array(n * 8);
    index = new Int32Array(n);
  } else {
    if (scratchIndex.length < n) {
      scratchWords = new Uint32Array(n * 8);
      scratchIndex = new Int32Array(n);
    }
    out = scratchWords;
    index = scratchIndex;
  }
  for (let k = 0; k < n; k++) {
    const at = fill[group[k]!]!++;
    index[at] = k;
    const s = k * 8;
    const d = at * 8;
    out[d] = words[s]!;
    out[d + 1] = words[s + 1]!;
    out[d + 2] = words[s + 2]!;
    out[d + 3] = words[s + 3]!;
    out[d + 4] = words[s + 4]!;
    out[d + 5] = words[s + 5]!;
    out[d + 6] = words[s + 6]!;
    out[d + 7] = words[s + 7]!;
  }
  return { words: out, index, starts };
}

/** The keys as aligned words: a view when `keys` is 4-byte aligned, else a copy. */
export function keyWords(keys: Uint8Array): Uint32Array {
  const aligned = keys.byteOffset % 4 === 0 ? keys : new Uint8Array(keys);
  return new Uint32Array(aligned.buffer, aligned.byteOffset, aligned.length >>> 2);
}
