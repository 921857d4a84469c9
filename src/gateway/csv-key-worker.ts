/**
 * Worker thread: keys chunks of a plain CSV file (see csv-chunks.ts) side by side with the
 * calling thread, handing each chunk's records over on `port` as soon as it is keyed: per record
 * its subject key, flags, whether it could be identified and its file offset.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import { chunkCapacity, keyChunk, POSTED, stopChunks, takeChunk, type ChunkControl, type ChunkKeys, type ChunkPlan } from './csv-chunks.ts';
import { secretHasher } from './key-hasher.ts';
import type { MaterialColumns } from './record-material.ts';
import { RowKeys } from './row-keys.ts';

export interface KeyWorkerTask {
  readonly plan: ChunkPlan;
  readonly control: ChunkControl;
  readonly material: MaterialColumns;
  /** The subject-key secret. */
  readonly secret: Uint8Array;
  /** Where chunks go (the other end stays with the calling thread). */
  readonly port: MessagePort;
}

export type KeyWorkerMessage =
  | ({ readonly kind: 'chunk' } & ChunkKeys)
  /** No chunk is left. */
  | { readonly kind: 'end' }
  /** A chunk was not one the fast path reads. */
  | { readonly kind: 'declined' }
  | { readonly kind: 'failed'; readonly error: string };

function post(task: KeyWorkerTask, m: KeyWorkerMessage, transfer: ArrayBuffer[] = []): void {
  task.port.postMessage(m, transfer);
  // Counted after posting: the calling thread waits on this count, then reads the port.
  Atomics.add(task.control, POSTED, 1);
  Atomics.notify(task.control, POSTED);
}

function run(task: KeyWorkerTask): void {
  const hasher = secretHasher(task.secret);
  for (let j = takeChunk(task.plan, task.control); j >= 0; j = takeChunk(task.plan, task.control)) {
    const keys = new RowKeys(hasher, task.material, true, chunkCapacity(task.plan));
    if (!keyChunk(task.plan, j, keys)) {
      stopChunks(task.control);
      post(task, { kind: 'declined' });
      return;
    }
    const { count, bad, keys: k, flags, unidentified, offsets } = keys;
    post(task, { kind: 'chunk', id: j, count, bad, keys: k, flags, unidentified, offsets }, [k.buffer, flags.buffer, unidentified.buffer, offsets.buffer]);
  }
  post(task, { kind: 'end' });
}

const task = workerData as KeyWorkerTask;
try {
  run(task);
} catch (err) {
  stopChunks(task.control);
  post(task, { kind: 'failed', error: String((err as Error)?.stack ?? err) });
}
