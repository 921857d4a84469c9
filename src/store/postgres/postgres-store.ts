/**
 * The PostgreSQL store: the same Store contract as SQLite (test/store/contract.ts), for
 * deployments with several API nodes on one database. Writes hold the ledger's advisory lock
 * (pg-session.ts), so every node appends to one log; bulk loads go through binary COPY.
 */
import type pg from 'pg';
import { canonicalJson } from '../../domain/canonical-json.ts';
import { sameConsentContent } from '../../domain/consent-event.ts';
import { SUBJECT_KEY_BYTES } from '../../domain/subject-key.ts';
import type { Agreement, CollectionMethod, ConsentEvent, ConsentStatus, ConsentType, Dataset, Notice, Objection, ObjectionScope, Organisation, SubjectKey } from '../../domain/types.ts';
import { UserError } from '../../errors.ts';
import { agreementEntry, consentLeafEntry, consentLeafJson, datasetEntry, derivationEntry, noticeEntry, objectionEntry, organisationEntry, rightsAckEntry, rightsRequestEntry, transferEntry, transferReportEntry } from '../../ledger/entries.ts';
import type { LedgerEntry } from '../../ledger/ledger-entry.ts';
import { PostgresLedger } from '../../ledger/postgres-ledger.ts';
import { SubjectKeyIndex } from '../../policy/subject-key-index.ts';
import type {
  ApiKey, CommittedTransfer, ConsentBatchResult, ConsentColumns, ConsentColumnsResult, Derivation, IdempotencyKey, IdempotentRecord, IdempotentResponse, ImportRun, NewConsentEvent, PutResult, RightsKind, RightsNotice,
  RightsRequest, Store, StoreStats, StoredConsentEvent, StoredDerivation, StoredRightsRequest, StoredTransfer, StoredTransferReport, SubjectHistory, TransferReasons, TransferReport,
} from '../store.ts';
import { apiKeyFromRow, consentFromRow, joinList, orgFromRow, runFromRow, splitList, storedConsentFromRow, type ApiKeyRow, type ConsentRow, type OrgRow, type RunRow } from '../row-mappers.ts';
import { createPool, parsePgUrl, unreachable, type PgTarget } from './pg-connection.ts';
import { columnCodes, columnSubjects, eventIdAt, type ColumnCodes } from '../consent-columns.ts';
import { BlockRanges, cutBlocks, encodeBlock, type ConsentBlock } from '../consent-blocks.ts';
import { anyBlocks, BLOCK_COLUMNS, blockEventsById, blockEventsInSeqRange, blockEventsOfOrdinal, blockKeys, blocksIn, blockSpans, writeBlockRow } from './pg-consent-blocks.ts';
import { transferLinks } from '../transfer-links.ts';
import { eachAllowed, eachLink, linkAt, linkBlocks, LINK_BUCKET, sortedByKey } from '../link-blocks.ts';
import { BinaryCopyWriter, copyIn, copyOut } from './pg-copy.ts';
import { PgDictionary } from './pg-dictionary.ts';
import { migratePg } from './pg-migrate.ts';
import { PgSession, type Querier, type Queryable } from './pg-session.ts';
import { PgSubjectSets } from './pg-subject-sets.ts';
import type { SubjectBlockRead, SubjectSetBlocks } from '../../ledger/subject-set-blocks.ts';

const NO_KEY = new Uint8Array(0);
const buf = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

const CONSENT_COLUMNS = ['seq', 'controller', 'event_id', 'ordinal', 'purposes', 'recipients', 'status', 'notice', 'at', 'expires_at', 'method', 'consent_type', 'evidence', 'leaf'];
/** Secondary indexes rebuilt once at the end of a bulk load (faster than row by row). */
const BULK_INDEXES = [
  'CREATE UNIQUE INDEX subjects_by_key ON subjects(key)',
  'CREATE UNIQUE INDEX consent_events_by_id ON consent_events(controller, event_id)',
  'CREATE INDEX consent_events_by_subject ON consent_events(ordinal)',
];

export class PostgresStore implements Store {
  readonly description: string;
  readonly keyFolder: string;
  readonly ledger: PostgresLedger;
  readonly #s: PgSession;
  readonly #dict = new PgDictionary();
  readonly #subjectSets: PgSubjectSets;
  #keys: SubjectKeyIndex | null = null;
  #subjectCount = 0;
  #closed = false;
  /** Inside bulkLoad: the ranges of the blocks written so far. */
  #blockRanges = new BlockRanges();

  private constructor(pool: pg.Pool, target: PgTarget, keyFolder: string) {
    this.#s = new PgSession(pool);
    this.description = `postgres:${target.redacted}`;
    this.keyFolder = keyFolder;
    this.ledger = new PostgresLedger(this.#s, undefined, (from, to) => this.#consentLeafData(from, to));
    this.#subjectSets = new PgSubjectSets(this.#s);
  }

  static async open(url: string, keyFolder: string, env: NodeJS.ProcessEnv = process.env): Promise<PostgresStore> {
    const target = parsePgUrl(url, env);
    const pool = createPool(target);
    // An idle client's error (server restart) must not crash the process; the next query reports it.
    pool.on('error', () => undefined);
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (err) {
      await pool.end();
      throw unreachable(target, err);
    }
    try {
      await migratePg(client, target.schema, target.redacted);
    } catch (err) {
      client.release();
      await pool.end();
      throw err;
    }
    client.release();
    return new PostgresStore(pool, target, keyFolder);
  }

  /** The pool, for what only PostgreSQL offers (LISTEN/NOTIFY, benchmarks). */
  get pool(): pg.Pool {
    return this.#s.pool;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#s.pool.end();
  }

  /** Write transaction with caches caught up under the lock and reset on rollback. */
  #write<T>(fn: (c: Queryable) => Promise<T>): Promise<T> {
    return this.#s.write(
      async (c) => {
        const out = await fn(c);
        await this.#dict.flush(c);
        return out;
      },
      {
        prepare: async (c) => {
          await this.#catchUpKeys(c);
          await this.#dict.catchUp(c);
        },
        rollback: () => this.#forgetCaches(),
      },
    );
  }

  #forgetCaches(): void {
    this.#keys = null;
    this.#subjectCount = 0;
    this.#dict.reset();
  }

  async #leaf(c: Queryable, entry: LedgerEntry): Promise<number> {
    return (await this.ledger.appendInTx(c, [entry])).first;
  }

  async stats(): Promise<StoreStats> {
    const r = await this.#s.query<Record<string, number>>(
      `SELECT (SELECT count(*) FROM organisations)::int AS organisations, (SELECT count(*) FROM notices)::int AS notices,
              (SELECT count(*) FROM agreements)::int AS agreements, (SELECT count(*) FROM datasets)::int AS datasets,
              (SELECT count(*) FROM subjects)::int AS subjects, ((SELECT count(*) FROM consent_events) + (SELECT coalesce(sum(count), 0) FROM consent_event_blocks))::int AS consent_events,
              (SELECT count(*) FROM objections)::int AS objections, (SELECT count(*) FROM transfers)::int AS transfers,
              (SELECT count(*) FROM derivations)::int AS derivations, (SELECT count(*) FROM rights_requests)::int AS rights_requests,
              (SELECT coalesce(max(size), 0) FROM ledger_frontier) AS ledger`,
    );
    const x = r.rows[0]!;
    return {
      organisations: x.organisations!, notices: x.notices!, agreements: x.agreements!, datasets: x.datasets!, subjects: x.subjects!,
      consentEvents: x.consent_events!, objections: x.objections!, transfers: x.transfers!, derivations: x.derivations!,
      rightsRequests: x.rights_requests!, ledgerLeaves: Number(x.ledger),
    };
  }

  // --- organisations, notices, datasets, agreements ------------------------------------------------

  async putOrganisation(o: Organisation): Promise<PutResult> {
    return this.#write(async (c) => {
      const existing = await this.getOrganisation(o.id, c);
      if (existing) {
        if (canonicalJson(existing) === canonicalJson(o)) return 'unchanged';
        throw new UserError('conflict', `organisation "${o.id}" already exists with different details`, [
          { where: o.id, message: 'organisations are registered once; use a new id for a different organisation' },
        ]);
      }
      const leaf = await this.#leaf(c, organisationEntry(o, Date.now()));
      await c.query('INSERT INTO organisations (id, name, kind, country, rights_contact, leaf) VALUES ($1, $2, $3, $4, $5, $6)', [o.id, o.name, o.kind, o.country, o.rightsContact, leaf]);
      return 'created';
    });
  }

  async getOrganisation(id: string, c?: Querier): Promise<Organisation | null> {
    const q: Querier = c ?? this.#s;
    const r = await q.query<OrgRow>('SELECT * FROM organisations WHERE id = $1', [id]);
    return r.rows[0] ? orgFromRow(r.rows[0]) : null;
  }

  async listOrganisations(): Promise<Organisation[]> {
    return (await this.#s.query<OrgRow>('SELECT * FROM organisations ORDER BY id COLLATE "C"')).rows.map(orgFromRow);
  }

  async putNotice(n: Notice): Promise<PutResult> {
    return this.#write(async (c) => {
      if ((await c.query('SELECT 1 FROM notices WHERE hash = $1', [n.hash])).rowCount) return 'unchanged';
      if ((await c.query('SELECT 1 FROM notices WHERE controller = $1 AND id = $2', [n.controller, n.id])).rowCount) {
        throw new UserError('conflict', `notice "${n.id}" of ${n.controller} already exists with different content`, [
          { where: n.id, message: 'notices are immutable: publish the change as a new notice id (e.g. n1-v2)' },
        ]);
      }
      const leaf = await this.#leaf(c, noticeEntry(n, Date.now()));
      await c.query('INSERT INTO notices (hash, id, controller, effective_from, body, leaf) VALUES ($1, $2, $3, $4, $5, $6)', [n.hash, n.id, n.controller, n.effectiveFrom, canonicalJson(n), leaf]);
      return 'created';
    });
  }

  async getNotice(controller: string, idOrHash: string): Promise<Notice | null> {
    const r = await this.#s.query<{ body: string }>('SELECT body FROM notices WHERE controller = $1 AND (id = $2 OR hash = $2)', [controller, idOrHash]);
    return r.rows[0] ? (JSON.parse(r.rows[0].body) as Notice) : null;
  }

  async listNotices(controller?: string): Promise<Notice[]> {
    const r = controller === undefined
      ? await this.#s.query<{ body: string }>('SELECT body FROM notices ORDER BY controller COLLATE "C", effective_from, id COLLATE "C"')
      : await this.#s.query<{ body: string }>('SELECT body FROM notices WHERE controller = $1 ORDER BY effective_from, id COLLATE "C"', [controller]);
    return r.rows.map((x) => JSON.parse(x.body) as Notice);
  }

  async putDataset(d: Dataset): Promise<PutResult> {
    const body = canonicalJson(d);
    return this.#write(async (c) => {
      const r = await c.query<{ body: string }>('SELECT body FROM datasets WHERE controller = $1 AND id = $2', [d.controller, d.id]);
      if (r.rows[0]) {
        if (r.rows[0].body === body) return 'unchanged';
        throw new UserError('conflict', `dataset "${d.id}" of ${d.controller} already exists with other fields`, [
          { where: d.id, message: 'declarations are kept as they were: declare the changed dataset under a new id' },
        ]);
      }
      const leaf = await this.#leaf(c, datasetEntry(d, Date.now()));
      await c.query('INSERT INTO datasets (controller, id, body, leaf) VALUES ($1, $2, $3, $4)', [d.controller, d.id, body, leaf]);
      return 'created';
    });
  }

  async getDataset(controller: string, id: string): Promise<Dataset | null> {
    const r = await this.#s.query<{ body: string }>('SELECT body FROM datasets WHERE controller = $1 AND id = $2', [controller, id]);
    return r.rows[0] ? (JSON.parse(r.rows[0].body) as Dataset) : null;
  }

  async listDatasets(controller?: string): Promise<Dataset[]> {
    const r = controller === undefined
      ? await this.#s.query<{ body: string }>('SELECT body FROM datasets ORDER BY controller COLLATE "C", id COLLATE "C"')
      : await this.#s.query<{ body: string }>('SELECT body FROM datasets WHERE controller = $1 ORDER BY id COLLATE "C"', [controller]);
    return r.rows.map((x) => JSON.parse(x.body) as Dataset);
  }

  async putAgreement(a: Agreement): Promise<PutResult> {
    const body = canonicalJson(a);
    return this.#write(async (c) => {
      const r = await c.query<{ body: string }>('SELECT body FROM agreements WHERE id = $1', [a.id]);
      if (r.rows[0]) {
        if (r.rows[0].body === body) return 'unchanged';
        throw new UserError('conflict', `agreement "${a.id}" already exists with different terms`, [
          { where: a.id, message: 'agreements are immutable: record the new terms under a new id' },
        ]);
      }
      const leaf = await this.#leaf(c, agreementEntry(a, Date.now()));
      await c.query('INSERT INTO agreements (id, body, leaf) VALUES ($1, $2, $3)', [a.id, body, leaf]);
      return 'created';
    });
  }

  async listAgreements(): Promise<Agreement[]> {
    return (await this.#s.query<{ body: string }>('SELECT body FROM agreements ORDER BY id COLLATE "C"')).rows.map((x) => JSON.parse(x.body) as Agreement);
  }

  // --- subjects ------------------------------------------------------------------------------

  /** Brings the in-memory key index up to date with subjects added since (by any node). */
  async #catchUpKeys(c: Queryable): Promise<SubjectKeyIndex> {
    if (!this.#keys) {
      this.#keys = new SubjectKeyIndex(1024);
      this.#subjectCount = 0;
    }
    const index = this.#keys;
    const from = this.#subjectCount;
    if (from === 0) {
      // The first load: possibly millions of keys, streamed.
      await copyOut(c, 'SELECT ordinal, key FROM subjects ORDER BY ordinal', (row) => {
        index.add(row.bytes(1), row.int4(0));
        this.#subjectCount = row.int4(0) + 1;
      });
    } else {
      // Since the last look: usually nothing, in one plain round trip.
      const r = await c.query<{ ordinal: number; key: Buffer }>('SELECT ordinal, key FROM subjects WHERE ordinal >= $1 ORDER BY ordinal', [from]);
      for (const row of r.rows) {
        index.add(row.key, row.ordinal);
        this.#subjectCount = row.ordinal + 1;
      }
    }
    return index;
  }

  async #subjectOrdinal(c: Queryable, index: SubjectKeyIndex, key: Uint8Array, added?: { n: number }): Promise<number> {
    let ordinal = index.get(key);
    if (ordinal < 0) {
      ordinal = this.#subjectCount++;
      await c.query('INSERT INTO subjects (ordinal, key) VALUES ($1, $2)', [ordinal, buf(key)]);
      index.add(key, ordinal);
      if (added) added.n++;
    }
    return ordinal;
  }

  async subjectOrdinals(keys: Uint8Array): Promise<Int32Array> {
    if (keys.length % SUBJECT_KEY_BYTES !== 0) throw new Error('subject keys must be 32 bytes each');
    const index = await this.#s.read((c) => this.#catchUpKeys(c));
    const out = new Int32Array(keys.length / SUBJECT_KEY_BYTES);
    index.getMany(keys, out);
    return out;
  }

  async eachSubjectKey(visit: (ordinal: number, key: Uint8Array) => void): Promise<number> {
    return this.#s.read((c) => copyOut(c, 'SELECT ordinal, key FROM subjects ORDER BY ordinal', (row) => visit(row.int4(0), row.bytes(1))));
  }

  async subjectCount(): Promise<number> {
    const r = await this.#s.query<{ n: number }>('SELECT coalesce(max(ordinal) + 1, 0)::int AS n FROM subjects');
    return r.rows[0]!.n;
  }

  // --- consent events ------------------------------------------------------------------------

  async findConsentEvents(controller: string, eventIds: readonly string[]): Promise<Map<string, ConsentEvent>> {
    const found = new Map<string, ConsentEvent>();
    await this.#dict.catchUp(this.#s);
    const code = this.#dict.find('org', controller);
    if (code < 0 || eventIds.length === 0) return found;
    const r = await this.#s.query<ConsentRow>(
      'SELECT e.*, s.key FROM consent_events e JOIN subjects s ON s.ordinal = e.ordinal WHERE e.controller = $1 AND e.event_id = ANY($2::text[])',
      [code, eventIds],
    );
    for (const row of r.rows) found.set(row.event_id, consentFromRow(row, this.#dict));
    if (found.size < eventIds.length && (await anyBlocks(this.#s))) {
      const rest = eventIds.filter((id) => !found.has(id));
      for (const row of (await blockEventsById(this.#s, code, rest)).values()) found.set(row.event_id, consentFromRow(row, this.#dict));
    }
    return found;
  }

  async appendConsentEvents(events: readonly NewConsentEvent[], progress?: { runId: number; line: number }): Promise<ConsentBatchResult> {
    return this.#write(async (c) => {
      const index = this.#keys!;
      const d = this.#dict;
      const firstLeaf = await this.ledger.sizeInTx(c);
      const subjects = new BinaryCopyWriter();
      const rows = new BinaryCopyWriter();
      const entries: LedgerEntry[] = [];
      const duplicates: NewConsentEvent[] = [];
      let newSubjects = 0;
      // Within one batch an event id repeated is a duplicate, as it would be against stored rows.
      // In a bulk load the unique index built at the end refuses repeated ids, as on SQLite.
      const bulk = this.#s.bulk;
      const known = bulk ? new Map<string, NewConsentEvent>() : await this.#storedIds(c, events);
      const seen = new Set<string>();
      for (const e of events) {
        if (!bulk) {
          const idKey = `${e.controller}\u0000${e.id}`;
          if (known.has(idKey) || seen.has(idKey)) {
            duplicates.push(e);
            continue;
          }
          seen.add(idKey);
        }
        let ordinal = index.get(e.subject);
        if (ordinal < 0) {
          ordinal = this.#subjectCount++;
          index.add(e.subject, ordinal);
          subjects.row(2).int4(ordinal).bytes(e.subject);
          newSubjects++;
        }
        // seq = the event's leaf index: the ledger keeps only the leaf's hash and rebuilds its
        // data from this row, found by primary key (see #consentLeafData).
        const seq = firstLeaf + entries.length;
        rows.row(14).int8(seq).int4(d.code('org', e.controller)).text(e.id).int4(ordinal).int4(d.code('list', joinList(e.purposes))).int4(d.code('list', joinList(e.recipients)))
          .int4(d.code('status', e.status)).int4(d.codeOrNull('notice', e.notice)).int8(e.at).int8(e.expiresAt).int4(d.codeOrNull('method', e.method))
          .int4(d.code('ctype', e.consentType)).text(e.evidence).int8(firstLeaf + entries.length);
        // INVARIANT: each stored event has exactly one leaf, appended in the same transaction.
        entries.push(consentLeafEntry(e));
      }
      await copyIn(c, 'subjects', ['ordinal', 'key'], subjects);
      await copyIn(c, 'consent_events', CONSENT_COLUMNS, rows);
      if (entries.length > 0 && (await this.ledger.appendInTx(c, entries)).first !== firstLeaf) throw new Error('ledger and consent events out of step');
      let unchanged = 0;
      if (duplicates.length > 0) {
        const byId = new Map<string, ConsentEvent>(known as Map<string, ConsentEvent>);
        for (const e of events) if (!byId.has(`${e.controller}\u0000${e.id}`)) byId.set(`${e.controller}\u0000${e.id}`, e);
        for (const dup of duplicates) {
          const s = byId.get(`${dup.controller}\u0000${dup.id}`);
          if (!s || !sameConsentContent(s, dup)) {
            throw new UserError('conflict', `consent event "${dup.id}" of ${dup.controller} is already stored with different content`, [
              { where: dup.id, field: 'event_id', message: 'event ids are permanent: give a changed event a new id' },
            ]);
          }
          unchanged++;
        }
      }
      if (progress) await c.query('UPDATE import_runs SET committed_line = $1 WHERE id = $2', [progress.line, progress.runId]);
      return { inserted: entries.length, unchanged, newSubjects };
    });
  }

  /**
   * Leaf data of the consent events among leaves [from, to), rebuilt from their rows: events
   * stored since leaves kept only hashes have seq = leaf (older ones kept their data in the leaf).
   */
  async #consentLeafData(from: number, to: number): Promise<Map<number, Uint8Array>> {
    const r = await this.#s.query<ConsentRow>('SELECT e.*, s.key FROM consent_events e JOIN subjects s ON s.ordinal = e.ordinal WHERE e.seq >= $1 AND e.seq < $2 AND e.leaf = e.seq', [from, to]);
    await this.#dict.catchUp(this.#s);
    const out = new Map<number, Uint8Array>();
    for (const row of r.rows) out.set(row.leaf, Buffer.from(consentLeafJson(consentFromRow(row, this.#dict))));
    for (const row of await blockEventsInSeqRange(this.#s, from, to)) out.set(row.leaf, Buffer.from(consentLeafJson(consentFromRow(row, this.#dict))));
    return out;
  }

  async appendConsentColumns(col: ConsentColumns): Promise<ConsentColumnsResult> {
    if (!this.#s.bulk) throw new Error('appendConsentColumns runs inside bulkLoad only');
    // Everything but the writes happens now, from what this process holds; the writes are sent
    // behind the previous block's, so the server stores one block while this thread prepares
    // the next. A failed write fails the load at its next wait, and the load rolls back.
    const leaves = await this.ledger.appendHashedDeferred(col.leafHashes, col.count, col.leafSubtrees);
    const firstLeaf = leaves.first;
    const index = this.#keys!;
    const d = this.#dict;
    const codes = columnCodes(col, (kind, value) => d.code(kind, value));
    const { ordinals, fresh, first, added } = columnSubjects(col, index, this.#subjectCount);
    this.#subjectCount += added;
    const subjects = new BinaryCopyWriter();
    for (let k = 0; k < added; k++) subjects.row(2).int4(first + k).bytes(fresh.subarray(k * SUBJECT_KEY_BYTES, (k + 1) * SUBJECT_KEY_BYTES));
    // Blocks where their ranges allow (see consent-blocks.ts); rows, checked by the unique index, where not.
    const blocks = new BinaryCopyWriter();
    const rows = new BinaryCopyWriter();
    for (const [from, to] of cutBlocks(col, ordinals)) {
      const b = encodeBlock(col, from, to, ordinals, codes);
      if (b !== null && this.#blockRanges.accepts(b)) {
        this.#blockRanges.add(b);
        writeBlockRow(blocks, firstLeaf + from, b);
      } else for (let i = from; i < to; i++) columnRow(rows, col, i, firstLeaf + i, ordinals, codes);
    }
    // INVARIANT: each stored event has exactly one leaf, written in the same transaction.
    await this.#s.defer(async (c) => {
      if (added > 0) await copyIn(c, 'subjects', ['ordinal', 'key'], subjects);
      await copyIn(c, 'consent_event_blocks', BLOCK_COLUMNS, blocks);
      await copyIn(c, 'consent_events', CONSENT_COLUMNS, rows);
      await leaves.write(c);
      await d.flush(c);
    });
    return { inserted: col.count, unchanged: 0, newSubjects: added, ordinals };
  }

  /** Stored events among the batch's ids, keyed by controller + id. */
  async #storedIds(c: Queryable, events: readonly NewConsentEvent[]): Promise<Map<string, NewConsentEvent>> {
    const out = new Map<string, NewConsentEvent>();
    const byController = new Map<string, string[]>();
    const blocks = events.length > 0 && (await anyBlocks(c));
    for (const e of events) {
      const list = byController.get(e.controller) ?? [];
      list.push(e.id);
      byController.set(e.controller, list);
    }
    for (const [controller, ids] of byController) {
      const code = this.#dict.find('org', controller);
      if (code < 0) continue;
      const r = await c.query<ConsentRow>('SELECT e.*, s.key FROM consent_events e JOIN subjects s ON s.ordinal = e.ordinal WHERE e.controller = $1 AND e.event_id = ANY($2::text[])', [code, ids]);
      for (const row of r.rows) out.set(`${controller}\u0000${row.event_id}`, consentFromRow(row, this.#dict));
      // The unique index sees rows only: ids a bulk load kept in blocks are looked up there.
      if (blocks) for (const row of (await blockEventsById(c, code, ids)).values()) out.set(`${controller}\u0000${row.event_id}`, consentFromRow(row, this.#dict));
    }
    return out;
  }

  async eachConsentEvent(visit: (e: StoredConsentEvent) => void): Promise<number> {
    await this.#dict.catchUp(this.#s);
    let n = 0;
    await this.#inSeqOrder(
      async (from, to) => {
        let after = from - 1;
        for (;;) {
          const r = await this.#s.query<ConsentRow>('SELECT e.*, s.key FROM consent_events e JOIN subjects s ON s.ordinal = e.ordinal WHERE e.seq > $1 AND e.seq < $2 ORDER BY e.seq LIMIT 10000', [after, to]);
          if (r.rows.length === 0) return;
          for (const row of r.rows) {
            visit(storedConsentFromRow(row, this.#dict));
            n++;
          }
          after = r.rows[r.rows.length - 1]!.seq;
        }
      },
      async (blocks) => {
        const keyOf = await blockKeys(this.#s, blocks);
        for (const b of blocks) {
          for (let i = 0; i < b.count; i++) {
            visit(storedConsentFromRow(b.row(i, keyOf(b.ordinals[i]!)), this.#dict));
            n++;
          }
        }
      },
    );
    return n;
  }

  /**
   * Rows and blocks in sequence order: `rows(from, to)` visits the rows in [from, to), `blocks`
   * each page of blocks; blocks lie in spans, and the rows between and after them.
   */
  async #inSeqOrder(rows: (from: number, to: number) => Promise<void>, blocks: (page: ConsentBlock[]) => Promise<void>): Promise<void> {
    let from = 0;
    for (const [first, end] of await blockSpans(this.#s)) {
      await rows(from, first);
      for (let at = first; at < end; ) {
        const page = await blocksIn(this.#s, at, end, 64);
        await blocks(page);
        const last = page[page.length - 1]!;
        at = last.firstSeq + last.count;
      }
      from = end;
    }
    await rows(from, Number.MAX_SAFE_INTEGER);
  }

  async eachConsentFact(visit: (ordinal: number, fact: ConsentEvent) => void): Promise<number> {
    await this.#dict.catchUp(this.#s);
    const d = this.#dict;
    const lists: string[][] = [];
    const list = (code: number): string[] => (lists[code] ??= splitList(d.value(code)));
    const fact = { id: '', subject: NO_KEY, evidence: null, controller: '', purposes: [] as string[], recipients: [] as string[], status: 'ConsentGiven' as ConsentStatus, notice: null as string | null, at: 0, expiresAt: null as number | null, method: null as CollectionMethod | null, consentType: 'expressed' as ConsentType };
    const row = (ordinal: number, controller: number, purposes: number, recipients: number, status: number, notice: number | null, at: number, expiresAt: number | null, method: number | null, consentType: number): void => {
      fact.controller = d.value(controller);
      fact.purposes = list(purposes);
      fact.recipients = list(recipients);
      fact.status = d.value(status) as ConsentStatus;
      fact.notice = notice === null ? null : d.value(notice);
      fact.at = at;
      fact.expiresAt = expiresAt;
      fact.method = (method === null ? null : d.value(method)) as CollectionMethod | null;
      fact.consentType = d.value(consentType) as ConsentType;
      visit(ordinal, fact);
    };
    let n = 0;
    await this.#inSeqOrder(
      async (from, to) => {
        // COPY takes no parameters: the bounds are whole numbers written into the query.
        const bounds = `seq >= ${Math.trunc(from)}${to < Number.MAX_SAFE_INTEGER ? ` AND seq < ${Math.trunc(to)}` : ''}`;
        n += await this.#s.read((c) =>
          copyOut(c, `SELECT ordinal, controller, purposes, recipients, status, notice, at, expires_at, method, consent_type FROM consent_events WHERE ${bounds} ORDER BY seq`, (r) =>
            row(r.int4(0), r.int4(1), r.int4(2), r.int4(3), r.int4(4), r.int4OrNull(5), r.int8(6), r.int8OrNull(7), r.int4OrNull(8), r.int4(9)),
          ),
        );
      },
      async (blocks) => {
        for (const b of blocks) {
          for (let i = 0; i < b.count; i++) row(...b.fact(i));
          n += b.count;
        }
      },
    );
    return n;
  }

  async consentEventsOf(subject: SubjectKey): Promise<StoredConsentEvent[]> {
    await this.#dict.catchUp(this.#s);
    const r = await this.#s.query<ConsentRow>('SELECT e.*, s.key FROM consent_events e JOIN subjects s ON s.ordinal = e.ordinal WHERE s.key = $1 ORDER BY e.seq', [buf(subject)]);
    const rows = r.rows;
    if (await anyBlocks(this.#s)) {
      const o = await this.#s.query<{ ordinal: number }>('SELECT ordinal FROM subjects WHERE key = $1', [buf(subject)]);
      if (o.rows[0]) rows.push(...(await blockEventsOfOrdinal(this.#s, o.rows[0].ordinal, buf(subject))));
      rows.sort((a, b) => a.seq - b.seq);
    }
    return rows.map((row) => storedConsentFromRow(row, this.#dict));
  }

  // --- objections ----------------------------------------------------------------------------

  async appendObjection(o: Objection): Promise<PutResult> {
    return this.#write(async (c) => {
      const ordinal = await this.#subjectOrdinal(c, this.#keys!, o.subject);
      if ((await c.query('SELECT 1 FROM objections WHERE controller = $1 AND objection_id = $2', [o.controller, o.id])).rowCount) return 'unchanged';
      const leaf = await this.#leaf(c, objectionEntry(o));
      await c.query('INSERT INTO objections (controller, objection_id, ordinal, scope, source, at, leaf) VALUES ($1, $2, $3, $4, $5, $6, $7)', [o.controller, o.id, ordinal, o.scope, o.source, o.at, leaf]);
      return 'created';
    });
  }

  async eachObjection(visit: (o: Objection & { ordinal: number }) => void): Promise<number> {
    const r = await this.#s.query<{ controller: string; objection_id: string; ordinal: number; scope: string; source: string; at: number; key: Buffer }>(
      'SELECT o.*, s.key FROM objections o JOIN subjects s ON s.ordinal = o.ordinal ORDER BY o.seq',
    );
    for (const x of r.rows) visit({ id: x.objection_id, controller: x.controller, subject: new Uint8Array(x.key), scope: x.scope as ObjectionScope, at: x.at, source: x.source as Objection['source'], ordinal: x.ordinal });
    return r.rows.length;
  }

  // --- transfers -----------------------------------------------------------------------------

  async recordTransfer(t: CommittedTransfer, subjects: { keys: Uint8Array; allowed: Uint8Array; reasons?: TransferReasons }): Promise<{ transfer: StoredTransfer; created: boolean }> {
    return this.#write(async (c) => {
      const existing = await this.getTransfer(t.id, c);
      if (existing) return { transfer: existing, created: false };
      const index = this.#keys!;
      const leaf = await this.#leaf(c, transferEntry(t));
      // Numbered under the ledger lock that every write holds, so two nodes never take one number.
      const { num } = (
        await c.query<{ num: number }>('INSERT INTO transfers (id, decided_at, body, leaf, num) VALUES ($1, $2, $3, $4, (SELECT coalesce(max(num), 0) + 1 FROM transfers)) RETURNING num', [
          t.id,
          t.decidedAt,
          canonicalJson(t),
          leaf,
        ])
      ).rows[0]!;
      const resolved = transferLinks(subjects.keys, subjects.allowed, subjects.reasons, index, this.#subjectCount);
      this.#subjectCount += resolved.added;
      const newSubjects = new BinaryCopyWriter();
      for (let j = 0; j < resolved.added; j++) newSubjects.row(2).int4(resolved.first + j).bytes(resolved.fresh.subarray(j * SUBJECT_KEY_BYTES, (j + 1) * SUBJECT_KEY_BYTES));
      const blocks = new BinaryCopyWriter();
      for (const b of linkBlocks(resolved.ordinals, resolved.allowed, resolved.reasons, (why) => this.#dict.code('list', why))) blocks.row(3).int4(num).int4(b.bucket).bytes(b.body);
      await copyIn(c, 'subjects', ['ordinal', 'key'], newSubjects);
      await copyIn(c, 'transfer_link_blocks', ['transfer', 'bucket', 'body'], blocks);
      return { transfer: { ...t, leaf }, created: true };
    });
  }

  async getTransfer(id: string, c?: Querier): Promise<StoredTransfer | null> {
    const q: Querier = c ?? this.#s;
    const r = await q.query<{ body: string; leaf: number }>('SELECT body, leaf FROM transfers WHERE id = $1', [id]);
    return r.rows[0] ? { ...(JSON.parse(r.rows[0].body) as CommittedTransfer), leaf: r.rows[0].leaf } : null;
  }

  async listTransfers(): Promise<StoredTransfer[]> {
    return (await this.#s.query<{ body: string; leaf: number }>('SELECT body, leaf FROM transfers ORDER BY decided_at, id COLLATE "C"')).rows.map((r) => ({ ...(JSON.parse(r.body) as CommittedTransfer), leaf: r.leaf }));
  }

  async transferSubjects(id: string): Promise<{ keys: Uint8Array; allowed: Uint8Array }> {
    const keys: Buffer[] = [];
    const flags: number[] = [];
    // Links stored before blocks, then the blocks' links, each with its subject's key.
    await this.#s.read(async (c) => {
      await copyOut(c, `SELECT s.key, t.allowed FROM transfer_subjects t JOIN subjects s ON s.ordinal = t.ordinal WHERE t.transfer = (SELECT num FROM transfers WHERE id = ${literal(id)})`, (row) => {
        keys.push(Buffer.from(row.bytes(0)));
        flags.push(row.int2(1));
      });
      const blocks = await c.query<{ bucket: number; body: Buffer }>('SELECT bucket, body FROM transfer_link_blocks WHERE transfer = (SELECT num FROM transfers WHERE id = $1) ORDER BY bucket', [id]);
      const ordinals: number[] = [];
      for (const b of blocks.rows) {
        eachLink(b.bucket, b.body, (o, allowed) => {
          ordinals.push(o);
          flags.push(allowed ? 1 : 0);
        });
      }
      const keyOf = new Map<number, Buffer>();
      for (let k = 0; k < ordinals.length; k += 100_000) {
        const r = await c.query<{ ordinal: number; key: Buffer }>('SELECT ordinal, key FROM subjects WHERE ordinal = ANY($1::int[])', [ordinals.slice(k, k + 100_000)]);
        for (const row of r.rows) keyOf.set(row.ordinal, row.key);
      }
      for (const o of ordinals) {
        const key = keyOf.get(o);
        if (key === undefined) throw new Error(`transfer ${id} links a subject the store does not hold`);
        keys.push(key);
      }
    });
    return sortedByKey(new Uint8Array(Buffer.concat(keys)), flags);
  }

  async putSubjectSet(id: string, set: SubjectSetBlocks): Promise<PutResult> {
    return this.#subjectSets.put(id, set);
  }

  async subjectSetBlock(id: string, key: Uint8Array, side: 'at' | 'after'): Promise<SubjectBlockRead> {
    return this.#subjectSets.block(id, key, side);
  }

  // --- lineage and rights ------------------------------------------------------------------------

  async recordDerivation(d: Derivation, ordinals: Int32Array): Promise<{ derivation: StoredDerivation; created: boolean }> {
    return this.#write(async (c) => {
      const existing = await this.getDerivation(d.id, c);
      if (existing) return { derivation: existing, created: false };
      const leaf = await this.#leaf(c, derivationEntry(d));
      await c.query('INSERT INTO derivations (id, controller, body, leaf) VALUES ($1, $2, $3, $4)', [d.id, d.controller, canonicalJson(d), leaf]);
      const w = new BinaryCopyWriter();
      for (const o of [...new Set(ordinals)]) w.row(2).text(d.id).int4(o);
      await copyIn(c, 'derivation_subjects', ['derivation', 'ordinal'], w);
      return { derivation: { ...d, leaf }, created: true };
    });
  }

  async getDerivation(id: string, c?: Querier): Promise<StoredDerivation | null> {
    const q: Querier = c ?? this.#s;
    const r = await q.query<{ body: string; leaf: number }>('SELECT body, leaf FROM derivations WHERE id = $1', [id]);
    return r.rows[0] ? { ...(JSON.parse(r.rows[0].body) as Derivation), leaf: r.rows[0].leaf } : null;
  }

  async listDerivations(): Promise<StoredDerivation[]> {
    return (await this.#s.query<{ body: string; leaf: number }>('SELECT body, leaf FROM derivations ORDER BY id COLLATE "C"')).rows.map((r) => ({ ...(JSON.parse(r.body) as Derivation), leaf: r.leaf }));
  }

  async deliveredSubjects(transferIds: readonly string[]): Promise<Set<number>> {
    const out = new Set<number>();
    if (transferIds.length === 0) return out;
    const list = transferIds.map(literal).join(', ');
    await this.#s.read(async (c) => {
      await copyOut(c, `SELECT ordinal FROM transfer_subjects WHERE transfer IN (SELECT num FROM transfers WHERE id IN (${list})) AND allowed = 1`, (row) => out.add(row.int4(0)));
      await copyOut(c, `SELECT bucket, body FROM transfer_link_blocks WHERE transfer IN (SELECT num FROM transfers WHERE id IN (${list}))`, (row) => eachAllowed(row.int4(0), row.bytes(1), (o) => out.add(o)));
    });
    return out;
  }

  async subjectHistory(subject: SubjectKey): Promise<SubjectHistory | null> {
    // One indexed read: answering about one person must not copy every key into memory first.
    const found = await this.#s.query<{ ordinal: number }>('SELECT ordinal FROM subjects WHERE key = $1', [buf(subject)]);
    const ordinal = found.rows[0]?.ordinal;
    if (ordinal === undefined) return null;
    type BodyRow = { body: string; leaf: number };
    // The reads are independent: on several pool connections, one round trip of latency instead of five.
    const [objectionRows, transferRows, derivationRows, rightsRows, consents] = await Promise.all([
      this.#s.query<{ controller: string; objection_id: string; scope: string; source: string; at: number; leaf: number }>('SELECT * FROM objections WHERE ordinal = $1 ORDER BY seq', [ordinal]),
      // Reason codes are read back through the dictionary: catch it up first.
      this.#dict.catchUp(this.#s).then(() =>
        this.#s.query<BodyRow & { allowed: number | null; reasons: number | null; links: Buffer | null }>(
          `SELECT * FROM (
             SELECT t.body, t.leaf, t.decided_at, t.id, s.allowed, s.reasons, NULL::bytea AS links FROM transfer_subjects s JOIN transfers t ON t.num = s.transfer WHERE s.ordinal = $1
             UNION ALL
             SELECT t.body, t.leaf, t.decided_at, t.id, NULL, NULL, b.body FROM transfer_link_blocks b JOIN transfers t ON t.num = b.transfer WHERE b.bucket = $2
           ) x ORDER BY decided_at, id COLLATE "C"`,
          [ordinal, Math.floor(ordinal / LINK_BUCKET)],
        ),
      ),
      this.#s.query<BodyRow>('SELECT d.body, d.leaf FROM derivation_subjects s JOIN derivations d ON d.id = s.derivation WHERE s.ordinal = $1 ORDER BY d.id COLLATE "C"', [ordinal]),
      this.#s.query<BodyRow>('SELECT body, leaf FROM rights_requests WHERE ordinal = $1 ORDER BY at, id COLLATE "C"', [ordinal]),
      this.consentEventsOf(subject),
    ]);
    const objections = objectionRows.rows.map((r) => ({ id: r.objection_id, controller: r.controller, subject, scope: r.scope as ObjectionScope, at: r.at, source: r.source as Objection['source'], leaf: r.leaf }));
    const transfers = transferRows.rows.flatMap((r) => {
      // A block row names the subject only if its bit is set.
      const link = r.links === null ? { allowed: r.allowed === 1, reasons: r.reasons } : linkAt(r.links, ordinal);
      if (link === null) return [];
      return [{
        transfer: { ...(JSON.parse(r.body) as CommittedTransfer), leaf: r.leaf },
        allowed: link.allowed === true,
        reasons: link.reasons === null ? [] : this.#dict.value(link.reasons).split(';').filter((x) => x !== ''),
      }];
    });
    const derivations = derivationRows.rows.map((r) => ({ ...(JSON.parse(r.body) as Derivation), leaf: r.leaf }));
    const rights = rightsRows.rows.map((r) => ({ ...(JSON.parse(r.body) as RightsRequest), leaf: r.leaf }));
    return { consents, objections, transfers, derivations, rights };
  }

  async recordRightsRequest(r: RightsRequest, notices: readonly { holder: string; due: number }[]): Promise<{ request: StoredRightsRequest; created: boolean }> {
    const ordinal = (await this.subjectOrdinals(Buffer.from(r.subject, 'hex')))[0]!;
    if (ordinal < 0) throw new Error('a rights request needs a subject known to the store');
    return this.#write(async (c) => {
      const existing = await c.query<{ body: string; leaf: number }>('SELECT body, leaf FROM rights_requests WHERE id = $1', [r.id]);
      if (existing.rows[0]) return { request: { ...(JSON.parse(existing.rows[0].body) as RightsRequest), leaf: existing.rows[0].leaf }, created: false };
      const leaf = await this.#leaf(c, rightsRequestEntry(r, notices));
      await c.query('INSERT INTO rights_requests (id, ordinal, controller, at, body, leaf) VALUES ($1, $2, $3, $4, $5, $6)', [r.id, ordinal, r.controller, r.at, canonicalJson(r), leaf]);
      if (notices.length > 0) {
        await c.query('INSERT INTO rights_notices (request, holder, due) SELECT $1, * FROM unnest($2::text[], $3::bigint[])', [r.id, notices.map((x) => x.holder), notices.map((x) => x.due)]);
      }
      return { request: { ...r, leaf }, created: true };
    });
  }

  async acknowledgeRights(requestId: string, holder: string, at: number): Promise<'created' | 'unchanged' | 'not-yours'> {
    return this.#write(async (c) => {
      if (!(await c.query('SELECT 1 FROM rights_notices WHERE request = $1 AND holder = $2', [requestId, holder])).rowCount) return 'not-yours';
      if ((await c.query('SELECT 1 FROM rights_acks WHERE request = $1 AND holder = $2', [requestId, holder])).rowCount) return 'unchanged';
      const leaf = await this.#leaf(c, rightsAckEntry(requestId, holder, at));
      await c.query('INSERT INTO rights_acks (request, holder, at, leaf) VALUES ($1, $2, $3, $4)', [requestId, holder, at, leaf]);
      return 'created';
    });
  }

  async listRightsNotices(filter: { holder?: string; controller?: string } = {}): Promise<RightsNotice[]> {
    const where: string[] = [];
    const args: string[] = [];
    if (filter.holder !== undefined) {
      args.push(filter.holder);
      where.push(`n.holder = $${args.length}`);
    }
    if (filter.controller !== undefined) {
      args.push(filter.controller);
      where.push(`r.controller = $${args.length}`);
    }
    const r = await this.#s.query<{ request: string; holder: string; due: number; controller: string; at: number; body: string; acked: number | null }>(
      `SELECT n.request, n.holder, n.due, r.controller, r.at, r.body, a.at AS acked FROM rights_notices n
       JOIN rights_requests r ON r.id = n.request LEFT JOIN rights_acks a ON a.request = n.request AND a.holder = n.holder
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY n.due, n.request COLLATE "C", n.holder COLLATE "C"`,
      args,
    );
    return r.rows.map((x) => ({ request: x.request, kind: (JSON.parse(x.body) as { kind: RightsKind }).kind, controller: x.controller, holder: x.holder, at: x.at, due: x.due, acknowledgedAt: x.acked }));
  }

  async listRightsRequests(): Promise<StoredRightsRequest[]> {
    return (await this.#s.query<{ body: string; leaf: number }>('SELECT body, leaf FROM rights_requests ORDER BY at, id COLLATE "C"')).rows.map((r) => ({ ...(JSON.parse(r.body) as RightsRequest), leaf: r.leaf }));
  }

  // --- reported transfers ----------------------------------------------------------------------

  async recordTransferReport(r: TransferReport, keys: Uint8Array | null): Promise<{ report: StoredTransferReport; created: boolean }> {
    const n = keys === null ? 0 : keys.length / SUBJECT_KEY_BYTES;
    if (!Number.isInteger(n)) throw new Error('transfer report subjects must be 32-byte keys');
    return this.#write(async (c) => {
      const existing = await c.query<{ body: string; leaf: number }>('SELECT body, leaf FROM transfer_reports WHERE id = $1', [r.id]);
      if (existing.rows[0]) return { report: { ...(JSON.parse(existing.rows[0].body) as TransferReport), leaf: existing.rows[0].leaf }, created: false };
      const leaf = await this.#leaf(c, transferReportEntry(r));
      await c.query('INSERT INTO transfer_reports (id, at, body, leaf) VALUES ($1, $2, $3, $4)', [r.id, r.request.at, canonicalJson(r), leaf]);
      const index = this.#keys!;
      const newSubjects = new BinaryCopyWriter();
      const ordinals = new Set<number>();
      for (let i = 0; i < n; i++) {
        const key = keys!.subarray(i * SUBJECT_KEY_BYTES, (i + 1) * SUBJECT_KEY_BYTES);
        let ordinal = index.get(key);
        if (ordinal < 0) {
          ordinal = this.#subjectCount++;
          index.add(key, ordinal);
          newSubjects.row(2).int4(ordinal).bytes(key);
        }
        ordinals.add(ordinal);
      }
      const links = new BinaryCopyWriter();
      for (const o of ordinals) links.row(2).text(r.id).int4(o);
      await copyIn(c, 'subjects', ['ordinal', 'key'], newSubjects);
      await copyIn(c, 'transfer_report_subjects', ['report', 'ordinal'], links);
      return { report: { ...r, leaf }, created: true };
    });
  }

  async listTransferReports(): Promise<StoredTransferReport[]> {
    return (await this.#s.query<{ body: string; leaf: number }>('SELECT body, leaf FROM transfer_reports ORDER BY at, id COLLATE "C"')).rows.map((r) => ({ ...(JSON.parse(r.body) as TransferReport), leaf: r.leaf }));
  }

  async transferReportSubjects(id: string): Promise<Uint8Array> {
    const keys: Buffer[] = [];
    await this.#s.read((c) => copyOut(c, `SELECT s.key FROM transfer_report_subjects t JOIN subjects s ON s.ordinal = t.ordinal WHERE t.report = ${literal(id)} ORDER BY s.key`, (row) => keys.push(Buffer.from(row.bytes(0)))));
    return new Uint8Array(Buffer.concat(keys));
  }

  // --- API keys and idempotency -----------------------------------------------------------------

  async putApiKey(key: ApiKey, secretHash: Uint8Array): Promise<void> {
    await this.#s.query('INSERT INTO api_keys (id, organisation, role, secret_hash, label, created_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
      key.id, key.organisation, key.role, buf(secretHash), key.label, key.createdAt, key.revokedAt,
    ]);
  }

  async findApiKey(secretHash: Uint8Array): Promise<ApiKey | null> {
    const r = await this.#s.query<ApiKeyRow>('SELECT * FROM api_keys WHERE secret_hash = $1', [buf(secretHash)]);
    return r.rows[0] ? apiKeyFromRow(r.rows[0]) : null;
  }

  async listApiKeys(organisation?: string): Promise<ApiKey[]> {
    const r = organisation === undefined
      ? await this.#s.query<ApiKeyRow>('SELECT * FROM api_keys ORDER BY created_at, id COLLATE "C"')
      : await this.#s.query<ApiKeyRow>('SELECT * FROM api_keys WHERE organisation = $1 ORDER BY created_at, id COLLATE "C"', [organisation]);
    return r.rows.map(apiKeyFromRow);
  }

  async revokeApiKey(id: string, at: number): Promise<boolean> {
    return ((await this.#s.query('UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL', [at, id])).rowCount ?? 0) === 1;
  }

  async getIdempotent(apiKey: string, key: string): Promise<IdempotentResponse | null> {
    const r = await this.#s.query<{ request_hash: string; status: number; response: string }>('SELECT request_hash, status, response FROM idempotency WHERE api_key = $1 AND key = $2', [apiKey, key]);
    const x = r.rows[0];
    return x ? { requestHash: x.request_hash, status: x.status, response: x.response } : null;
  }

  async putIdempotent(apiKey: string, key: string, r: IdempotentResponse): Promise<void> {
    await this.#s.query('INSERT INTO idempotency (api_key, key, request_hash, status, response, created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING', [
      apiKey, key, r.requestHash, r.status, r.response, Date.now(),
    ]);
  }

  async getIdempotentMany(keys: readonly IdempotencyKey[]): Promise<(IdempotentResponse | null)[]> {
    const out: (IdempotentResponse | null)[] = keys.map(() => null);
    if (keys.length === 0) return out;
    const r = await this.#s.query<{ i: number; request_hash: string; status: number; response: string }>(
      `SELECT x.i::int AS i, t.request_hash, t.status, t.response
         FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS x(a, k, i) JOIN idempotency t ON t.api_key = x.a AND t.key = x.k`,
      [keys.map((k) => k.apiKey), keys.map((k) => k.key)],
    );
    for (const row of r.rows) out[row.i - 1] = { requestHash: row.request_hash, status: row.status, response: row.response };
    return out;
  }

  async putIdempotentMany(records: readonly IdempotentRecord[]): Promise<void> {
    if (records.length === 0) return;
    // One statement, one round trip and one commit for the lot.
    await this.#s.query(
      `INSERT INTO idempotency (api_key, key, request_hash, status, response, created_at)
       SELECT a, k, h, s, r, $6 FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[]) AS x(a, k, h, s, r) ON CONFLICT DO NOTHING`,
      [records.map((r) => r.apiKey), records.map((r) => r.key), records.map((r) => r.requestHash), records.map((r) => r.status), records.map((r) => r.response), Date.now()],
    );
  }

  // --- bulk load -----------------------------------------------------------------------------

  async bulkLoad<T>(load: () => Promise<T>, expected: { readonly subjects?: number } = {}): Promise<T> {
    if ((await this.stats()).consentEvents > 0) throw new Error('bulkLoad needs a store without consent events');
    await this.#s.beginBulk();
    let done = false;
    try {
      await this.#s.read(async (c) => {
        await this.#catchUpKeys(c);
        if (expected.subjects) this.#keys!.reserve(this.#subjectCount + expected.subjects);
        this.#blockRanges = new BlockRanges();
        await this.#dict.catchUp(c);
        // DDL is transactional in PostgreSQL: a failed load restores the indexes with the rest.
        await c.query('DROP INDEX subjects_by_key, consent_events_by_id, consent_events_by_subject');
      });
      const result = await load();
      await this.#s.read(async (c) => {
        await this.#dict.flush(c);
        try {
          for (const sql of BULK_INDEXES) await c.query(sql);
          await this.#rowsNotInBlocks(c);
        } catch (err) {
          throw new UserError('conflict', `the load repeats an event id or subject (${(err as Error).message}); nothing was stored`);
        }
      });
      await this.#s.endBulk(true);
      done = true;
      return result;
    } finally {
      this.ledger.endBulk();
      if (!done) {
        await this.#s.endBulk(false);
        this.#forgetCaches();
      }
    }
  }

  /** Throws when an event the load stored as a row has the id of one it kept in a block. */
  async #rowsNotInBlocks(c: Queryable): Promise<void> {
    const r = await c.query<{ controller: number; ids: string[] }>('SELECT controller, array_agg(event_id) AS ids FROM consent_events GROUP BY controller');
    for (const { controller, ids } of r.rows) {
      const [id] = (await blockEventsById(c, controller, ids)).keys();
      if (id !== undefined) throw new Error(`event id "${id}" is stored twice`);
    }
  }

  // --- import runs ---------------------------------------------------------------------------

  async beginImport(controller: string, fileSha256: string, totalRows: number): Promise<ImportRun> {
    const open = await this.#s.query<RunRow>("SELECT * FROM import_runs WHERE controller = $1 AND file_sha256 = $2 AND state = 'running' ORDER BY id DESC LIMIT 1", [controller, fileSha256]);
    if (open.rows[0]) return runFromRow(open.rows[0]);
    const r = await this.#s.query<{ id: number }>("INSERT INTO import_runs (controller, file_sha256, total_rows, state, started_at) VALUES ($1, $2, $3, 'running', $4) RETURNING id", [controller, fileSha256, totalRows, Date.now()]);
    return { id: r.rows[0]!.id, controller, fileSha256, totalRows, committedLine: 0, state: 'running' };
  }

  async finishImport(runId: number): Promise<void> {
    await this.#s.query("UPDATE import_runs SET state = 'done' WHERE id = $1", [runId]);
  }
}

/** Event i of a batch as a consent_events row (seq = leaf, as in appendConsentEvents). */
function columnRow(w: BinaryCopyWriter, col: ConsentColumns, i: number, seq: number, ordinals: Int32Array, codes: ColumnCodes): void {
  const code = (table: Int32Array, s: number): number | null => (s < 0 ? null : table[s]!);
  const expires = col.expiresAt[i]!;
  const evidence = col.evidence[i]!;
  w.row(14).int8(seq).int4(code(codes.controller, col.controller[i]!)).text(eventIdAt(col.eventIds, i)).int4(ordinals[col.subject[i]!]!)
    .int4(code(codes.purposes, col.purposes[i]!)).int4(code(codes.recipients, col.recipients[i]!)).int4(code(codes.status, col.status[i]!)).int4(code(codes.notice, col.notice[i]!))
    .int8(col.at[i]!).int8(Number.isNaN(expires) ? null : expires).int4(code(codes.method, col.method[i]!)).int4(code(codes.consentType, col.consentType[i]!))
    .text(evidence < 0 ? null : col.strings[evidence]!).int8(seq);
}

/** A string as an SQL literal, for COPY queries (which take no parameters). */
function literal(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}
