/**
 * Transactions on a PostgreSQL pool. Every write that appends to the ledger runs in a
 * transaction holding one advisory lock, so several processes on one database append to a
 * single log in a single order and never fork it; within a process, writes also queue behind
 * each other so that in-memory caches (subject ordinals, dictionary codes) change in commit order.
 */
import type pg from 'pg';
import { LEDGER_LOCK } from './pg-migrate.ts';

export type Queryable = pg.PoolClient;

/** Anything that runs a parameterised query: a client in a transaction, or the session. */
export interface Querier {
  query<R extends pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<pg.QueryResult<R>>;
}

export class PgSession {
  readonly pool: pg.Pool;
  #queue: Promise<unknown> = Promise.resolve();
  /** Inside bulkLoad: the one client whose open transaction every call joins. */
  #bulk: pg.PoolClient | null = null;
  /** Inside bulkLoad: writes sent with `defer` and not yet waited for, in order. */
  #deferred: Promise<void> = Promise.resolve();

  constructor(pool: pg.Pool) {
    this.pool = pool;
  }

  get bulk(): boolean {
    return this.#bulk !== null;
  }

  /**
   * Runs `fn` in a write transaction holding the ledger lock. `prepare` runs first, under the
   * lock (to catch caches up with other nodes' writes); `rollback` after a failed transaction.
   */
  async write<T>(fn: (c: Queryable) => Promise<T>, hooks: { prepare?: (c: Queryable) => Promise<void>; rollback?: () => void } = {}): Promise<T> {
    if (this.#bulk) return fn(await this.#drained(this.#bulk));
    const run = async (): Promise<T> => {
      const c = await this.pool.connect();
      try {
        await c.query('BEGIN');
        await c.query('SELECT pg_advisory_xact_lock($1)', [LEDGER_LOCK]);
        await hooks.prepare?.(c);
        const out = await fn(c);
        await c.query('COMMIT');
        return out;
      } catch (err) {
        await c.query('ROLLBACK').catch(() => undefined);
        hooks.rollback?.();
        throw err;
      } finally {
        c.release();
      }
    };
    const next = this.#queue.then(run, run);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  /** Runs `fn` on one connection (the bulk load's, when one is open). */
  async read<T>(fn: (c: Queryable) => Promise<T>): Promise<T> {
    if (this.#bulk) return fn(await this.#drained(this.#bulk));
    const c = await this.pool.connect();
    try {
      return await fn(c);
    } finally {
      c.release();
    }
  }

  async query<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<pg.QueryResult<R>> {
    return this.#bulk ? (await this.#drained(this.#bulk)).query<R>(sql, params) : this.pool.query<R>(sql, params);
  }

  /**
   * Inside bulkLoad: queues `fn`'s writes on the bulk client behind those deferred before, and
   * returns once those earlier ones are done (failing with their failure), not this one: the
   * caller prepares its next block while the server stores this one, and no more than one
   * block waits in memory. Every other call waits for all of them first, as does a committing
   * endBulk; after a failure no deferred write runs.
   */
  async defer(fn: (c: Queryable) => Promise<void>): Promise<void> {
    const c = this.#bulk;
    if (c === null) throw new Error('defer runs inside a bulk load only');
    const before = this.#deferred;
    const next = before.then(() => fn(c));
    next.catch(() => undefined); // reported by whoever waits next, not as an unhandled rejection
    this.#deferred = next;
    await before;
  }

  async #drained(c: pg.PoolClient): Promise<pg.PoolClient> {
    await this.#deferred;
    return c;
  }

  /** Opens one transaction, holding the ledger lock, that every call joins until `end`. */
  async beginBulk(): Promise<void> {
    await this.#queue;
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      await c.query('SELECT pg_advisory_xact_lock($1)', [LEDGER_LOCK]);
    } catch (err) {
      c.release();
      throw err;
    }
    this.#bulk = c;
  }

  async endBulk(commit: boolean): Promise<void> {
    const c = this.#bulk;
    if (!c) return;
    // A commit waits for the deferred writes and fails with theirs; a rollback waits for them to
    // settle, so none is sent after it, outside the transaction.
    if (commit) await this.#deferred;
    else await this.#deferred.catch(() => undefined);
    this.#deferred = Promise.resolve();
    this.#bulk = null;
    try {
      await c.query(commit ? 'COMMIT' : 'ROLLBACK');
    } finally {
      c.release();
    }
  }
}
