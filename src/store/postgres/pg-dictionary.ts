/**
 * Small integer codes for values repeated across millions of consent rows, as on SQLite
 * (../sqlite/sqlite-dictionary.ts). New codes are taken inside write transactions (which hold
 * the ledger lock, so codes are assigned in one order across nodes) and written before commit;
 * readers catch up with codes other nodes added.
 */
import type { Querier, Queryable } from './pg-session.ts';

export class PgDictionary {
  readonly #ids = new Map<string, Map<string, number>>();
  #values: string[] = [];
  /** Codes taken in the open transaction, written by flush(). */
  #pending: { id: number; kind: string; value: string }[] = [];

  /** Reads codes added since the last call (by this node or another). */
  async catchUp(c: Querier): Promise<void> {
    const r = await c.query<{ id: number; kind: string; value: string }>('SELECT id, kind, value FROM dict WHERE id >= $1 ORDER BY id', [this.#values.length]);
    for (const row of r.rows) this.#add(row.id, row.kind, row.value);
  }

  /** Forgets everything (after a rolled-back transaction); the next catchUp reloads. */
  reset(): void {
    this.#ids.clear();
    this.#values = [];
    this.#pending = [];
  }

  #add(id: number, kind: string, value: string): void {
    let m = this.#ids.get(kind);
    if (!m) this.#ids.set(kind, (m = new Map()));
    m.set(value, id);
    this.#values[id] = value;
  }

  /** Code of `value` of `kind`, taken now if new; flush() before commit stores it. */
  code(kind: string, value: string): number {
    const id = this.#ids.get(kind)?.get(value);
    if (id !== undefined) return id;
    const next = this.#values.length;
    this.#add(next, kind, value);
    this.#pending.push({ id: next, kind, value });
    return next;
  }

  codeOrNull(kind: string, value: string | null): number | null {
    return value === null ? null : this.code(kind, value);
  }

  find(kind: string, value: string): number {
    return this.#ids.get(kind)?.get(value) ?? -1;
  }

  async flush(c: Queryable): Promise<void> {
    if (this.#pending.length === 0) return;
    const p = this.#pending;
    this.#pending = [];
    await c.query('INSERT INTO dict (id, kind, value) SELECT * FROM unnest($1::int[], $2::text[], $3::text[])', [p.map((x) => x.id), p.map((x) => x.kind), p.map((x) => x.value)]);
  }

  value(id: number): string {
    const v = this.#values[id];
    if (v === undefined) throw new Error(`unknown dictionary code ${id}`);
    return v;
  }

  valueOrNull(id: number | null): string | null {
    return id === null ? null : this.value(id);
  }
}
