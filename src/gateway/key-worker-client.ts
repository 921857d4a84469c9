/**
 * Starts the CSV keying worker (csv-key-worker.ts) and hands its replies over one at a time.
 * A worker that fails or exits early yields a 'failed' reply, so the caller can fall back.
 */
import { extname } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { KeyWorkerReply, KeyWorkerTask } from './csv-key-worker.ts';

export interface KeyWorker {
  next(): Promise<KeyWorkerReply>;
  stop(): void;
}

function spawn(task: KeyWorkerTask): Worker {
  const self = new URL(import.meta.url);
  const entry = new URL(`./csv-key-worker${extname(self.pathname)}`, self).href;
  if (!entry.endsWith('.ts')) return new Worker(new URL(entry), { workerData: task });
  // Loaders registered in this thread do not reach workers on Node 20: a TypeScript entry
  // registers tsx itself before importing the worker module.
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { eval: true, workerData: task });
}

export function startKeyWorker(task: KeyWorkerTask): KeyWorker {
  const w = spawn(task);
  const queue: KeyWorkerReply[] = [];
  let wake: (() => void) | null = null;
  let finished = false;
  const put = (r: KeyWorkerReply): void => {
    if (finished) return;
    if (r.kind !== 'batch') finished = true;
    queue.push(r);
    const f = wake;
    wake = null;
    f?.();
  };
  w.on('message', (r: KeyWorkerReply) => put(r));
  w.on('error', (e) => put({ kind: 'failed', error: String(e) }));
  w.on('exit', (code) => put({ kind: 'failed', error: `the keying worker exited with code ${code}` }));
  return {
    async next() {
      while (queue.length === 0) await new Promise<void>((res) => (wake = res));
      return queue.shift()!;
    },
    stop() {
      finished = true;
      void w.terminate();
    },
  };
}
