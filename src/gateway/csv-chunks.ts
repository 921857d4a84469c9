/**
 * A plain CSV file (one csv-scan.ts reads) cut into chunks at line breaks, for threads to key
 * side by side: each takes the next chunk from a shared counter until none is left, so a thread
 * that starts late or runs slower simply takes fewer. Any thread can compute where a chunk
 * starts, so the cuts agree without being passed around.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { scanCsvRows } from './csv-scan.ts';
import type { RowKeys } from './row-keys.ts';

export interface ChunkPlan {
  readonly file: string;
  /** Byte offset just past the header's line break. */
  readonly dataStart: number;
  readonly size: number;
  readonly chunkBytes: number;
  readonly chunks: number;
  /** Fields per record. */
  readonly columns: number;
}

/**
 * Shared between the threads: [next chunk to take, 1 once any thread has declined, chunks the
 * worker has handed over].
 */
export type ChunkControl = Int32Array<SharedArrayBuffer>;
const NEXT = 0;
const STOP = 1;
export const POSTED = 2;

export function newChunkControl(): ChunkControl {
  return new Int32Array(new SharedArrayBuffer(12));
}

export function chunkPlan(file: string, dataStart: number, size: number, columns: number, chunkBytes: number): ChunkPlan {
  const bytes = size - dataStart;
  return { file, dataStart, size, chunkBytes, chunks: Math.max(1, Math.ceil(bytes / chunkBytes)), columns };
}

/** Where the next line starts at or after `pos` (the file's size when none does). */
function nextLineStart(fd: number, pos: number, size: number): number {
  const buf = Buffer.allocUnsafe(64 * 1024);
  for (let at = pos; at < size; ) {
    const n = readSync(fd, buf, 0, buf.length, at);
    if (n === 0) break;
    const nl = buf.subarray(0, n).indexOf(0x0a);
    if (nl >= 0) return at + nl + 1;
    at += n;
  }
  return size;
}

/** Byte offset where chunk j starts (chunk `chunks` starts at the end of the file). */
export function chunkStart(plan: ChunkPlan, j: number): number {
  if (j <= 0) return plan.dataStart;
  if (j >= plan.chunks) return plan.size;
  const fd = openSync(plan.file, 'r');
  try {
    return nextLineStart(fd, plan.dataStart + j * plan.chunkBytes, plan.size);
  } finally {
    closeSync(fd);
  }
}

/** The next chunk for this thread to key, or -1 when none is left (or a thread declined). */
export function takeChunk(plan: ChunkPlan, control: ChunkControl): number {
  if (Atomics.load(control, STOP) !== 0) return -1;
  const j = Atomics.add(control, NEXT, 1);
  return j < plan.chunks ? j : -1;
}

/** Tells every thread to stop taking chunks. */
export function stopChunks(control: ChunkControl): void {
  Atomics.store(control, STOP, 1);
}

/** Room for a chunk's records when lines average 16 bytes or more (more records grow the arrays; pages never written cost nothing). */
export function chunkCapacity(plan: ChunkPlan): number {
  return Math.ceil(Math.min(plan.chunkBytes, plan.size - plan.dataStart) / 16) + 16;
}

/** Keys the records of chunk j into `keys` (flushed). False when the fast path cannot read it. */
export function keyChunk(plan: ChunkPlan, j: number, keys: RowKeys): boolean {
  const start = chunkStart(plan, j);
  const end = chunkStart(plan, j + 1);
  const rows = start < end ? scanCsvRows(plan.file, start, end, plan.columns, 0, (r, _i, offset) => keys.add(r, offset)) : 0;
  keys.finish();
  return rows !== null;
}

/** What a thread hands over for one chunk: its records in file order. */
export interface ChunkKeys {
  readonly id: number;
  readonly count: number;
  /** Records without usable identifiers. */
  readonly bad: number;
  /** count × 32 bytes (the arrays may be longer than count). */
  readonly keys: Uint8Array;
  readonly flags: Uint8Array;
  readonly unidentified: Uint8Array;
  readonly offsets: Float64Array;
}
