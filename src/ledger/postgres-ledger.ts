/**
 * The ledger on PostgreSQL: rows and queries only, as sqlite-ledger.ts. Appends run inside the
 * store's write transactions, which hold the ledger's advisory lock (see pg-session.ts): two
 * nodes on one database append in turn to one log.
 */
import { BinaryCopyWriter, copyIn } from '../store/postgres/pg-copy.ts';
import type { PgSession, Queryable } from '../store/postgres/pg-session.ts';
import { appendHashedLeaves, BULK_MIN_STORED_LEVEL, prepareBatch, rebuiltNode, withNodes } from './append-batch.ts';
import type { LeafSubtrees } from './leaf-subtrees.ts';
import { signCheckpoint, verifyCosignature } from './checkpoint.ts';
import { Frontier } from './frontier.ts';
import type { LedgerEntry } from './ledger-entry.ts';
import { withLeafData, type AppendResult, type LeafDataSource, type LedgerStorage, type StoredLeaf, type TreeHead } from './ledger-storage.ts';
import { cutRuns, mergeLeaves } from './hashed-leaf-runs.ts';
import { HASH_SIZE, consistencyProof, inclusionProof } from './merkle.ts';
import type { SigningKey, VerifierKey } from './signing-key.ts';
import { toTreeHead, type CosigRow, type HeadRow } from './tree-head-rows.ts';

/** Above this many leaves an append goes through COPY rather than one INSERT. */
const COPY_THRESHOLD = 2000;

export class PostgresLedger implements LedgerStorage {
  readonly origin: string;
  readonly #s: PgSession;
  readonly #leafData: LeafDataSource | undefined;
  /**
   * During a bulk load: the frontier as this process's deferred appends leave it. No other node
   * appends meanwhile (the load holds the ledger lock); any other append here forgets it.
   */
  #bulkFrontier: Frontier | null = null;

  /** `leafData` rebuilds the data of leaves stored without it (consent events: see REBUILT). */
  constructor(session: PgSession, origin = 'consentry.local/ledger', leafData?: LeafDataSource) {
    this.#s = session;
    this.origin = origin;
    this.#leafData = leafData;
  }

  async #frontier(c: Queryable): Promise<Frontier> {
    const r = await c.query<{ size: number; hashes: Buffer }>('SELECT size, hashes FROM ledger_frontier WHERE id = 0');
    const row = r.rows[0];
    return row === undefined ? new Frontier() : Frontier.fromBytes(row.size, row.hashes);
  }

  /** Appends inside the caller's write transaction (which holds the ledger lock). */
  async appendInTx(c: Queryable, entries: readonly LedgerEntry[]): Promise<AppendResult> {
    this.#bulkFrontier = null;
    const batch = prepareBatch(await this.#frontier(c), entries);
    const n = batch.data.length;
    if (n >= COPY_THRESHOLD) {
      const w = new BinaryCopyWriter();
      for (let i = 0; i < n; i++) w.row(3).int8(batch.first + i).bytes(batch.data[i]!).bytes(batch.hashes.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE));
      await copyIn(c, 'ledger_leaves', ['idx', 'data', 'hash'], w);
    } else if (n > 0) {
      const idx: number[] = [];
      const data: Buffer[] = [];
      const hashes: Buffer[] = [];
      for (let i = 0; i < n; i++) {
        idx.push(batch.first + i);
        data.push(Buffer.from(batch.data[i]!));
        hashes.push(Buffer.from(batch.hashes.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE)));
      }
      await c.query('INSERT INTO ledger_leaves (idx, data, hash) SELECT * FROM unnest($1::bigint[], $2::bytea[], $3::bytea[])', [idx, data, hashes]);
    }
    if (batch.nodes.length > 0) {
      await c.query('INSERT INTO ledger_nodes (level, idx, hash) SELECT * FROM unnest($1::int[], $2::bigint[], $3::bytea[])', [
        batch.nodes.map((x) => x[0]),
        batch.nodes.map((x) => x[1]),
        batch.nodes.map((x) => Buffer.from(x[2])),
      ]);
    }
    await c.query(
      'INSERT INTO ledger_frontier (id, size, hashes) VALUES (0, $1, $2) ON CONFLICT (id) DO UPDATE SET size = excluded.size, hashes = excluded.hashes',
      [batch.frontier.size, Buffer.from(batch.frontier.toBytes())],
    );
    return { first: batch.first, count: entries.length, root: batch.root };
  }

  /**
   * For a bulk load: appends leaves given only by their hashes, stored without data (the store
   * rebuilds it from its rows: entries marked REBUILT). The hashing happens now; the rows (runs,
   * nodes, frontier) are written by `write`, which the store defers behind its own rows of the
   * same block (PgSession.defer). Appends follow on from the frontier this process holds.
   */
  async appendHashedDeferred(hashes: Uint8Array, count: number, subtrees?: LeafSubtrees): Promise<AppendResult & { write: (c: Queryable) => Promise<void> }> {
    if (!this.#s.bulk) throw new Error('appendHashedDeferred runs inside a bulk load only');
    if (hashes.length < count * HASH_SIZE) throw new RangeError(`${count} leaf hashes need ${count * HASH_SIZE} bytes, got ${hashes.length}`);
    const before = this.#bulkFrontier ?? (await this.#s.read((c) => this.#frontier(c)));
    const frontier = before.clone();
    const nodes = new BinaryCopyWriter();
    appendHashedLeaves(frontier, hashes, count, subtrees, (level, index, hash) => nodes.row(3).int4(level).int8(index).bytes(hash));
    const runs = new BinaryCopyWriter();
    for (const run of cutRuns(before.size, hashes, count)) runs.row(2).int8(run.first).bytes(run.hashes);
    this.#bulkFrontier = frontier;
    const state = [frontier.size, Buffer.from(frontier.toBytes())];
    const write = async (c: Queryable): Promise<void> => {
      if (runs.rows > 0) await copyIn(c, 'ledger_hashed_leaves', ['first', 'hashes'], runs);
      if (nodes.rows > 0) await copyIn(c, 'ledger_nodes', ['level', 'idx', 'hash'], nodes);
      await c.query('INSERT INTO ledger_frontier (id, size, hashes) VALUES (0, $1, $2) ON CONFLICT (id) DO UPDATE SET size = excluded.size, hashes = excluded.hashes', state);
    };
    return { first: before.size, count, root: frontier.root(), write };
  }

  /** Forgets the bulk load's frontier (the load ended, committed or not). */
  endBulk(): void {
    this.#bulkFrontier = null;
  }

  /** Size as seen by the caller's transaction. */
  async sizeInTx(c: Queryable): Promise<number> {
    return (await this.#frontier(c)).size;
  }

  async appendMany(entries: readonly LedgerEntry[]): Promise<AppendResult> {
    return this.#s.write((c) => this.appendInTx(c, entries));
  }

  async append(entry: LedgerEntry): Promise<AppendResult> {
    return this.appendMany([entry]);
  }

  async size(): Promise<number> {
    return this.#s.read(async (c) => (await this.#frontier(c)).size);
  }

  async root(): Promise<Uint8Array> {
    return this.#s.read(async (c) => (await this.#frontier(c)).root());
  }

  async leaf(index: number): Promise<StoredLeaf> {
    const leaves = await this.#s.read((c) => this.#leavesIn(c, index, index + 1));
    if (leaves.length === 0) throw new RangeError(`no ledger leaf ${index}`);
    return (await withLeafData(leaves, this.#leafData, true))[0]!;
  }

  /** Leaves [from, to) that exist, in index order, from rows and runs. */
  async #leavesIn(c: Queryable, from: number, to: number): Promise<StoredLeaf[]> {
    const rows = await c.query<{ idx: string | number; data: Buffer; hash: Buffer }>(
      'SELECT idx, data, hash FROM ledger_leaves WHERE idx >= $1 AND idx < $2 ORDER BY idx',
      [from, to],
    );
    // The run holding `from` (if any) and every run starting before `to`.
    const runs = await c.query<{ first: string | number; hashes: Buffer }>(
      `SELECT first, hashes FROM ledger_hashed_leaves
        WHERE first < $2 AND first >= coalesce((SELECT max(first) FROM ledger_hashed_leaves WHERE first <= $1), 0)
        ORDER BY first`,
      [from, to],
    );
    return mergeLeaves(
      rows.rows.map((r) => ({ index: Number(r.idx), data: r.data, hash: r.hash })),
      runs.rows.map((r) => ({ first: Number(r.first), hashes: r.hashes })),
      from,
      to,
    );
  }

  async *leaves(from: number, to: number, batchSize = 10_000): AsyncIterable<readonly StoredLeaf[]> {
    for (let next = from; next < to; next += batchSize) {
      const end = Math.min(to, next + batchSize);
      const batch = await this.#s.read((c) => this.#leavesIn(c, next, end));
      if (batch.length === 0) return;
      yield await withLeafData(batch, this.#leafData);
    }
  }

  async readNodes(ids: readonly (readonly [number, number])[]): Promise<Uint8Array[]> {
    if (ids.length === 0) return [];
    // One round trip: every wanted (level, index), in order, joined to a leaf row, the run that
    // holds the leaf (its hash cut out of the run), or a node.
    const r = await this.#s.query<{ k: number; hash: Buffer | null }>(
      `SELECT w.k, CASE WHEN w.level > 0 THEN n.hash WHEN l.hash IS NOT NULL THEN l.hash
                        WHEN length(h.hash) = ${HASH_SIZE} THEN h.hash END AS hash
         FROM unnest($1::int[], $2::bigint[]) WITH ORDINALITY AS w(level, idx, k)
         LEFT JOIN ledger_leaves l ON w.level = 0 AND l.idx = w.idx
         LEFT JOIN LATERAL (
           SELECT substring(x.hashes FROM (w.idx - x.first)::int * ${HASH_SIZE} + 1 FOR ${HASH_SIZE}) AS hash
             FROM ledger_hashed_leaves x WHERE w.level = 0 AND l.idx IS NULL AND x.first <= w.idx
            ORDER BY x.first DESC LIMIT 1
         ) h ON true
         LEFT JOIN ledger_nodes n ON w.level > 0 AND n.level = w.level AND n.idx = w.idx
        ORDER BY w.k`,
      [ids.map((x) => x[0]), ids.map((x) => x[1])],
    );
    const out: Uint8Array[] = [];
    for (const [i, row] of r.rows.entries()) {
      const [level, index] = ids[i]!;
      if (row.hash !== null) out.push(row.hash);
      else if (level > 0 && level < BULK_MIN_STORED_LEVEL) {
        // Not kept over leaves appended by hash: rebuilt from them.
        const width = 2 ** level;
        out.push(rebuiltNode(level, index, await this.#s.read((c) => this.#leavesIn(c, index * width, (index + 1) * width))));
      } else throw new RangeError(`ledger node ${level}/${index} is missing`);
    }
    return out;
  }

  async inclusionProof(index: number, treeSize: number): Promise<Uint8Array[]> {
    await this.#checkSize(treeSize);
    return withNodes((ids) => this.readNodes(ids), (read) => inclusionProof(read, index, treeSize));
  }

  async consistencyProof(m: number, n: number): Promise<Uint8Array[]> {
    await this.#checkSize(n);
    return withNodes((ids) => this.readNodes(ids), (read) => consistencyProof(read, m, n));
  }

  async #checkSize(treeSize: number): Promise<void> {
    const size = await this.size();
    if (treeSize > size) throw new RangeError(`tree size ${treeSize} is beyond the ledger size ${size}`);
  }

  async signTreeHead(key: SigningKey, at = Date.now()): Promise<TreeHead> {
    const id = await this.#s.write(async (c) => {
      const frontier = await this.#frontier(c);
      const root = frontier.root();
      const note = signCheckpoint({ origin: this.origin, size: frontier.size, root, extensions: [] }, key);
      const r = await c.query<{ id: number }>('INSERT INTO ledger_tree_heads (size, root, at, note) VALUES ($1, $2, $3, $4) RETURNING id', [frontier.size, Buffer.from(root), at, note]);
      return r.rows[0]!.id;
    });
    return this.#treeHead(id);
  }

  async addCosignature(treeHeadId: number, line: string, witness: VerifierKey): Promise<TreeHead> {
    const head = await this.#treeHead(treeHeadId);
    const check = verifyCosignature(`${head.note}${line}\n`, witness);
    if (!check.ok) throw new Error(`cosignature rejected for tree head ${treeHeadId}: ${check.error}`);
    await this.#s.query('INSERT INTO ledger_cosignatures (tree_head, witness, line, at) VALUES ($1, $2, $3, $4)', [treeHeadId, witness.name, line, Date.now()]);
    return this.#treeHead(treeHeadId);
  }

  async #treeHead(id: number): Promise<TreeHead> {
    const r = await this.#s.query<HeadRow>('SELECT id, size, root, at, note FROM ledger_tree_heads WHERE id = $1', [id]);
    const row = r.rows[0];
    if (row === undefined) throw new RangeError(`no tree head ${id}`);
    const cosigs = await this.#s.query<CosigRow>('SELECT tree_head, witness, line FROM ledger_cosignatures WHERE tree_head = $1 ORDER BY witness', [id]);
    return toTreeHead(row, cosigs.rows);
  }

  async treeHeads(): Promise<TreeHead[]> {
    const heads = await this.#s.query<HeadRow>('SELECT id, size, root, at, note FROM ledger_tree_heads ORDER BY id');
    const cosigs = await this.#s.query<CosigRow>('SELECT tree_head, witness, line FROM ledger_cosignatures ORDER BY tree_head, witness');
    const byHead = new Map<number, CosigRow[]>();
    for (const c of cosigs.rows) {
      const list = byHead.get(c.tree_head) ?? [];
      list.push(c);
      byHead.set(c.tree_head, list);
    }
    return heads.rows.map((row) => toTreeHead(row, byHead.get(row.id) ?? []));
  }
}
