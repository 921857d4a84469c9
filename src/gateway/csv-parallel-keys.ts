/**
 * Keys a plain CSV file chunk by chunk on this thread and, for a large file, on a worker thread
 * too (csv-chunks.ts). Between its own chunks this thread takes in the worker's finished ones
 * and looks their subject keys up as well, so when the last chunk is keyed little is left to do.
 * The keys themselves are joined in file order only when asked for (committing a transfer needs
 * them; deciding needs only the ordinals).
 */
import { receiveMessageOnPort } from 'node:worker_threads';
import { chunkCapacity, keyChunk, newChunkControl, POSTED, stopChunks, takeChunk, type ChunkKeys, type ChunkPlan } from './csv-chunks.ts';
import type { KeyWorkerMessage } from './csv-key-worker.ts';
import type { KeyHasher } from './key-hasher.ts';
import { startKeyWorker, type KeyWorker } from './key-worker-client.ts';
import type { MaterialColumns } from './record-material.ts';
import { RowKeys } from './row-keys.ts';

/** Atomics.waitAsync (Node 16+), which this project's TypeScript libs do not declare. */
const waitAsync = (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number, ms: number): { async: boolean; value: Promise<string> | string } }).waitAsync;

/** Subject keys → ordinals (-1 when unknown). */
export interface OrdinalLookup {
  /** The keys of `parts` (each n × 32 bytes), as if concatenated, into `out`. */
  find(parts: readonly Uint8Array[], out: Int32Array): void;
  /** Called when a large batch is coming, while there is time to get ready for it. */
  expectLarge(): void;
}

export interface ParallelKeying {
  readonly plan: ChunkPlan;
  readonly material: MaterialColumns;
  readonly hasher: KeyHasher;
  /** Given: a worker thread keys chunks too, with this secret. */
  readonly secret?: Uint8Array | undefined;
  /** Work for this thread while the worker starts; runs before this thread keys anything. */
  readonly meanwhile: () => Promise<void>;
  /** How to look keys up, asked for once `meanwhile` is done; null: the caller does it later. */
  readonly lookup?: () => OrdinalLookup | null;
  readonly onProgress?: (n: number) => void;
}

export interface ChunkedRecords {
  readonly count: number;
  readonly unidentifiedCount: number;
  readonly flags: Uint8Array;
  readonly unidentified: Uint8Array;
  readonly offsets: Float64Array;
  /** Ordinals (-1 for unknown and unidentified records), when a lookup was given. */
  readonly ordinals: Int32Array | null;
  /** count × 32 bytes, joined on first use. */
  readonly keys: Uint8Array;
}

/** Null when a chunk is not one the fast path reads (or the worker failed): use the general reader. */
export async function keyChunked(k: ParallelKeying): Promise<ChunkedRecords | null> {
  const { plan } = k;
  const control = newChunkControl();
  const worker: KeyWorker | null = k.secret && plan.chunks > 1 ? startKeyWorker({ plan, control, material: k.material, secret: k.secret }) : null;
  try {
    await k.meanwhile();
    const lookup = k.lookup?.() ?? null;
    // With a worker, the batch is large: the lookup's preparation overlaps its keying.
    if (worker !== null) lookup?.expectLarge();
    const done: (ChunkKeys | undefined)[] = new Array<ChunkKeys | undefined>(plan.chunks);
    let have = 0;
    let rows = 0;
    let declined = false;
    let ended = worker === null;
    const take = (c: ChunkKeys): void => {
      done[c.id] = c;
      have++;
      rows += c.count;
      k.onProgress?.(rows);
    };
    const drain = (): void => {
      for (let m = worker && receiveMessageOnPort(worker.port); m; m = receiveMessageOnPort(worker!.port)) {
        const msg = m.message as KeyWorkerMessage;
        if (msg.kind === 'chunk') take(msg);
        else if (msg.kind === 'end') ended = true;
        else declined = true;
      }
    };
    for (let j = takeChunk(plan, control); j >= 0; j = takeChunk(plan, control)) {
      const keys = new RowKeys(k.hasher, k.material, true, chunkCapacity(plan));
      if (!keyChunk(plan, j, keys)) {
        stopChunks(control);
        return null;
      }
      take({ id: j, count: keys.count, bad: keys.bad, keys: keys.keys, flags: keys.flags, unidentified: keys.unidentified, offsets: keys.offsets });
      drain();
      if (declined) return null;
    }
    // The worker's last chunks.
    while (!declined && (have < plan.chunks || !ended)) {
      const seen = Atomics.load(control, POSTED);
      drain();
      if (declined || (have === plan.chunks && ended)) break;
      if (worker?.failure()) return null;
      // Wait without blocking the event loop, so a worker that dies is noticed.
      const w = waitAsync(control, POSTED, seen, 200);
      if (w.async) await w.value;
    }
    if (declined) return null;
    return joined(done as ChunkKeys[], lookup);
  } finally {
    worker?.stop();
  }
}

/**
 * The chunks' records end to end; the keys only when read, unless `lookup` is given: then they
 * are looked up in one batch, which costs a fraction of looking each chunk up on its own (a
 * large batch is regrouped so that its lookups walk the table in cache-sized stretches).
 */
function joined(parts: readonly ChunkKeys[], lookup: OrdinalLookup | null): ChunkedRecords | null {
  let n = 0;
  let bad = 0;
  for (const p of parts) {
    n += p.count;
    bad += p.bad;
  }
  if (n === 0) return null;
  const flags = new Uint8Array(n);
  const unidentified = new Uint8Array(n);
  const offsets = new Float64Array(n);
  let at = 0;
  for (const p of parts) {
    flags.set(p.flags.subarray(0, p.count), at);
    unidentified.set(p.unidentified.subarray(0, p.count), at);
    offsets.set(p.offsets.subarray(0, p.count), at);
    at += p.count;
  }
  let keys: Uint8Array | null = null;
  const allKeys = (): Uint8Array => {
    if (keys === null) {
      keys = new Uint8Array(n * 32);
      let k = 0;
      for (const p of parts) {
        keys.set(p.keys.subarray(0, p.count * 32), k * 32);
        k += p.count;
      }
    }
    return keys;
  };
  let ordinals: Int32Array | null = null;
  if (lookup) {
    ordinals = new Int32Array(n);
    lookup.find(
      parts.map((p) => p.keys.subarray(0, p.count * 32)),
      ordinals,
    );
    for (let i = 0; i < n; i++) if (unidentified[i]) ordinals[i] = -1;
  }
  return {
    count: n,
    unidentifiedCount: bad,
    flags,
    unidentified,
    offsets,
    ordinals,
    get keys(): Uint8Array {
      return allKeys();
    },
  };
}
