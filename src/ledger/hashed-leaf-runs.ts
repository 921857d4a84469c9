/**
 * Leaves appended by their hashes alone (bulk loads: the store rebuilds their data from its own
 * rows) are kept in runs of up to RUN consecutive hashes, a row per run, rather than a row per
 * leaf: a load of two million consent events writes eight thousand rows instead of two million.
 * A run of 256 hashes is 8 KiB, so reading one leaf's hash reads about two pages.
 *
 * Every leaf index is in exactly one place: a row of its own (with its data) or one run.
 */
import { HASH_SIZE } from './merkle.ts';
import type { StoredLeaf } from './ledger-storage.ts';

export const RUN = 256;
const NO_DATA = new Uint8Array(0);

export interface LeafRun {
  /** Index of the run's first leaf. */
  readonly first: number;
  /** Its leaves' hashes, HASH_SIZE bytes each. */
  readonly hashes: Uint8Array;
}

/** The runs for `count` hashes appended from leaf index `first`. */
export function cutRuns(first: number, hashes: Uint8Array, count: number): LeafRun[] {
  const runs: LeafRun[] = [];
  for (let k = 0; k < count; k += RUN) {
    const n = Math.min(RUN, count - k);
    runs.push({ first: first + k, hashes: hashes.subarray(k * HASH_SIZE, (k + n) * HASH_SIZE) });
  }
  return runs;
}

export function runLength(r: LeafRun): number {
  return r.hashes.length / HASH_SIZE;
}

/** Leaf `index`'s hash from `run`, or null when the run does not hold it. */
export function hashInRun(run: LeafRun | undefined, index: number): Uint8Array | null {
  if (run === undefined || index < run.first || index >= run.first + runLength(run)) return null;
  const at = (index - run.first) * HASH_SIZE;
  return run.hashes.subarray(at, at + HASH_SIZE);
}

/**
 * The leaves in [from, to), in index order, from leaf rows and runs (each may hold any of them):
 * run leaves come without data, for withLeafData to rebuild.
 */
export function mergeLeaves(rows: readonly StoredLeaf[], runs: readonly LeafRun[], from: number, to: number): StoredLeaf[] {
  const fromRuns: StoredLeaf[] = [];
  for (const r of runs) {
    const lo = Math.max(from, r.first);
    const hi = Math.min(to, r.first + runLength(r));
    for (let i = lo; i < hi; i++) fromRuns.push({ index: i, data: NO_DATA, hash: hashInRun(r, i)! });
  }
  if (fromRuns.length === 0) return rows.filter((l) => l.index >= from && l.index < to);
  const out: StoredLeaf[] = [];
  let a = 0;
  let b = 0;
  const inRange = rows.filter((l) => l.index >= from && l.index < to);
  while (a < inRange.length || b < fromRuns.length) {
    if (b >= fromRuns.length || (a < inRange.length && inRange[a]!.index < fromRuns[b]!.index)) out.push(inRange[a++]!);
    else out.push(fromRuns[b++]!);
  }
  return out;
}
