/**
 * Encodes case blocks in order, either here or on worker threads (one block in flight per worker
 * plus one queued), yielding them in block order. The consumer pulls at its own pace, which bounds memory.
 */
import { extname } from 'node:path';
import { Worker } from 'node:worker_threads';
import { encodeBlock } from './case-block.ts';
import type { CaseBlock, EncodedBlock } from './case-block.ts';
import type { BlockTask } from './case-worker.ts';

type BlockReply = { id: number; ok: true; block: EncodedBlock } | { id: number; ok: false; error: string };

/** Blocks queued per worker: one being encoded, one waiting, so no worker idles between blocks. */
const AHEAD = 2;

export function* encodeBlocksInline(blocks: readonly CaseBlock[]): Generator<EncodedBlock> {
  for (const b of blocks) yield encodeBlock(b);
}

function spawnWorker(): Worker {
  const self = new URL(import.meta.url);
  const entry = new URL(`./case-worker${extname(self.pathname)}`, self).href;
  // Loaders registered in this thread do not reach workers on Node 20, so a TypeScript entry
  // registers tsx itself before importing the worker module.
  const options = { resourceLimits: { maxYoungGenerationSizeMb: 48 } };
  if (!entry.endsWith('.ts')) return new Worker(new URL(entry), options);
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { ...options, eval: true });
}

export async function* encodeBlocksInWorkers(blocks: readonly CaseBlock[], workerCount: number): AsyncGenerator<EncodedBlock> {
  if (!Number.isSafeInteger(workerCount) || workerCount < 1) throw new RangeError(`workers must be ≥ 1, got ${workerCount}`);
  if (blocks.length === 0) return;
  const count = Math.min(workerCount, blocks.length);
  const waiting = new Map<number, { resolve: (b: EncodedBlock) => void; reject: (e: Error) => void; worker: number }>();
  const failAll = (worker: number, err: Error): void => {
    for (const [id, w] of waiting) {
      if (w.worker === worker) {
        waiting.delete(id);
        w.reject(err);
      }
    }
  };
  const workers = Array.from({ length: count }, (_, i) => {
    const w = spawnWorker();
    w.on('message', (reply: BlockReply) => {
      const entry = waiting.get(reply.id);
      if (!entry) return;
      waiting.delete(reply.id);
      if (reply.ok) entry.resolve(reply.block);
      else entry.reject(new Error(`encoding block ${reply.id} failed in a worker: ${reply.error}`));
    });
    w.on('error', (err) => failAll(i, err));
    w.on('exit', (code) => failAll(i, new Error(`case worker exited with code ${code}`)));
    return w;
  });

  const queue: Promise<EncodedBlock>[] = [];
  let next = 0;
  const dispatch = (): void => {
    const id = next++;
    const worker = id % count;
    const p = new Promise<EncodedBlock>((resolve, reject) => {
      waiting.set(id, { resolve, reject, worker });
      const task: BlockTask = { id, block: blocks[id] as CaseBlock };
      workers[worker]!.postMessage(task);
    });
    // Awaited in order below; this only keeps a failure that arrives early from being reported as unhandled.
    p.catch(() => undefined);
    queue.push(p);
  };
  try {
    while (next < blocks.length && queue.length < count * AHEAD) dispatch();
    while (queue.length > 0) {
      const block = await queue.shift()!;
      if (next < blocks.length) dispatch();
      yield block;
    }
  } finally {
    waiting.clear();
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
