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
    if (this.#bulk) return fn(this.#bulk);
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
    if (this.#bulk) return fn(this.#bulk);
    const c = await this.pool.connect();
    try {
      return await fn(c);
    } finally {
      c.release();
    }
  }

  async query<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<pg.QueryResult<R>> {
    return this.#bulk ? this.#bulk.query<R>(sql, params) : this.pool.query<R>(sql, params);
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
    this.#bulk = null;
    try {
      await c.query(commit ? 'COMMIT' : 'ROLLBACK');
    } finally {
      c.release();
    }
  }
}
