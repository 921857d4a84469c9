import type Database from 'better-sqlite3';

/**
 * Small integer codes for the values that repeat across millions of consent rows (controller,
 * notice hash, purpose and recipient lists, status, method, consent type). Rows stay narrow and
 * reading them back allocates no strings: each distinct value is decoded once and cached.
 */
export class SqliteDictionary {
  readonly #db: Database.Database;
  /** kind → value → code: no string building per lookup on the hot path. */
  readonly #ids = new Map<string, Map<string, number>>();
  readonly #values: string[] = [];
  readonly #insert: Database.Statement;
  #since: Database.Statement | null = null;

  constructor(db: Database.Database) {
    this.#db = db;
    this.#insert = db.prepare('INSERT INTO dict (id, kind, value) VALUES (?, ?, ?)');
    this.reload();
  }

  /** Re-reads the table; needed after a rolled-back transaction may have added codes. */
  reload(): void {
    this.#ids.clear();
    this.#values.length = 0;
    for (const r of this.#db.prepare('SELECT id, kind, value FROM dict ORDER BY id').iterate() as IterableIterator<{ id: number; kind: string; value: string }>) {
      this.#byKind(r.kind).set(r.value, r.id);
      this.#values[r.id] = r.value;
    }
  }

  /** Code of `value` of `kind`, created if new (inside the caller's transaction). */
  code(kind: string, value: string): number {
    const ids = this.#byKind(kind);
    let id = ids.get(value);
    if (id === undefined) {
      this.#catchUp();
      id = ids.get(value);
      if (id !== undefined) return id;
      id = this.#values.length;
      this.#insert.run(id, kind, value);
      ids.set(value, id);
      this.#values[id] = value;
    }
    return id;
  }

  #byKind(kind: string): Map<string, number> {
    let m = this.#ids.get(kind);
    if (!m) this.#ids.set(kind, (m = new Map()));
    return m;
  }

  /** Code of a value that may be null (stays null). */
  codeOrNull(kind: string, value: string | null): number | null {
    return value === null ? null : this.code(kind, value);
  }

  /** Code if the value is known, else -1 (for lookups that must not write). */
  find(kind: string, value: string): number {
    return this.#ids.get(kind)?.get(value) ?? -1;
  }

  value(id: number): string {
    let v = this.#values[id];
    if (v === undefined) {
      // A code another process (the CLI beside a server) added since we last read the table.
      this.#catchUp();
      v = this.#values[id];
      if (v === undefined) throw new Error(`unknown dictionary code ${id}`);
    }
    return v;
  }

  #catchUp(): void {
    this.#since ??= this.#db.prepare('SELECT id, kind, value FROM dict WHERE id >= ? ORDER BY id');
    for (const r of this.#since.iterate(this.#values.length) as IterableIterator<{ id: number; kind: string; value: string }>) {
      this.#byKind(r.kind).set(r.value, r.id);
      this.#values[r.id] = r.value;
    }
  }

  valueOrNull(id: number | null): string | null {
    return id === null ? null : this.value(id);
  }
}
