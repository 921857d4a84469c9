/**
 * Runs a list of tasks on worker threads and yields their results in task order, with a bounded
 * number in flight (one being worked on and one queued per worker), so the consumer pulls at its
 * own pace and memory stays bounded. The worker module answers through `serveTasks`.
 */
import { extname } from 'node:path';
import { parentPort, Worker, type WorkerOptions } from 'node:worker_threads';

type Reply<R> = { id: number; ok: true; result: R } | { id: number; ok: false; error: string };

/** Tasks queued per worker: one being worked on, one waiting, so no worker idles between tasks. */
const AHEAD = 2;

/**
 * Starts a worker on a module next to the caller (same extension as the caller's own file).
 * Loaders registered in this thread do not reach workers on Node 20, so a TypeScript entry
 * registers tsx itself before importing the worker module.
 */
export function startWorker(entry: URL, options: WorkerOptions = {}): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, options);
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(boot, { ...options, eval: true });
}

/** `./name` beside `base` with base's extension (.ts from source, .js when built). */
export function siblingModule(base: string, name: string): URL {
  const self = new URL(base);
  return new URL(`./${name}${extname(self.pathname)}`, self);
}

/**
 * Tasks as the pool reads them: an array, or a list that makes each task when the pool asks for
 * it (always in order, each once), so that tasks whose making costs time are made while the
 * workers run the ones before.
 */
export interface TaskList<T> {
  readonly length: number;
  at(index: number): T | undefined;
}

export interface PoolOptions<T> {
  readonly workers: number;
  /** ArrayBuffers of a task to move rather than copy. */
  readonly transfer?: (task: T) => ArrayBuffer[];
  readonly workerOptions?: WorkerOptions;
  /** Names a task in errors, e.g. "encoding block" → "encoding block 3 failed in a worker: …". */
  readonly label?: string;
}

export async function* runInWorkers<T, R>(entry: URL, tasks: TaskList<T>, opts: PoolOptions<T>): AsyncGenerator<R> {
  if (!Number.isSafeInteger(opts.workers) || opts.workers < 1) throw new RangeError(`workers must be ≥ 1, got ${opts.workers}`);
  if (tasks.length === 0) return;
  const count = Math.min(opts.workers, tasks.length);
  const waiting = new Map<number, { resolve: (r: R) => void; reject: (e: Error) => void; worker: number }>();
  const failAll = (worker: number, err: Error): void => {
    for (const [id, w] of waiting) {
      if (w.worker === worker) {
        waiting.delete(id);
        w.reject(err);
      }
    }
  };
  const workers = Array.from({ length: count }, (_, i) => {
    const w = startWorker(entry, opts.workerOptions);
    w.on('message', (reply: Reply<R>) => {
      const entry = waiting.get(reply.id);
      if (!entry) return;
      waiting.delete(reply.id);
      if (reply.ok) entry.resolve(reply.result);
      else entry.reject(new Error(`${opts.label ?? 'task'} ${reply.id} failed in a worker: ${reply.error}`));
    });
    w.on('error', (err) => failAll(i, err));
    w.on('exit', (code) => failAll(i, new Error(`worker exited with code ${code}`)));
    return w;
  });

  const queue: Promise<R>[] = [];
  let next = 0;
  const dispatch = (): void => {
    const id = next++;
    const worker = id % count;
    const task = tasks.at(id) as T;
    const p = new Promise<R>((resolve, reject) => {
      waiting.set(id, { resolve, reject, worker });
      workers[worker]!.postMessage({ id, task }, opts.transfer?.(task) ?? []);
    });
    // Awaited in order below; this only keeps a failure that arrives early from being reported as unhandled.
    p.catch(() => undefined);
    queue.push(p);
  };
  try {
    while (next < tasks.length && queue.length < count * AHEAD) dispatch();
    while (queue.length > 0) {
      const result = await queue.shift()!;
      if (next < tasks.length) dispatch();
      yield result;
    }
  } finally {
    waiting.clear();
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/**
 * The worker side: answers each task with `work(task)`; `transfer` names the result's
 * ArrayBuffers to move back rather than copy.
 */
export function serveTasks<T, R>(work: (task: T) => R, transfer: (result: R) => ArrayBuffer[] = () => []): void {
  const port = parentPort;
  if (port === null) throw new Error('serveTasks must run in a worker thread');
  port.on('message', ({ id, task }: { id: number; task: T }) => {
    try {
      const result = work(task);
      port.postMessage({ id, ok: true, result }, transfer(result));
    } catch (err) {
      port.postMessage({ id, ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    }
  });
}
