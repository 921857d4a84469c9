/**
 * Committed subject sets on PostgreSQL, kept for proofs (src/ledger/subject-set-blocks.ts): one
 * row per set, one per block of its sorted keys (written by COPY), found by the block's first
 * key. Rows only; the Merkle work is done by the caller.
 */
import type { SubjectBlockRead, SubjectSetBlocks } from '../../ledger/subject-set-blocks.ts';
import type { PutResult } from '../store.ts';
import { BinaryCopyWriter, copyIn } from './pg-copy.ts';
import type { PgSession } from './pg-session.ts';

type Row = { size: number; block_keys: number; group_keys: number; block: number | null; keys: Buffer | null; group_roots: Buffer | null; path: Buffer | null };

/** The layout and the block in one round trip (no row at all: no such set). */
const BLOCK_SQL = (side: 'at' | 'after'): string => `
  SELECT s.size, s.block_keys, s.group_keys, b.block, b.keys, b.group_roots, b.path FROM subject_sets s
  LEFT JOIN LATERAL (
    SELECT block, keys, group_roots, path FROM subject_set_blocks
    WHERE set_id = s.id AND first_key ${side === 'at' ? '<=' : '>'} $2 ORDER BY first_key ${side === 'at' ? 'DESC' : ''} LIMIT 1
  ) b ON true
  WHERE s.id = $1`;
const AT = BLOCK_SQL('at');
const AFTER = BLOCK_SQL('after');

const asBuffer = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

export class PgSubjectSets {
  readonly #s: PgSession;

  constructor(session: PgSession) {
    this.#s = session;
  }

  /** In a transaction of its own; no ledger leaf, but the write lock keeps one writer at a time. */
  async put(id: string, set: SubjectSetBlocks): Promise<PutResult> {
    return this.#s.write(async (c): Promise<PutResult> => {
      const r = await c.query('INSERT INTO subject_sets (id, size, block_keys, group_keys) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING', [id, set.size, set.blockKeys, set.groupKeys]);
      if (r.rowCount === 0) return 'unchanged';
      const w = new BinaryCopyWriter();
      for (const b of set.blocks) w.row(6).text(id).bytes(b.keys.subarray(0, 32)).int4(b.index).bytes(b.keys).bytes(b.groups).bytes(b.path);
      await copyIn(c, 'subject_set_blocks', ['set_id', 'first_key', 'block', 'keys', 'group_roots', 'path'], w);
      return 'created';
    });
  }

  async block(id: string, key: Uint8Array, side: 'at' | 'after'): Promise<SubjectBlockRead> {
    const r = (await this.#s.query<Row>(side === 'at' ? AT : AFTER, [id, asBuffer(key)])).rows[0];
    if (r === undefined) return null;
    const layout = { size: r.size, blockKeys: r.block_keys, groupKeys: r.group_keys };
    if (r.block === null || r.keys === null || r.group_roots === null || r.path === null) return { layout, block: null };
    return { layout, block: { index: r.block, keys: r.keys, groups: r.group_roots, path: r.path } };
  }
}
