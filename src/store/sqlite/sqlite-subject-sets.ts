/**
 * Committed subject sets on SQLite, kept for proofs (src/ledger/subject-set-blocks.ts): one row
 * per set, one per block of its sorted keys, found by the block's first key. Rows only; the
 * Merkle work is done by the caller.
 */
import type Database from 'better-sqlite3';
import type { SubjectBlockRead, SubjectSetBlocks, SubjectSetLayout } from '../../ledger/subject-set-blocks.ts';
import type { PutResult } from '../store.ts';

type LayoutRow = { size: number; block_keys: number; group_keys: number };
type BlockRow = { block: number; keys: Buffer; group_roots: Buffer; path: Buffer };

const asBuffer = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

export class SqliteSubjectSets {
  readonly #db: Database.Database;
  readonly #layout: Database.Statement<[string], LayoutRow>;
  readonly #at: Database.Statement<[string, Buffer], BlockRow>;
  readonly #after: Database.Statement<[string, Buffer], BlockRow>;
  readonly #insertSet: Database.Statement;
  readonly #insertBlock: Database.Statement;
  /** A kept set's layout never changes: read once per set. */
  readonly #layouts = new Map<string, SubjectSetLayout>();

  constructor(db: Database.Database) {
    this.#db = db;
    const block = 'SELECT block, keys, group_roots, path FROM subject_set_blocks WHERE set_id = ? AND first_key';
    this.#layout = db.prepare<[string], LayoutRow>('SELECT size, block_keys, group_keys FROM subject_sets WHERE id = ?');
    this.#at = db.prepare<[string, Buffer], BlockRow>(`${block} <= ? ORDER BY first_key DESC LIMIT 1`);
    this.#after = db.prepare<[string, Buffer], BlockRow>(`${block} > ? ORDER BY first_key LIMIT 1`);
    this.#insertSet = db.prepare('INSERT INTO subject_sets (id, size, block_keys, group_keys) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING');
    this.#insertBlock = db.prepare('INSERT INTO subject_set_blocks (set_id, first_key, block, keys, group_roots, path) VALUES (?, ?, ?, ?, ?, ?)');
  }

  put(id: string, set: SubjectSetBlocks): PutResult {
    return this.#db.transaction((): PutResult => {
      if (this.#insertSet.run(id, set.size, set.blockKeys, set.groupKeys).changes === 0) return 'unchanged';
      for (const b of set.blocks) this.#insertBlock.run(id, asBuffer(b.keys.subarray(0, 32)), b.index, asBuffer(b.keys), asBuffer(b.groups), asBuffer(b.path));
      return 'created';
    })();
  }

  block(id: string, key: Uint8Array, side: 'at' | 'after'): SubjectBlockRead {
    let layout = this.#layouts.get(id);
    if (layout === undefined) {
      const l = this.#layout.get(id);
      if (l === undefined) return null;
      layout = { size: l.size, blockKeys: l.block_keys, groupKeys: l.group_keys };
      this.#layouts.set(id, layout);
    }
    const r = (side === 'at' ? this.#at : this.#after).get(id, asBuffer(key));
    return { layout, block: r === undefined ? null : { index: r.block, keys: r.keys, groups: r.group_roots, path: r.path } };
  }
}
