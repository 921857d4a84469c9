/**
 * The ledger on SQLite (better-sqlite3): rows and queries only. Hashing, frontier updates and
 * proofs come from append-batch.ts / merkle.ts, shared with other storages.
 *
 * Every append is one IMMEDIATE transaction that reads the frontier row, writes the leaves,
 * the perfect subtree nodes they complete and the new frontier: a crash leaves either the
 * whole batch or none of it, and two writers on one file cannot interleave.
 */
import type { Database, Statement } from 'better-sqlite3';
import { appendHashedLeaves, BULK_MIN_STORED_LEVEL, prepareBatch, rebuiltNode, withNodes } from './append-batch.ts';
import type { LeafSubtrees } from './leaf-subtrees.ts';
import { signCheckpoint, verifyCosignature } from './checkpoint.ts';
import { Frontier } from './frontier.ts';
import type { LedgerEntry } from './ledger-entry.ts';
import { withLeafData, type AppendResult, type LeafDataSource, type LedgerStorage, type StoredLeaf, type TreeHead } from './ledger-storage.ts';
import { cutRuns, hashInRun, mergeLeaves, type LeafRun } from './hashed-leaf-runs.ts';
import { HASH_SIZE, consistencyProof, inclusionProof } from './merkle.ts';
import type { SigningKey, VerifierKey } from './signing-key.ts';
import { toTreeHead, type CosigRow, type HeadRow } from './tree-head-rows.ts';

/** Runs of leaves appended by hash alone (hashed-leaf-runs.ts); a store migration adds it to older stores. */
export const LEDGER_SQLITE_RUNS_SCHEMA = `
CREATE TABLE IF NOT EXISTS ledger_hashed_leaves (
  first  INTEGER PRIMARY KEY,
  hashes BLOB NOT NULL
);
CREATE TRIGGER IF NOT EXISTS ledger_hashed_leaves_append_only_u BEFORE UPDATE ON ledger_hashed_leaves
  BEGIN SELECT RAISE(ABORT, 'ledger leaves are append-only'); END;
CREATE TRIGGER IF NOT EXISTS ledger_hashed_leaves_append_only_d BEFORE DELETE ON ledger_hashed_leaves
  BEGIN SELECT RAISE(ABORT, 'ledger leaves are append-only'); END;
`;

/** DDL of the ledger tables; the store's migrations include it. */
export const LEDGER_SQLITE_SCHEMA = `
CREATE TABLE IF NOT EXISTS ledger_leaves (
  idx  INTEGER PRIMARY KEY,
  data BLOB NOT NULL,
  hash BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS ledger_nodes (
  level INTEGER NOT NULL,
  idx   INTEGER NOT NULL,
  hash  BLOB NOT NULL,
  PRIMARY KEY (level, idx)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ledger_frontier (
  id     INTEGER PRIMARY KEY CHECK (id = 0),
  size   INTEGER NOT NULL,
  hashes BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS ledger_tree_heads (
  id   INTEGER PRIMARY KEY,
  size INTEGER NOT NULL,
  root BLOB NOT NULL,
  at   INTEGER NOT NULL,
  note TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS ledger_cosignatures (
  tree_head INTEGER NOT NULL REFERENCES ledger_tree_heads(id),
  witness   TEXT NOT NULL,
  line      TEXT NOT NULL,
  at        INTEGER NOT NULL,
  PRIMARY KEY (tree_head, witness)
);
CREATE TRIGGER IF NOT EXISTS ledger_leaves_append_only_u BEFORE UPDATE ON ledger_leaves
  BEGIN SELECT RAISE(ABORT, 'ledger leaves are append-only'); END;
CREATE TRIGGER IF NOT EXISTS ledger_leaves_append_only_d BEFORE DELETE ON ledger_leaves
  BEGIN SELECT RAISE(ABORT, 'ledger leaves are append-only'); END;
CREATE TRIGGER IF NOT EXISTS ledger_tree_heads_append_only_u BEFORE UPDATE ON ledger_tree_heads
  BEGIN SELECT RAISE(ABORT, 'tree heads are append-only'); END;
CREATE TRIGGER IF NOT EXISTS ledger_tree_heads_append_only_d BEFORE DELETE ON ledger_tree_heads
  BEGIN SELECT RAISE(ABORT, 'tree heads are append-only'); END;
${LEDGER_SQLITE_RUNS_SCHEMA}`;

export interface SqliteLedgerOptions {
  /** Checkpoint origin line: the log's unique name. */
  readonly origin?: string;
  /** Rebuilds the data of leaves stored without it (consent events: see REBUILT). */
  readonly leafData?: LeafDataSource;
}

const asBuffer = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

interface LeafRow {
  idx: number;
  data: Buffer;
  hash: Buffer;
}

const NO_DATA = new Uint8Array(0);
const toLeaf = (r: { idx: number; data?: Buffer; hash: Buffer }): StoredLeaf => ({ index: r.idx, data: r.data ?? NO_DATA, hash: r.hash });
export class SqliteLedger implements LedgerStorage {
  readonly origin: string;
  readonly #db: Database;
  readonly #leafData: LeafDataSource | undefined;
  readonly #q: {
    frontier: Statement<[], { size: number; hashes: Buffer }>;
    saveFrontier: Statement<[number, Buffer]>;
    insertLeaf: Statement<[number, Buffer, Buffer]>;
    insertNode: Statement<[number, number, Buffer]>;
    insertRun: Statement<[number, Buffer]>;
    leaf: Statement<[number], LeafRow>;
    leaves: Statement<[number, number], LeafRow>;
    leafHash: Statement<[number], { hash: Buffer }>;
    leafHashes: Statement<[number, number], { idx: number; hash: Buffer }>;
    runAt: Statement<[number], LeafRun>;
    runsIn: Statement<[{ from: number; to: number }], LeafRun>;
    node: Statement<[number, number], { hash: Buffer }>;
    insertHead: Statement<[number, Buffer, number, string]>;
    head: Statement<[number], HeadRow>;
    heads: Statement<[], HeadRow>;
    cosigs: Statement<[], CosigRow>;
    cosigsOf: Statement<[number], CosigRow>;
    insertCosig: Statement<[number, string, string, number]>;
  };

  constructor(db: Database, options: SqliteLedgerOptions = {}) {
    this.#db = db;
    this.origin = options.origin ?? 'consentry.local/ledger';
    this.#leafData = options.leafData;
    this.#q = {
      frontier: db.prepare('SELECT size, hashes FROM ledger_frontier WHERE id = 0'),
      saveFrontier: db.prepare(
        'INSERT INTO ledger_frontier (id, size, hashes) VALUES (0, ?, ?) ON CONFLICT (id) DO UPDATE SET size = excluded.size, hashes = excluded.hashes',
      ),
      insertLeaf: db.prepare('INSERT INTO ledger_leaves (idx, data, hash) VALUES (?, ?, ?)'),
      insertNode: db.prepare('INSERT INTO ledger_nodes (level, idx, hash) VALUES (?, ?, ?)'),
      // Leaves whose data the store rebuilds: a row per run of hashes (hashed-leaf-runs.ts).
      insertRun: db.prepare('INSERT INTO ledger_hashed_leaves (first, hashes) VALUES (?, ?)'),
      leaf: db.prepare('SELECT idx, data, hash FROM ledger_leaves WHERE idx = ?'),
      leaves: db.prepare('SELECT idx, data, hash FROM ledger_leaves WHERE idx >= ? AND idx < ? ORDER BY idx'),
      leafHash: db.prepare('SELECT hash FROM ledger_leaves WHERE idx = ?'),
      leafHashes: db.prepare('SELECT idx, hash FROM ledger_leaves WHERE idx >= ? AND idx < ? ORDER BY idx'),
      runAt: db.prepare('SELECT first, hashes FROM ledger_hashed_leaves WHERE first <= ? ORDER BY first DESC LIMIT 1'),
      // The run holding `from` (if any) and every run starting before `to`.
      runsIn: db.prepare(
        `SELECT first, hashes FROM ledger_hashed_leaves
          WHERE first < @to AND first >= coalesce((SELECT max(first) FROM ledger_hashed_leaves WHERE first <= @from), 0)
          ORDER BY first`,
      ),
      node: db.prepare('SELECT hash FROM ledger_nodes WHERE level = ? AND idx = ?'),
      insertHead: db.prepare('INSERT INTO ledger_tree_heads (size, root, at, note) VALUES (?, ?, ?, ?)'),
      head: db.prepare('SELECT id, size, root, at, note FROM ledger_tree_heads WHERE id = ?'),
      heads: db.prepare('SELECT id, size, root, at, note FROM ledger_tree_heads ORDER BY id'),
      cosigs: db.prepare('SELECT tree_head, witness, line FROM ledger_cosignatures ORDER BY tree_head, witness'),
      cosigsOf: db.prepare('SELECT tree_head, witness, line FROM ledger_cosignatures WHERE tree_head = ? ORDER BY witness'),
      insertCosig: db.prepare('INSERT INTO ledger_cosignatures (tree_head, witness, line, at) VALUES (?, ?, ?, ?)'),
    };
  }

  #frontier(): Frontier {
    const row = this.#q.frontier.get();
    return row === undefined ? new Frontier() : Frontier.fromBytes(row.size, row.hashes);
  }

  /**
   * Appends inside the caller's open transaction (or as its own), synchronously: the SQLite
   * store records an event and its leaf in one transaction, so neither exists without the other.
   */
  appendManySync(entries: readonly LedgerEntry[]): AppendResult {
    return this.#append(entries);
  }

  /**
   * Appends leaves given only by their hashes, stored without data: the caller's store rebuilds
   * their data from its own rows (entries marked REBUILT) and appends them in the same
   * transaction as those rows. For bulk loads; returns the first index. `subtrees`: the leaves'
   * subtrees hashed ahead, used when they follow on from the log as it is.
   */
  appendHashedSync(hashes: Uint8Array, count: number, subtrees?: LeafSubtrees): AppendResult {
    if (hashes.length < count * HASH_SIZE) throw new RangeError(`${count} leaf hashes need ${count * HASH_SIZE} bytes, got ${hashes.length}`);
    const run = this.#db.transaction(() => {
      const before = this.#frontier();
      const frontier = before.clone();
      const { insertNode } = this.#q;
      appendHashedLeaves(frontier, hashes, count, subtrees, (level, index, hash) => insertNode.run(level, index, asBuffer(hash)));
      for (const run of cutRuns(before.size, hashes, count)) this.#q.insertRun.run(run.first, asBuffer(run.hashes));
      this.#q.saveFrontier.run(frontier.size, asBuffer(frontier.toBytes()));
      return { first: before.size, count, root: frontier.root() };
    });
    return run.immediate();
  }

  /** Size without a query round trip, for a caller inside a transaction. */
  sizeSync(): number {
    return this.#frontier().size;
  }

  #append(entries: readonly LedgerEntry[]): AppendResult {
    const run = this.#db.transaction(() => {
      const batch = prepareBatch(this.#frontier(), entries);
      const { insertLeaf, insertNode } = this.#q;
      for (let i = 0; i < batch.data.length; i++) {
        insertLeaf.run(batch.first + i, asBuffer(batch.data[i]), asBuffer(batch.hashes.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE)));
      }
      for (const [level, index, hash] of batch.nodes) insertNode.run(level, index, asBuffer(hash));
      this.#q.saveFrontier.run(batch.frontier.size, asBuffer(batch.frontier.toBytes()));
      return { first: batch.first, count: entries.length, root: batch.root };
    });
    return run.immediate();
  }

  async appendMany(entries: readonly LedgerEntry[]): Promise<AppendResult> {
    return this.#append(entries);
  }

  async append(entry: LedgerEntry): Promise<AppendResult> {
    return this.#append([entry]);
  }

  async size(): Promise<number> {
    return this.#frontier().size;
  }

  async root(): Promise<Uint8Array> {
    return this.#frontier().root();
  }

  async leaf(index: number): Promise<StoredLeaf> {
    const row = this.#q.leaf.get(index);
    const hash = row === undefined ? hashInRun(this.#q.runAt.get(index), index) : null;
    if (row === undefined && hash === null) throw new RangeError(`no ledger leaf ${index}`);
    const leaf = row === undefined ? { index, data: NO_DATA, hash: hash! } : toLeaf(row);
    return (await withLeafData([leaf], this.#leafData, true))[0]!;
  }

  /** Leaves [from, to) that exist, in index order, from rows and runs. */
  #leavesIn(from: number, to: number, withData: boolean): StoredLeaf[] {
    const rows = (withData ? this.#q.leaves.all(from, to) : this.#q.leafHashes.all(from, to)).map(toLeaf);
    return mergeLeaves(rows, this.#q.runsIn.all({ from, to }), from, to);
  }

  async *leaves(from: number, to: number, batchSize = 10_000): AsyncIterable<readonly StoredLeaf[]> {
    for (let next = from; next < to; next += batchSize) {
      const batch = this.#leavesIn(next, Math.min(to, next + batchSize), true);
      if (batch.length === 0) return;
      yield await withLeafData(batch, this.#leafData);
    }
  }

  #readNode(level: number, index: number): Uint8Array {
    if (level === 0) {
      const hash = this.#q.leafHash.get(index)?.hash ?? hashInRun(this.#q.runAt.get(index), index);
      if (hash === null) throw new RangeError(`ledger node 0/${index} is missing`);
      return hash;
    }
    const row = this.#q.node.get(level, index);
    if (row !== undefined) return row.hash;
    // Not kept below BULK_MIN_STORED_LEVEL over leaves appended by hash: rebuilt from them.
    if (level >= BULK_MIN_STORED_LEVEL) throw new RangeError(`ledger node ${level}/${index} is missing`);
    const width = 2 ** level;
    return rebuiltNode(level, index, this.#leavesIn(index * width, (index + 1) * width, false));
  }

  async readNodes(ids: readonly (readonly [number, number])[]): Promise<Uint8Array[]> {
    const out: Uint8Array[] = [];
    for (let k = 0; k < ids.length; ) {
      const [level, index] = ids[k];
      // Runs of consecutive leaf hashes (small subtrees are rebuilt from them): one range query.
      let end = k + 1;
      while (level === 0 && end < ids.length && ids[end][0] === 0 && ids[end][1] === index + (end - k)) end++;
      if (end - k === 1) {
        out.push(this.#readNode(level, index));
      } else {
        const leaves = this.#leavesIn(index, index + (end - k), false);
        if (leaves.length !== end - k) throw new RangeError(`ledger leaves ${index}..${index + end - k - 1} are incomplete`);
        for (const l of leaves) out.push(l.hash);
      }
      k = end;
    }
    return out;
  }

  async inclusionProof(index: number, treeSize: number): Promise<Uint8Array[]> {
    this.#checkSize(treeSize);
    return withNodes((ids) => this.readNodes(ids), (read) => inclusionProof(read, index, treeSize));
  }

  async consistencyProof(m: number, n: number): Promise<Uint8Array[]> {
    this.#checkSize(n);
    return withNodes((ids) => this.readNodes(ids), (read) => consistencyProof(read, m, n));
  }

  #checkSize(treeSize: number): void {
    const size = this.#frontier().size;
    if (treeSize > size) throw new RangeError(`tree size ${treeSize} is beyond the ledger size ${size}`);
  }

  async signTreeHead(key: SigningKey, at = Date.now()): Promise<TreeHead> {
    const run = this.#db.transaction(() => {
      const frontier = this.#frontier();
      const root = frontier.root();
      const note = signCheckpoint({ origin: this.origin, size: frontier.size, root, extensions: [] }, key);
      const id = Number(this.#q.insertHead.run(frontier.size, asBuffer(root), at, note).lastInsertRowid);
      return this.#treeHead(id);
    });
    return run.immediate();
  }

  async addCosignature(treeHeadId: number, line: string, witness: VerifierKey): Promise<TreeHead> {
    const head = this.#treeHead(treeHeadId);
    const check = verifyCosignature(`${head.note}${line}\n`, witness);
    if (!check.ok) throw new Error(`cosignature rejected for tree head ${treeHeadId}: ${check.error}`);
    this.#q.insertCosig.run(treeHeadId, witness.name, line, Date.now());
    return this.#treeHead(treeHeadId);
  }

  #treeHead(id: number): TreeHead {
    const row = this.#q.head.get(id);
    if (row === undefined) throw new RangeError(`no tree head ${id}`);
    return toTreeHead(row, this.#q.cosigsOf.all(id));
  }

  async treeHeads(): Promise<TreeHead[]> {
    const byHead = new Map<number, CosigRow[]>();
    for (const c of this.#q.cosigs.iterate()) {
      const list = byHead.get(c.tree_head) ?? [];
      list.push(c);
      byHead.set(c.tree_head, list);
    }
    return this.#q.heads.all().map((row) => toTreeHead(row, byHead.get(row.id) ?? []));
  }
}
