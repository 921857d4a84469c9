/**
 * How the server uses its SQLite connection, which is tuned for loading and reading by default:
 *
 * - Checkpoints of the write-ahead log run on a worker thread with its own connection. Left to
 *   itself, SQLite copies the log back into the database file inside whichever commit takes the
 *   log past 1,000 pages: on a large store that copy and its fsyncs are most of a small write's
 *   time, and a pause of tens of milliseconds for every request waiting on that commit. The
 *   worker's passive checkpoints never wait for or block the server's writes. The log starts
 *   over only when a checkpoint has copied all of it before the next write; under steady load
 *   that rarely happens, so the connection keeps its own checkpoints at a larger size (20,000
 *   pages by default): by then the worker has copied nearly everything, and the connection's
 *   checkpoint is short. It is also the fallback should the worker stop.
 * - A small page cache. Every commit after a B-tree split walks the whole page cache (SQLite
 *   renumbers split pages through a placeholder page number beyond any store under 1 GiB, which
 *   makes the commit's cache truncation scan every slot), so with the 64 MiB cache of bulk loads
 *   the commits of single writes cost several times what they do with a few MiB. The server's
 *   decisions work from memory, not from cached pages.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

export interface SqliteServing {
  /** Stops the worker and gives the connection back its own settings. */
  stop(): Promise<void>;
}

export interface SqliteServingOptions {
  /** Pause between checkpoints (default 10 ms): one that finds nothing new costs next to nothing. */
  readonly checkpointEveryMs?: number;
  /** Log size at which the connection checkpoints by itself after all (default 20,000 pages). */
  readonly backstopPages?: number;
  /** Page cache while serving, in KiB (default 4,096). */
  readonly cacheKib?: number;
  readonly onError?: (err: Error) => void;
}

// Plain JavaScript evaluated from a string: the worker needs no TypeScript loader this way.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
let timer = null;
const tick = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (e) {
    parentPort.postMessage(String((e && e.message) || e));
  }
  timer = setTimeout(tick, workerData.everyMs);
};
tick();
parentPort.on('message', () => {
  clearTimeout(timer);
  db.close();
  parentPort.close();
});
`;

/** Tunes `db` for serving; null (nothing changed) for a store that is not a WAL file. */
export function serveFromSqlite(db: Database.Database, o: SqliteServingOptions = {}): SqliteServing | null {
  if (db.memory || String(db.pragma('journal_mode', { simple: true })).toLowerCase() !== 'wal') return null;
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver, file: db.name, everyMs: o.checkpointEveryMs ?? 10 } });
  worker.unref();
  const autocheckpoint = Number(db.pragma('wal_autocheckpoint', { simple: true }));
  const cacheSize = Number(db.pragma('cache_size', { simple: true }));
  db.pragma(`wal_autocheckpoint = ${o.backstopPages ?? 20_000}`);
  db.pragma(`cache_size = -${o.cacheKib ?? 4096}`);
  let checkpointsRestored = false;
  const restoreCheckpoints = (): void => {
    if (checkpointsRestored || !db.open) return;
    checkpointsRestored = true;
    db.pragma(`wal_autocheckpoint = ${autocheckpoint}`);
  };
  const report = o.onError ?? (() => undefined);
  worker.on('message', (m: string) => report(new Error(`checkpointing the SQLite log failed: ${m}`)));
  // A worker that dies leaves the log to the connection's own checkpoints, as before.
  worker.on('error', (err) => {
    restoreCheckpoints();
    report(err);
  });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  let stopped: Promise<void> | null = null;
  return {
    stop() {
      stopped ??= (async () => {
        // Held while it winds down: an unreferenced worker would let the process think it is idle.
        worker.ref();
        worker.postMessage('stop');
        await exited;
        restoreCheckpoints();
        if (db.open) db.pragma(`cache_size = ${cacheSize}`);
      })();
      return stopped;
    },
  };
}
