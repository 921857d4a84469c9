/**
 * A worker thread that keys NDJSON line batches (json-key-worker.ts) beside the thread that
 * receives uploads, started on first use and kept for the process's life (idle, it holds
 * nothing open). One per subject-key secret.
 */
import type { Worker } from 'node:worker_threads';
import type { JsonBatch, JsonBatchReply } from './json-key-worker.ts';
import { startGatewayWorker } from './key-worker-client.ts';

/** Batches in flight at once: enough to keep the worker busy while this thread works too. */
const MAX_IN_FLIGHT = 4;

const pools = new Map<string, JsonKeyPool>();

export class JsonKeyPool {
  readonly #worker: Worker;
  #ready = false;
  #failed = false;
  #nextId = 1;
  readonly #pending = new Map<number, (r: JsonBatchReply) => void>();

  private constructor(secret: Uint8Array) {
    this.#worker = startGatewayWorker('json-key-worker', { workerData: secret });
    this.#worker.on('message', (m: JsonBatchReply | 'ready') => {
      if (m === 'ready') {
        this.#ready = true;
        return;
      }
      const done = this.#pending.get(m.id);
      this.#pending.delete(m.id);
      if (this.#pending.size === 0) this.#worker.unref();
      done?.(m);
    });
    const fail = (error: string): void => {
      this.#failed = true;
      for (const [id, done] of this.#pending) done({ id, ok: false, error });
      this.#pending.clear();
    };
    this.#worker.on('error', (e) => fail(String(e)));
    this.#worker.on('exit', (code) => fail(`the keying worker exited with code ${code}`));
    // After the listeners: adding a 'message' listener refs the worker's port again, and an idle
    // pool must not keep the process alive (a server stopped by SIGTERM would never exit).
    this.#worker.unref();
  }

  /** The pool for `secret` (started now if there is none, or the last one failed). */
  static for(secret: Uint8Array): JsonKeyPool {
    const id = Buffer.from(secret).toString('hex');
    let pool = pools.get(id);
    if (!pool || pool.#failed) pools.set(id, (pool = new JsonKeyPool(secret)));
    return pool;
  }

  /** Whether a batch handed over now would be started soon. */
  get available(): boolean {
    return this.#ready && !this.#failed && this.#pending.size < MAX_IN_FLIGHT;
  }

  /** Keys a batch on the worker (its bytes are copied over); never rejects: failures are replies. */
  submit(batch: Omit<JsonBatch, 'id'>): Promise<JsonBatchReply> {
    const id = this.#nextId++;
    return new Promise((resolve) => {
      if (this.#failed) return resolve({ id, ok: false, error: 'the keying worker has stopped' });
      this.#pending.set(id, resolve);
      this.#worker.ref();
      this.#worker.postMessage({ ...batch, id } satisfies JsonBatch);
    });
  }
}
