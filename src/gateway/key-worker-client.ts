/**
 * Starts the keying workers of this folder, and the CSV one (csv-key-worker.ts) in particular:
 * its chunks arrive on `port`, read without waiting (receiveMessageOnPort) between the calling
 * thread's own chunks. A worker that fails or exits early is reported by `failure`, so the
 * caller can fall back.
 */
import { MessageChannel, type Worker, type MessagePort, type WorkerOptions } from 'node:worker_threads';
import { siblingModule, startWorker } from '../workers/ordered-pool.ts';
import type { KeyWorkerTask } from './csv-key-worker.ts';

export interface KeyWorker {
  /** The calling thread's end of the channel the worker's messages come on. */
  readonly port: MessagePort;
  /** Why the worker stopped unexpectedly, or null. */
  failure(): string | null;
  stop(): void;
}

/** Starts the worker module `name` beside this one (see ordered-pool.ts for how TypeScript entries boot). */
export function startGatewayWorker(name: string, options: WorkerOptions): Worker {
  return startWorker(siblingModule(import.meta.url, name), options);
}

export function startKeyWorker(task: Omit<KeyWorkerTask, 'port'>): KeyWorker {
  const { port1, port2 } = new MessageChannel();
  const w = startGatewayWorker('csv-key-worker', { workerData: { ...task, port: port2 } satisfies KeyWorkerTask, transferList: [port2] });
  let failure: string | null = null;
  let done = false;
  w.on('error', (e) => (failure ??= String(e)));
  w.on('exit', (code) => {
    if (!done && code !== 0) failure ??= `the keying worker exited with code ${code}`;
  });
  return {
    port: port1,
    failure: () => failure,
    stop() {
      done = true;
      port1.close();
      void w.terminate();
    },
  };
}
