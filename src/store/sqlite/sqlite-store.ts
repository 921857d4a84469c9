import Database from 'better-sqlite3';
import { SubjectKeyIndex } from '../../policy/subject-key-index.ts';
import type { Agreement, ConsentEvent, Dataset, ConsentStatus, ConsentType, CollectionMethod, Notice, Objection, ObjectionScope, Organisation, SubjectKey } from '../../domain/types.ts';
import { canonicalJson } from '../../domain/canonical-json.ts';
import { SUBJECT_KEY_BYTES } from '../../domain/subject-key.ts';
import { UserError } from '../../errors.ts';
import type { ApiKey, CommittedTransfer, Derivation, TransferReasons, IdempotencyKey, IdempotentRecord, IdempotentResponse, RightsNotice, RightsRequest, StoredDerivation, StoredRightsRequest, SubjectHistory, ConsentBatchResult, ConsentColumns, ConsentColumnsResult, ImportRun, NewConsentEvent, PutResult, Store, StoreStats, StoredConsentEvent, StoredTransfer, StoredTransferReport, TransferReport } from '../store.ts';
import { apiKeyFromRow, consentFromRow, joinList, orgFromRow, runFromRow, splitList, storedConsentFromRow, type ApiKeyRow, type ConsentRow, type OrgRow, type RunRow } from '../row-mappers.ts';
import { migrateSqlite } from './sqlite-migrate.ts';
import { columnCodes, columnSubjects, eventIdAt, type ColumnCodes } from '../consent-columns.ts';
import { BlockRanges, cutBlocks, encodeBlock, type ConsentBlock } from '../consent-blocks.ts';
import { SqliteConsentBlocks } from './sqlite-consent-blocks.ts';
import { transferLinks } from '../transfer-links.ts';
import { linkBlocks, sortedByKey } from '../link-blocks.ts';
import { sortKeys } from '../../ledger/subject-commitment.ts';
import { SqliteDictionary } from './sqlite-dictionary.ts';
import { SqliteLineage } from './sqlite-lineage.ts';
import { SqliteSubjectSets } from './sqlite-subject-sets.ts';
import { WriteBehind } from './write-behind.ts';
import type { SubjectBlockRead, SubjectSetBlocks } from '../../ledger/subject-set-blocks.ts';
import { SqliteLedger } from '../../ledger/sqlite-ledger.ts';
import { agreementEntry, consentLeafEntry, consentLeafJson, datasetEntry, noticeEntry, objectionEntry, organisationEntry, transferEntry, transferReportEntry } from '../../ledger/entries.ts';
import type { LedgerEntry } from '../../ledger/ledger-entry.ts';
import { sameConsentContent } from '../../domain/consent-event.ts';

const NO_KEY = new Uint8Array(0);

/** Subjects read at a time when every key is read. */
const SUBJECT_CHUNK = 65_536;

/** Writes of up to this many events or keys find subjects by indexed reads while the in-memory index is not loaded. */
const FEW_SUBJECTS = 64;

/** Finds and adds subjects for one write (SqliteStore #subjectsFor). */
interface SubjectResolver {
  /** The subject's ordinal, or -1 when the store does not know it. */
  ordinalOf(key: Uint8Array): number;
  /** Stores a new subject and returns its ordinal. */
  add(key: Uint8Array): number;
  /** Undoes what the write changed in memory, once its transaction has rolled back. */
  rolledBack(): void;
}

type IdempotentRow = { request_hash: string; status: number; response: string } | undefined;
const idempotentResponse = (r: IdempotentRow): IdempotentResponse | null => (r ? { requestHash: r.request_hash, status: r.status, response: r.response } : null);

/** Prepared once: every write that carries an Idempotency-Key looks one up and stores one. */
interface IdempotencyStatements {
  readonly get: Database.Statement<[string, string]>;
  readonly put: Database.Statement<[string, string, string, number, string, number]>;
  /** Many at once, in one transaction each: one lock, one commit. */
  readonly getMany: (keys: readonly IdempotencyKey[]) => (IdempotentResponse | null)[];
  readonly putMany: (records: readonly IdempotentRecord[], at: number) => void;
}


/** The embedded store: one SQLite file in WAL mode, opened by openSqliteStore. */
export class SqliteStore implements Store {
  readonly description: string;
  readonly keyFolder: string;
  readonly db: Database.Database;
  readonly ledger: SqliteLedger;
  readonly #dict: SqliteDictionary;
  readonly #lineage: SqliteLineage;
  readonly #subjectSets: SqliteSubjectSets;
  readonly #blocks: SqliteConsentBlocks;
  /** Inside bulkLoad: the ranges of the blocks written so far. */
  #blockRanges = new BlockRanges();
  #keys: SubjectKeyIndex | null = null;
  #subjectCount = 0;
  #subjectChunks: { hex: Database.Statement; rows: Database.Statement; after: Database.Statement } | null = null;
  #subjectInserts: { subject: Database.Statement; key: Database.Statement } | null = null;
  /** Inside bulkLoad: the subjects its blocks added (consecutive ordinals from `first`), filed by key at its end. */
  #bulkKeys: { readonly first: number; readonly keys: Uint8Array }[] = [];
  #ordinalByKey: Database.Statement | null = null;
  #objectionsOf: Database.Statement | null = null;
  #consentsOf: Database.Statement | null = null;
  #organisations: Database.Statement | null = null;
  #leafRows: Database.Statement | null = null;
  #findEvents: Database.Statement | null = null;
  #idempotency: IdempotencyStatements | null = null;
  #columnInserts: { event: Database.Statement; subjects: Database.Statement } | null = null;
  #linkInsert: Database.Statement | null = null;
  /** Inside bulkLoad: uniqueness is checked when the indexes are rebuilt at the end. */
  #bulk = false;
  /** Flushes a bulk load's pages as it goes; closed with the store (see write-behind.ts). */
  #writeBehind: WriteBehind | null = null;

  constructor(db: Database.Database, file: string, keyFolder: string) {
    this.db = db;
    this.description = `sqlite:${file}`;
    this.keyFolder = keyFolder;
    this.#dict = new SqliteDictionary(db);
    this.ledger = new SqliteLedger(db, { leafData: async (from, to) => this.#consentLeafData(from, to) });
    this.#lineage = new SqliteLineage(db, (e) => this.#leaf(e), this.#dict);
    this.#subjectSets = new SqliteSubjectSets(db);
    this.#blocks = new SqliteConsentBlocks(db);
  }

  /** Appends the entry in the current transaction and returns its leaf index. */
  #leaf(entry: LedgerEntry): number {
    return this.ledger.appendManySync([entry]).first;
  }

  static open(file: string, keyFolder: string): SqliteStore {
    const db = migrateSqlite(file);
    return new SqliteStore(db, file, keyFolder);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
    // INVARIANT: after the connection, never before (closing a descriptor drops its locks).
    await this.#writeBehind?.close();
    this.#writeBehind = null;
  }

  async stats(): Promise<StoreStats> {
    const count = (table: string): number => (this.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return {
      organisations: count('organisations'),
      notices: count('notices'),
      agreements: count('agreements'),
      datasets: count('datasets'),
      subjects: count('subjects'),
      consentEvents: count('consent_events') + this.#blocks.count(),
      objections: count('objections'),
      transfers: count('transfers'),
      derivations: count('derivations'),
      rightsRequests: count('rights_requests'),
      ledgerLeaves: this.ledger.sizeSync(),
    };
  }

  // --- organisations -------------------------------------------------------------------------

  async putOrganisation(o: Organisation): Promise<PutResult> {
    const existing = await this.getOrganisation(o.id);
    if (existing) {
      if (canonicalJson(existing) === canonicalJson(o)) return 'unchanged';
      throw new UserError('conflict', `organisation "${o.id}" already exists with different details`, [
        { where: o.id, message: 'organisations are registered once; use a new id for a different organisation' },
      ]);
    }
    this.db.transaction(() => {
      const leaf = this.#leaf(organisationEntry(o, Date.now()));
      this.db.prepare('INSERT INTO organisations (id, name, kind, country, rights_contact, leaf) VALUES (?, ?, ?, ?, ?, ?)').run(o.id, o.name, o.kind, o.country, o.rightsContact, leaf);
    })();
    return 'created';
  }

  async getOrganisation(id: string): Promise<Organisation | null> {
    const r = this.db.prepare('SELECT * FROM organisations WHERE id = ?').get(id) as OrgRow | undefined;
    return r ? orgFromRow(r) : null;
  }

  async listOrganisations(): Promise<Organisation[]> {
    // Read for every who-has answer (organisation names): prepared once.
    this.#organisations ??= this.db.prepare('SELECT * FROM organisations ORDER BY id');
    return (this.#organisations.all() as OrgRow[]).map(orgFromRow);
  }

  // --- notices -------------------------------------------------------------------------------

  async putNotice(n: Notice): Promise<PutResult> {
    const byHash = this.db.prepare('SELECT hash FROM notices WHERE hash = ?').get(n.hash);
    if (byHash) return 'unchanged';
    const byId = this.db.prepare('SELECT hash FROM notices WHERE controller = ? AND id = ?').get(n.controller, n.id) as { hash: string } | undefined;
    if (byId) {
      throw new UserError('conflict', `notice "${n.id}" of ${n.controller} already exists with different content`, [
        { where: n.id, message: 'notices are immutable: publish the change as a new notice id (e.g. n1-v2)' },
      ]);
    }
    this.db.transaction(() => {
      const leaf = this.#leaf(noticeEntry(n, Date.now()));
      this.db.prepare('INSERT INTO notices (hash, id, controller, effective_from, body, leaf) VALUES (?, ?, ?, ?, ?, ?)').run(n.hash, n.id, n.controller, n.effectiveFrom, canonicalJson(n), leaf);
    })();
    return 'created';
  }

  async getNotice(controller: string, idOrHash: string): Promise<Notice | null> {
    const r = this.db.prepare('SELECT body FROM notices WHERE controller = ? AND (id = ? OR hash = ?)').get(controller, idOrHash, idOrHash) as { body: string } | undefined;
    return r ? (JSON.parse(r.body) as Notice) : null;
  }

  async listNotices(controller?: string): Promise<Notice[]> {
    const rows = (controller === undefined
      ? this.db.prepare('SELECT body FROM notices ORDER BY controller, effective_from, id').all()
      : this.db.prepare('SELECT body FROM notices WHERE controller = ? ORDER BY effective_from, id').all(controller)) as { body: string }[];
    return rows.map((r) => JSON.parse(r.body) as Notice);
  }

  // --- datasets --------------------------------------------------------------------------------

  async putDataset(d: Dataset): Promise<PutResult> {
    const body = canonicalJson(d);
    const r = this.db.prepare('SELECT body FROM datasets WHERE controller = ? AND id = ?').get(d.controller, d.id) as { body: string } | undefined;
    if (r) {
      if (r.body === body) return 'unchanged';
      throw new UserError('conflict', `dataset "${d.id}" of ${d.controller} already exists with other fields`, [
        { where: d.id, message: 'declarations are kept as they were: declare the changed dataset under a new id' },
      ]);
    }
    this.db.transaction(() => {
      const leaf = this.#leaf(datasetEntry(d, Date.now()));
      this.db.prepare('INSERT INTO datasets (controller, id, body, leaf) VALUES (?, ?, ?, ?)').run(d.controller, d.id, body, leaf);
    })();
    return 'created';
  }

  async getDataset(controller: string, id: string): Promise<Dataset | null> {
    const r = this.db.prepare('SELECT body FROM datasets WHERE controller = ? AND id = ?').get(controller, id) as { body: string } | undefined;
    return r ? (JSON.parse(r.body) as Dataset) : null;
  }

  async listDatasets(controller?: string): Promise<Dataset[]> {
    const rows = (controller === undefined
      ? this.db.prepare('SELECT body FROM datasets ORDER BY controller, id').all()
      : this.db.prepare('SELECT body FROM datasets WHERE controller = ? ORDER BY id').all(controller)) as { body: string }[];
    return rows.map((r) => JSON.parse(r.body) as Dataset);
  }

  // --- agreements ----------------------------------------------------------------------------

  async putAgreement(a: Agreement): Promise<PutResult> {
    const body = canonicalJson(a);
    const r = this.db.prepare('SELECT body FROM agreements WHERE id = ?').get(a.id) as { body: string } | undefined;
    if (r) {
      if (r.body === body) return 'unchanged';
      throw new UserError('conflict', `agreement "${a.id}" already exists with different terms`, [
        { where: a.id, message: 'agreements are immutable: record the new terms under a new id' },
      ]);
    }
    this.db.transaction(() => {
      const leaf = this.#leaf(agreementEntry(a, Date.now()));
      this.db.prepare('INSERT INTO agreements (id, body, leaf) VALUES (?, ?, ?)').run(a.id, body, leaf);
    })();
    return 'created';
  }

  async listAgreements(): Promise<Agreement[]> {
    return (this.db.prepare('SELECT body FROM agreements ORDER BY id').all() as { body: string }[]).map((r) => JSON.parse(r.body) as Agreement);
  }

  // --- subjects ------------------------------------------------------------------------------

  /** Loads every subject key into memory once; later writes keep it current. */
  #keyIndex(): SubjectKeyIndex {
    if (this.#keys) {
      // Another process on the same file (the CLI beside a server) may have added subjects.
      this.#addSubjectsFrom(this.#keys, this.#subjectCount);
      return this.#keys;
    }
    const n = (this.db.prepare('SELECT count(*) AS n FROM subjects').get() as { n: number }).n;
    const index = new SubjectKeyIndex(Math.max(1024, n * 2));
    this.#subjectCount = 0;
    this.#addSubjectsFrom(index, 0);
    this.#keys = index;
    return index;
  }

  /** Adds to `index` the subjects from ordinal `from` on, and moves #subjectCount past them. */
  #addSubjectsFrom(index: SubjectKeyIndex, from: number): void {
    this.#eachSubjectChunk(from, (first, keys, rows) => {
      if (rows !== null) {
        for (const [o, k] of rows) index.add(k, o);
        this.#subjectCount = rows[rows.length - 1]![0] + 1;
        return;
      }
      index.addRun(keys, first);
      this.#subjectCount = first + keys.length / SUBJECT_KEY_BYTES;
    });
  }

  /**
   * Every subject from ordinal `from` on, in ordinal order, a chunk at a time: the keys of a
   * chunk of consecutive ordinals from `first` as one array, read as one hex string (a Buffer per
   * row costs four times as much: about 1.1 against 0.3 s for a million), or, where a chunk's
   * ordinals are not consecutive, its rows.
   */
  #eachSubjectChunk(from: number, visit: (first: number, keys: Uint8Array, rows: [number, Buffer][] | null) => void): void {
    this.#subjectChunks ??= {
      hex: this.db.prepare("SELECT min(ordinal), max(ordinal), count(*), group_concat(hex(key), '' ORDER BY ordinal) FROM subjects WHERE ordinal >= ? AND ordinal < ?").raw(true),
      rows: this.db.prepare('SELECT ordinal, key FROM subjects WHERE ordinal >= ? AND ordinal < ? ORDER BY ordinal').raw(true),
      after: this.db.prepare('SELECT min(ordinal) FROM subjects WHERE ordinal >= ?').pluck(),
    };
    const q = this.#subjectChunks;
    for (let at = from; ; at += SUBJECT_CHUNK) {
      const [min, max, count, hex] = q.hex.get(at, at + SUBJECT_CHUNK) as [number | null, number | null, number, string | null];
      if (count === 0) {
        // A gap of a whole chunk (ordinals are given out in order, so there is none): skip to what follows.
        const next = q.after.get(at + SUBJECT_CHUNK) as number | null;
        if (next === null) return;
        at = next - SUBJECT_CHUNK;
        continue;
      }
      if (min === at && max === at + count - 1 && hex !== null) visit(at, Buffer.from(hex, 'hex'), null);
      else visit(min!, NO_KEY, q.rows.all(at, at + SUBJECT_CHUNK) as [number, Buffer][]);
    }
  }

  /**
   * How a write finds and adds subjects. Through the in-memory index when it is loaded, or when
   * the write is large enough to be worth loading it; else by indexed reads of subject_keys, so
   * that one event or request from a fresh process (a CLI command) does not first read every
   * key (nearly 3 s for a million). Use inside the write's transaction; after a rollback, call
   * `rolledBack`.
   */
  #subjectsFor(writes: number): SubjectResolver {
    if (this.#keys === null && writes <= FEW_SUBJECTS) {
      this.#ordinalByKey ??= this.db.prepare('SELECT ordinal FROM subject_keys WHERE key = ?').pluck();
      const byKey = this.#ordinalByKey;
      let next = -1;
      return {
        ordinalOf: (key) => (byKey.get(Buffer.from(key.buffer, key.byteOffset, key.byteLength)) as number | undefined) ?? -1,
        add: (key) => {
          if (next < 0) next = this.#storedSubjectCount();
          this.#insertSubject(next, key);
          return next++;
        },
        rolledBack: () => undefined,
      };
    }
    const index = this.#keyIndex();
    const startCount = this.#subjectCount;
    let added = false;
    return {
      ordinalOf: (key) => index.get(key),
      add: (key) => {
        const ordinal = this.#subjectCount++;
        this.#insertSubject(ordinal, key);
        index.add(key, ordinal);
        added = true;
        return ordinal;
      },
      // The index holds keys the rollback took back: read it again when next needed.
      rolledBack: () => {
        if (added) this.#keys = null;
        this.#subjectCount = startCount;
      },
    };
  }

  /** Stores a new subject: its row by ordinal and its entry by key (the key's uniqueness is checked there). */
  #insertSubject(ordinal: number, key: Uint8Array): void {
    const q = (this.#subjectInserts ??= {
      subject: this.db.prepare('INSERT INTO subjects (ordinal, key) VALUES (?, ?)'),
      key: this.db.prepare('INSERT INTO subject_keys (key, ordinal) VALUES (?, ?)'),
    });
    q.subject.run(ordinal, key);
    q.key.run(key, ordinal);
  }

  /**
   * Files the subjects a bulk load added by key, in key order: appending to the key table costs a
   * quarter of what SQLite takes to sort a million keys for it. Ordinals go in as JSON, the one
   * array SQLite can read rows from.
   */
  #fileBulkKeys(): void {
    const n = this.#bulkKeys.reduce((sum, b) => sum + b.keys.length / SUBJECT_KEY_BYTES, 0);
    const all = new Uint8Array(n * SUBJECT_KEY_BYTES);
    const ordinals = new Int32Array(n);
    let at = 0;
    for (const b of this.#bulkKeys) {
      all.set(b.keys, at * SUBJECT_KEY_BYTES);
      const count = b.keys.length / SUBJECT_KEY_BYTES;
      for (let j = 0; j < count; j++) ordinals[at + j] = b.first + j;
      at += count;
    }
    this.#bulkKeys = [];
    const { keys: sorted, positions } = sortKeys(all);
    const insert = this.db.prepare('INSERT INTO subject_keys (key, ordinal) SELECT substr(@keys, key * 32 + 1, 32), value FROM json_each(@ordinals)');
    const CHUNK = 16_384;
    const chunk: number[] = [];
    for (let from = 0; from < n; from += CHUNK) {
      const to = Math.min(n, from + CHUNK);
      chunk.length = 0;
      for (let i = from; i < to; i++) chunk.push(ordinals[positions[i]!]!);
      insert.run({ keys: sorted.subarray(from * SUBJECT_KEY_BYTES, to * SUBJECT_KEY_BYTES), ordinals: `[${chunk.join(',')}]` });
    }
  }

  async subjectOrdinals(keys: Uint8Array): Promise<Int32Array> {
    if (keys.length % SUBJECT_KEY_BYTES !== 0) throw new Error('subject keys must be 32 bytes each');
    const out = new Int32Array(keys.length / SUBJECT_KEY_BYTES);
    if (this.#keys === null && out.length <= FEW_SUBJECTS) {
      // A few keys from a fresh process: indexed reads, not every key loaded first (#subjectsFor).
      const subjects = this.#subjectsFor(out.length);
      for (let i = 0; i < out.length; i++) out[i] = subjects.ordinalOf(keys.subarray(i * SUBJECT_KEY_BYTES, (i + 1) * SUBJECT_KEY_BYTES));
      return out;
    }
    this.#keyIndex().getMany(keys, out);
    return out;
  }

  async eachSubjectKey(visit: (ordinal: number, key: Uint8Array) => void): Promise<number> {
    let n = 0;
    this.#eachSubjectChunk(0, (first, keys, rows) => {
      if (rows !== null) {
        for (const [o, k] of rows) visit(o, k);
        n += rows.length;
        return;
      }
      for (let i = 0; i < keys.length / SUBJECT_KEY_BYTES; i++, n++) visit(first + i, keys.subarray(i * SUBJECT_KEY_BYTES, (i + 1) * SUBJECT_KEY_BYTES));
    });
    return n;
  }

  async subjectCount(): Promise<number> {
    return this.#storedSubjectCount();
  }

  /** One past the highest ordinal stored: the next subject's ordinal. */
  #storedSubjectCount(): number {
    return (this.db.prepare('SELECT coalesce(max(ordinal) + 1, 0) AS n FROM subjects').get() as { n: number }).n;
  }

  // --- consent events ------------------------------------------------------------------------

  async findConsentEvents(controller: string, eventIds: readonly string[]): Promise<Map<string, ConsentEvent>> {
    const found = new Map<string, ConsentEvent>();
    const code = this.#dict.find('org', controller);
    if (code < 0) return found;
    // The ids as one JSON array: one statement, prepared once, whatever their number.
    this.#findEvents ??= this.db.prepare(
      `SELECT e.*, s.key FROM consent_events e JOIN subjects s ON s.ordinal = e.ordinal
       WHERE e.controller = ? AND e.event_id IN (SELECT value FROM json_each(?))`,
    );
    for (const r of this.#findEvents.all(code, JSON.stringify(eventIds)) as ConsentRow[]) found.set(r.event_id, consentFromRow(r, this.#dict));
    if (found.size < eventIds.length && this.#blocks.any()) {
      for (const r of this.#blocks.findIds(code, eventIds.filter((id) => !found.has(id))).values()) found.set(r.event_id, consentFromRow(r, this.#dict));
    }
    return found;
  }

  async appendConsentEvents(events: readonly NewConsentEvent[], progress?: { runId: number; line: number }): Promise<ConsentBatchResult> {
    const subjects = this.#subjectsFor(events.length);
    // seq = the event's leaf index: the ledger keeps only the leaf's hash and rebuilds its data
    // from this row, found by primary key (see #consentLeafData).
    const insertEvent = this.db.prepare(
      `INSERT INTO consent_events (seq, controller, event_id, ordinal, purposes, recipients, status, notice, at, expires_at, method, consent_type, evidence, leaf)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)${this.#bulk ? '' : ' ON CONFLICT (controller, event_id) DO NOTHING'}`,
    );
    const updateRun = this.db.prepare('UPDATE import_runs SET committed_line = ? WHERE id = ?');
    let added = 0;
    const run = this.db.transaction(() => {
      let inserted = 0;
      let unchanged = 0;
      const duplicates: NewConsentEvent[] = [];
      // INVARIANT: each stored event has exactly one leaf, appended in the same transaction.
      const firstLeaf = this.ledger.sizeSync();
      const entries: LedgerEntry[] = [];
      // The unique index sees rows only: ids a bulk load kept in blocks are looked up there.
      const inBlocks = events.length > 0 && this.#blocks.any() ? this.#storedInBlocks(events) : null;
      for (const e of events) {
        if (inBlocks?.has(`${e.controller}\u0000${e.id}`)) {
          duplicates.push(e);
          continue;
        }
        let ordinal = subjects.ordinalOf(e.subject);
        if (ordinal < 0) {
          ordinal = subjects.add(e.subject);
          added++;
        }
        const d = this.#dict;
        const r = insertEvent.run(
          firstLeaf + entries.length, d.code('org', e.controller), e.id, ordinal, d.code('list', joinList(e.purposes)), d.code('list', joinList(e.recipients)),
          d.code('status', e.status), d.codeOrNull('notice', e.notice), e.at, e.expiresAt, d.codeOrNull('method', e.method), d.code('ctype', e.consentType), e.evidence,
          firstLeaf + entries.length,
        );
        if (r.changes === 1) {
          inserted++;
          entries.push(consentLeafEntry(e));
        } else duplicates.push(e);
      }
      if (entries.length > 0 && this.ledger.appendManySync(entries).first !== firstLeaf) throw new Error('ledger and consent events out of step');
      if (duplicates.length > 0) {
        // Rows that met the unique index are read back; events kept in blocks were read above.
        const rows = duplicates.filter((d) => !inBlocks?.has(`${d.controller}\u0000${d.id}`));
        const stored = rows.length > 0 ? this.#findSync(rows[0]!.controller, rows.map((d) => d.id)) : new Map<string, ConsentEvent>();
        for (const d of duplicates) {
          const s = inBlocks?.get(`${d.controller}\u0000${d.id}`) ?? stored.get(d.id);
          if (!s || !sameConsentContent(s, d)) {
            throw new UserError('conflict', `consent event "${d.id}" of ${d.controller} is already stored with different content`, [
              { where: d.id, field: 'event_id', message: 'event ids are permanent: give a changed event a new id' },
            ]);
          }
          unchanged++;
        }
      }
      if (progress) updateRun.run(progress.line, progress.runId);
      return { inserted, unchanged, newSubjects: added };
    });
    try {
      return run();
    } catch (err) {
      // The transaction rolled back: forget the subjects and codes it would have added.
      subjects.rolledBack();
      this.#dict.reload();
      throw err;
    }
  }

  /** The events among `events`' ids that a bulk load kept in blocks, by "controller\0id". */
  #storedInBlocks(events: readonly NewConsentEvent[]): Map<string, ConsentEvent> {
    const byController = new Map<string, string[]>();
    for (const e of events) {
      let ids = byController.get(e.controller);
      if (ids === undefined) byController.set(e.controller, (ids = []));
      ids.push(e.id);
    }
    const out = new Map<string, ConsentEvent>();
    for (const [controller, ids] of byController) {
      const code = this.#dict.find('org', controller);
      if (code >= 0) for (const r of this.#blocks.findIds(code, ids).values()) out.set(`${controller}\u0000${r.event_id}`, consentFromRow(r, this.#dict));
    }
    return out;
  }

  async appendConsentColumns(c: ConsentColumns): Promise<ConsentColumnsResult> {
    if (!this.#bulk) throw new Error('appendConsentColumns runs inside bulkLoad only');
    const index = this.#keyIndex();
    const q = (this.#columnInserts ??= {
      event: this.db.prepare(
        `INSERT INTO consent_events (seq, controller, event_id, ordinal, purposes, recipients, status, notice, at, expires_at, method, consent_type, evidence, leaf)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      // New subjects take consecutive ordinals: one statement for all of a block's, from one blob.
      subjects: this.db.prepare(
        `WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM i WHERE n + 1 < @count)
         INSERT INTO subjects (ordinal, key) SELECT @first + n, substr(@blob, n * 32 + 1, 32) FROM i`,
      ),
    });
    const startCount = this.#subjectCount;
    const ranges = this.#blockRanges.clone();
    let fresh: Uint8Array = NO_KEY;
    const run = this.db.transaction(() => {
      const d = this.#dict;
      const firstLeaf = this.ledger.sizeSync();
      const codes = columnCodes(c, (kind, value) => d.code(kind, value));
      const subjects = columnSubjects(c, index, this.#subjectCount);
      const { ordinals, first: firstNew, added } = subjects;
      fresh = subjects.fresh;
      this.#subjectCount += added;
      // Filed by key when the load ends (#fileBulkKeys).
      if (added > 0) q.subjects.run({ first: firstNew, blob: Buffer.from(fresh.buffer, fresh.byteOffset, fresh.byteLength), count: added });
      // Blocks where their ranges allow (see consent-blocks.ts); rows, checked by the unique index, where not.
      for (const [from, to] of cutBlocks(c, ordinals)) {
        const b = encodeBlock(c, from, to, ordinals, codes);
        if (b !== null && ranges.accepts(b)) {
          ranges.add(b);
          this.#blocks.write(firstLeaf + from, b);
        } else for (let i = from; i < to; i++) this.#insertColumnRow(q.event, c, i, firstLeaf + i, ordinals, codes);
      }
      // INVARIANT: each stored event has exactly one leaf, appended in the same transaction.
      if (this.ledger.appendHashedSync(c.leafHashes, c.count, c.leafSubtrees).first !== firstLeaf) throw new Error('ledger and consent events out of step');
      return { inserted: c.count, unchanged: 0, newSubjects: added, ordinals };
    });
    try {
      const result = run();
      (this.#writeBehind ??= new WriteBehind(this.db.name)).nudge();
      this.#blockRanges = ranges;
      // The block's new subjects took ordinals from startCount on (columnSubjects).
      if (result.newSubjects > 0) this.#bulkKeys.push({ first: startCount, keys: fresh });
      return result;
    } catch (err) {
      this.#keys = null;
      this.#dict.reload();
      this.#blocks.forget();
      this.#subjectCount = startCount;
      throw err;
    }
  }

  #insertColumnRow(insert: Database.Statement, c: ConsentColumns, i: number, seq: number, ordinals: Int32Array, codes: ColumnCodes): void {
    const code = (table: Int32Array, s: number): number | null => (s < 0 ? null : table[s]!);
    const expires = c.expiresAt[i]!;
    const evidence = c.evidence[i]!;
    insert.run(
      seq, code(codes.controller, c.controller[i]!), eventIdAt(c.eventIds, i), ordinals[c.subject[i]!]!, code(codes.purposes, c.purposes[i]!), code(codes.recipients, c.recipients[i]!),
      code(codes.status, c.status[i]!), code(codes.notice, c.notice[i]!), c.at[i]!, Number.isNaN(expires) ? null : expires, code(codes.method, c.method[i]!),
      code(codes.consentType, c.consentType[i]!), evidence < 0 ? null : c.strings[evidence]!, seq,
    );
  }

  /**
   * Leaf data of the consent events among leaves [from, to), rebuilt from their rows: events
   * stored since leaves kept only hashes have seq = leaf (older ones kept their data in the leaf).
   */
  #consentLeafData(from: number, to: number): Map<number, Uint8Array> {
    this.#leafRows ??= this.db.prepare('SELECT e.*, s.key FROM consent_events e JOIN subjects s ON s.ordinal = e.ordinal WHERE e.seq >= ? AND e.seq < ? AND e.leaf = e.seq');
    const out = new Map<number, Uint8Array>();
    for (const r of this.#leafRows.iterate(from, to) as IterableIterator<ConsentRow>) out.set(r.leaf, Buffer.from(consentLeafJson(consentFromRow(r, this.#dict))));
    for (const r of this.#blocks.inSeqRange(from, to)) out.set(r.leaf, Buffer.from(consentLeafJson(consentFromRow(r, this.#dict))));
    return out;
  }

  #findSync(controller: string, ids: string[]): Map<string, ConsentEvent> {
    const found = new Map<string, ConsentEvent>();
    const code = this.#dict.find('org', controller);
    const stmt = this.db.prepare('SELECT e.*, s.key FROM consent_events e JOIN subjects s ON s.ordinal = e.ordinal WHERE e.controller = ? AND e.event_id = ?');
    for (const id of ids) {
      const r = stmt.get(code, id) as ConsentRow | undefined;
      if (r) found.set(id, consentFromRow(r, this.#dict));
    }
    return found;
  }

  async eachConsentEvent(visit: (e: StoredConsentEvent) => void): Promise<number> {
    const stmt = this.db.prepare('SELECT e.*, s.key FROM consent_events e JOIN subjects s ON s.ordinal = e.ordinal ORDER BY e.seq');
    let n = 0;
    const row = (r: ConsentRow): void => {
      visit(storedConsentFromRow(r, this.#dict));
      n++;
    };
    this.#inSeqOrder(stmt.iterate() as IterableIterator<ConsentRow>, (r) => r.seq, row, (block) => {
      const keyOf = this.#blocks.keysOf(block);
      for (let i = 0; i < block.count; i++) row(block.row(i, keyOf(block.ordinals[i]!)));
    });
    return n;
  }

  async eachConsentFact(visit: (ordinal: number, fact: ConsentEvent) => void): Promise<number> {
    const stmt = this.db.prepare('SELECT seq, ordinal, controller, purposes, recipients, status, notice, at, expires_at, method, consent_type FROM consent_events ORDER BY seq').raw(true);
    const d = this.#dict;
    // Codes repeat across millions of rows: decode each list once.
    const lists: string[][] = [];
    const list = (code: number): string[] => (lists[code] ??= splitList(d.value(code)));
    const fact = { id: '', subject: NO_KEY, evidence: null, controller: '', purposes: [] as string[], recipients: [] as string[], status: 'ConsentGiven' as ConsentStatus, notice: null as string | null, at: 0, expiresAt: null as number | null, method: null as CollectionMethod | null, consentType: 'expressed' as ConsentType };
    let n = 0;
    const row = (r: [number, number, number, number, number, number | null, number, number | null, number | null, number]): void => {
      fact.controller = d.value(r[1]);
      fact.purposes = list(r[2]);
      fact.recipients = list(r[3]);
      fact.status = d.value(r[4]) as ConsentStatus;
      fact.notice = r[5] === null ? null : d.value(r[5]);
      fact.at = r[6];
      fact.expiresAt = r[7];
      fact.method = (r[8] === null ? null : d.value(r[8])) as CollectionMethod | null;
      fact.consentType = d.value(r[9]) as ConsentType;
      visit(r[0], fact);
      n++;
    };
    // Rows come as [seq, ...the fact's columns].
    const rows = stmt.iterate() as IterableIterator<[number, number, number, number, number, number, number | null, number, number | null, number | null, number]>;
    this.#inSeqOrder(rows, (r) => r[0], (r) => row(r.slice(1) as Parameters<typeof row>[0]), (block) => {
      for (let i = 0; i < block.count; i++) row(block.fact(i));
    });
    return n;
  }

  async consentEventsOf(subject: SubjectKey): Promise<StoredConsentEvent[]> {
    this.#consentsOf ??= this.db.prepare('SELECT e.*, k.key FROM subject_keys k JOIN consent_events e ON e.ordinal = k.ordinal WHERE k.key = ? ORDER BY e.seq');
    const rows = this.#consentsOf.all(subject) as ConsentRow[];
    if (this.#blocks.any()) {
      this.#ordinalByKey ??= this.db.prepare('SELECT ordinal FROM subject_keys WHERE key = ?').pluck();
      const key = Buffer.from(subject.buffer, subject.byteOffset, subject.byteLength);
      const ordinal = this.#ordinalByKey.get(key) as number | undefined;
      if (ordinal !== undefined) rows.push(...this.#blocks.ofOrdinal(ordinal, key));
      rows.sort((a, b) => a.seq - b.seq);
    }
    return rows.map((r) => storedConsentFromRow(r, this.#dict));
  }

  /** Visits rows (in seq order) and blocks' events merged in seq order. */
  #inSeqOrder<R>(rows: Iterable<R>, seqOf: (r: R) => number, onRow: (r: R) => void, onBlock: (b: ConsentBlock) => void): void {
    const firsts = this.#blocks.firstSeqs();
    let k = 0;
    for (const r of rows) {
      const seq = seqOf(r);
      while (k < firsts.length && firsts[k]! < seq) onBlock(this.#blocks.block(firsts[k++]!));
      onRow(r);
    }
    while (k < firsts.length) onBlock(this.#blocks.block(firsts[k++]!));
  }

  // --- objections ----------------------------------------------------------------------------

  async appendObjection(o: Objection): Promise<PutResult> {
    const subjects = this.#subjectsFor(1);
    const write = this.db.transaction((): PutResult => {
      let ordinal = subjects.ordinalOf(o.subject);
      if (ordinal < 0) ordinal = subjects.add(o.subject);
      if (this.db.prepare('SELECT 1 FROM objections WHERE controller = ? AND objection_id = ?').get(o.controller, o.id)) return 'unchanged';
      const leaf = this.#leaf(objectionEntry(o));
      this.db.prepare('INSERT INTO objections (controller, objection_id, ordinal, scope, source, at, leaf) VALUES (?, ?, ?, ?, ?, ?, ?)').run(o.controller, o.id, ordinal, o.scope, o.source, o.at, leaf);
      return 'created';
    });
    try {
      return write();
    } catch (err) {
      subjects.rolledBack();
      throw err;
    }
  }

  async eachObjection(visit: (o: Objection & { ordinal: number }) => void): Promise<number> {
    const stmt = this.db.prepare('SELECT o.*, s.key FROM objections o JOIN subjects s ON s.ordinal = o.ordinal ORDER BY o.seq');
    let n = 0;
    for (const r of stmt.iterate() as IterableIterator<{ controller: string; objection_id: string; ordinal: number; scope: string; source: string; at: number; key: Buffer }>) {
      visit({ id: r.objection_id, controller: r.controller, subject: r.key, scope: r.scope as ObjectionScope, at: r.at, source: r.source as Objection['source'], ordinal: r.ordinal });
      n++;
    }
    return n;
  }

  // --- transfers -----------------------------------------------------------------------------

  async recordTransfer(
    t: CommittedTransfer,
    subjects: { keys: Uint8Array; allowed: Uint8Array; reasons?: TransferReasons },
  ): Promise<{ transfer: StoredTransfer; created: boolean }> {
    const existing = await this.getTransfer(t.id);
    if (existing) return { transfer: existing, created: false };
    const index = this.#keyIndex();
    const startCount = this.#subjectCount;
    try {
      return this.db.transaction(() => {
        const links = transferLinks(subjects.keys, subjects.allowed, subjects.reasons, index, this.#subjectCount);
        this.#subjectCount += links.added;
        for (let j = 0; j < links.added; j++) this.#insertSubject(links.first + j, links.fresh.subarray(j * SUBJECT_KEY_BYTES, (j + 1) * SUBJECT_KEY_BYTES));
        const leaf = this.#leaf(transferEntry(t));
        const { num } = this.db
          .prepare('INSERT INTO transfers (id, decided_at, body, leaf, num) VALUES (?, ?, ?, ?, (SELECT coalesce(max(num), 0) + 1 FROM transfers)) RETURNING num')
          .get(t.id, t.decidedAt, canonicalJson(t), leaf) as { num: number };
        this.#linkInsert ??= this.db.prepare('INSERT INTO transfer_link_blocks (transfer, bucket, body) VALUES (?, ?, ?)');
        for (const b of linkBlocks(links.ordinals, links.allowed, links.reasons, (why) => this.#dict.code('list', why))) this.#linkInsert.run(num, b.bucket, b.body);
        return { transfer: { ...t, leaf }, created: true };
      })();
    } catch (err) {
      this.#keys = null;
      this.#subjectCount = startCount;
      throw err;
    }
  }

  async getTransfer(id: string): Promise<StoredTransfer | null> {
    const r = this.db.prepare('SELECT body, leaf FROM transfers WHERE id = ?').get(id) as { body: string; leaf: number } | undefined;
    return r ? { ...(JSON.parse(r.body) as CommittedTransfer), leaf: r.leaf } : null;
  }

  async listTransfers(): Promise<StoredTransfer[]> {
    return (this.db.prepare('SELECT body, leaf FROM transfers ORDER BY decided_at, id').all() as { body: string; leaf: number }[]).map((r) => ({ ...(JSON.parse(r.body) as CommittedTransfer), leaf: r.leaf }));
  }

  async transferSubjects(id: string): Promise<{ keys: Uint8Array; allowed: Uint8Array }> {
    const links = this.#lineage.linksOf(id);
    const keys = new Uint8Array(links.ordinals.length * SUBJECT_KEY_BYTES);
    const key = this.db.prepare('SELECT key FROM subjects WHERE ordinal = ?').pluck();
    const range = this.db.prepare('SELECT ordinal, key FROM subjects WHERE ordinal >= ? AND ordinal <= ?').raw(true);
    // The links come in ordinal order: their keys in a few range reads where the ordinals are close.
    for (let k = 0; k < links.ordinals.length; ) {
      const lo = links.ordinals[k]!;
      let end = k;
      while (end + 1 < links.ordinals.length && links.ordinals[end + 1]! - lo < 4 * (end + 1 - k) + 64) end++;
      if (end === k) keys.set(key.get(lo) as Buffer, k * SUBJECT_KEY_BYTES);
      else {
        let j = k;
        for (const [o, kb] of range.iterate(lo, links.ordinals[end]!) as IterableIterator<[number, Buffer]>) {
          if (o === links.ordinals[j]) keys.set(kb, j++ * SUBJECT_KEY_BYTES);
        }
        if (j !== end + 1) throw new Error(`transfer ${id} links a subject the store does not hold`);
      }
      k = end + 1;
    }
    return sortedByKey(keys, links.allowed);
  }

  async putSubjectSet(id: string, set: SubjectSetBlocks): Promise<PutResult> {
    return this.#subjectSets.put(id, set);
  }

  async subjectSetBlock(id: string, key: Uint8Array, side: 'at' | 'after'): Promise<SubjectBlockRead> {
    return this.#subjectSets.block(id, key, side);
  }

  // --- lineage and rights ------------------------------------------------------------------------

  async recordDerivation(d: Derivation, ordinals: Int32Array): Promise<{ derivation: StoredDerivation; created: boolean }> {
    return this.#lineage.recordDerivation(d, ordinals);
  }

  async getDerivation(id: string): Promise<StoredDerivation | null> {
    return this.#lineage.getDerivation(id);
  }

  async listDerivations(): Promise<StoredDerivation[]> {
    return this.#lineage.listDerivations();
  }

  async deliveredSubjects(transferIds: readonly string[]): Promise<Set<number>> {
    return this.#lineage.deliveredSubjects(transferIds);
  }

  async subjectHistory(subject: SubjectKey): Promise<SubjectHistory | null> {
    // One indexed read: answering about one person must not load every key into memory first.
    this.#ordinalByKey ??= this.db.prepare('SELECT ordinal FROM subject_keys WHERE key = ?').pluck();
    const ordinal = this.#ordinalByKey.get(Buffer.from(subject.buffer, subject.byteOffset, subject.byteLength)) as number | undefined;
    if (ordinal === undefined) return null;
    const objections: (Objection & { leaf: number })[] = [];
    this.#objectionsOf ??= this.db.prepare('SELECT * FROM objections WHERE ordinal = ? ORDER BY seq');
    const rows = this.#objectionsOf.all(ordinal) as { controller: string; objection_id: string; scope: string; source: string; at: number; leaf: number }[];
    for (const r of rows) objections.push({ id: r.objection_id, controller: r.controller, subject, scope: r.scope as ObjectionScope, at: r.at, source: r.source as Objection['source'], leaf: r.leaf });
    return {
      consents: await this.consentEventsOf(subject),
      objections,
      transfers: this.#lineage.transfersOf(ordinal),
      derivations: this.#lineage.derivationsOf(ordinal),
      rights: this.#lineage.rightsOf(ordinal),
    };
  }

  async recordRightsRequest(r: RightsRequest, notices: readonly { holder: string; due: number }[]): Promise<{ request: StoredRightsRequest; created: boolean }> {
    const ordinal = (await this.subjectOrdinals(Buffer.from(r.subject, 'hex')))[0]!;
    if (ordinal < 0) throw new Error('a rights request needs a subject known to the store');
    return this.#lineage.recordRightsRequest(r, ordinal, notices);
  }

  async acknowledgeRights(requestId: string, holder: string, at: number): Promise<'created' | 'unchanged' | 'not-yours'> {
    return this.#lineage.acknowledgeRights(requestId, holder, at);
  }

  async listRightsNotices(filter: { holder?: string; controller?: string } = {}): Promise<RightsNotice[]> {
    return this.#lineage.listRightsNotices(filter);
  }

  async listRightsRequests(): Promise<StoredRightsRequest[]> {
    return (this.db.prepare('SELECT body, leaf FROM rights_requests ORDER BY at, id').all() as { body: string; leaf: number }[]).map((r) => ({ ...(JSON.parse(r.body) as RightsRequest), leaf: r.leaf }));
  }

  // --- reported transfers ----------------------------------------------------------------------

  async recordTransferReport(r: TransferReport, keys: Uint8Array | null): Promise<{ report: StoredTransferReport; created: boolean }> {
    const existing = this.db.prepare('SELECT body, leaf FROM transfer_reports WHERE id = ?').get(r.id) as { body: string; leaf: number } | undefined;
    if (existing) return { report: { ...(JSON.parse(existing.body) as TransferReport), leaf: existing.leaf }, created: false };
    const n = keys === null ? 0 : keys.length / SUBJECT_KEY_BYTES;
    if (!Number.isInteger(n)) throw new Error('transfer report subjects must be 32-byte keys');
    const subjects = this.#subjectsFor(n);
    try {
      return this.db.transaction(() => {
        const leaf = this.#leaf(transferReportEntry(r));
        this.db.prepare('INSERT INTO transfer_reports (id, at, body, leaf) VALUES (?, ?, ?, ?)').run(r.id, r.request.at, canonicalJson(r), leaf);
        const link = this.db.prepare('INSERT OR IGNORE INTO transfer_report_subjects (report, ordinal) VALUES (?, ?)');
        for (let i = 0; i < n; i++) {
          const key = keys!.subarray(i * SUBJECT_KEY_BYTES, (i + 1) * SUBJECT_KEY_BYTES);
          let ordinal = subjects.ordinalOf(key);
          if (ordinal < 0) ordinal = subjects.add(key);
          link.run(r.id, ordinal);
        }
        return { report: { ...r, leaf }, created: true };
      })();
    } catch (err) {
      subjects.rolledBack();
      throw err;
    }
  }

  async listTransferReports(): Promise<StoredTransferReport[]> {
    return (this.db.prepare('SELECT body, leaf FROM transfer_reports ORDER BY at, id').all() as { body: string; leaf: number }[]).map((r) => ({ ...(JSON.parse(r.body) as TransferReport), leaf: r.leaf }));
  }

  async transferReportSubjects(id: string): Promise<Uint8Array> {
    const rows = this.db
      .prepare('SELECT s.key FROM transfer_report_subjects t JOIN subjects s ON s.ordinal = t.ordinal WHERE t.report = ? ORDER BY s.key')
      .raw(true)
      .all(id) as [Buffer][];
    const keys = new Uint8Array(rows.length * SUBJECT_KEY_BYTES);
    rows.forEach(([k], i) => keys.set(k, i * SUBJECT_KEY_BYTES));
    return keys;
  }

  // --- API keys and idempotency -----------------------------------------------------------------

  async putApiKey(key: ApiKey, secretHash: Uint8Array): Promise<void> {
    this.db
      .prepare('INSERT INTO api_keys (id, organisation, role, secret_hash, label, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(key.id, key.organisation, key.role, Buffer.from(secretHash), key.label, key.createdAt, key.revokedAt);
  }

  async findApiKey(secretHash: Uint8Array): Promise<ApiKey | null> {
    const r = this.db.prepare('SELECT * FROM api_keys WHERE secret_hash = ?').get(Buffer.from(secretHash)) as ApiKeyRow | undefined;
    return r ? apiKeyFromRow(r) : null;
  }

  async listApiKeys(organisation?: string): Promise<ApiKey[]> {
    const rows = (organisation === undefined
      ? this.db.prepare('SELECT * FROM api_keys ORDER BY created_at, id').all()
      : this.db.prepare('SELECT * FROM api_keys WHERE organisation = ? ORDER BY created_at, id').all(organisation)) as ApiKeyRow[];
    return rows.map(apiKeyFromRow);
  }

  async revokeApiKey(id: string, at: number): Promise<boolean> {
    return this.db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(at, id).changes === 1;
  }


  #idempotencyStatements(): IdempotencyStatements {
    if (this.#idempotency) return this.#idempotency;
    const get = this.db.prepare<[string, string]>('SELECT request_hash, status, response FROM idempotency WHERE api_key = ? AND key = ?');
    const put = this.db.prepare<[string, string, string, number, string, number]>(
      'INSERT INTO idempotency (api_key, key, request_hash, status, response, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
    );
    return (this.#idempotency = {
      get,
      put,
      getMany: this.db.transaction((keys: readonly IdempotencyKey[]) => keys.map((k) => idempotentResponse(get.get(k.apiKey, k.key) as IdempotentRow))),
      putMany: this.db.transaction((records: readonly IdempotentRecord[], at: number) => {
        for (const r of records) put.run(r.apiKey, r.key, r.requestHash, r.status, r.response, at);
      }),
    });
  }

  async getIdempotent(apiKey: string, key: string): Promise<IdempotentResponse | null> {
    return idempotentResponse(this.#idempotencyStatements().get.get(apiKey, key) as IdempotentRow);
  }

  async getIdempotentMany(keys: readonly IdempotencyKey[]): Promise<(IdempotentResponse | null)[]> {
    return this.#idempotencyStatements().getMany(keys);
  }

  async putIdempotent(apiKey: string, key: string, r: IdempotentResponse): Promise<void> {
    this.#idempotencyStatements().put.run(apiKey, key, r.requestHash, r.status, r.response, Date.now());
  }

  async putIdempotentMany(records: readonly IdempotentRecord[]): Promise<void> {
    this.#idempotencyStatements().putMany(records, Date.now());
  }

  // --- bulk load -----------------------------------------------------------------------------

  async bulkLoad<T>(load: () => Promise<T>, expected: { readonly subjects?: number } = {}): Promise<T> {
    if ((await this.stats()).consentEvents > 0) throw new Error('bulkLoad needs a store without consent events');
    // Building the indexes once, sorted, at the end is several times faster than keeping
    // them up to date row by row; DDL is transactional in SQLite, so a failure undoes it too.
    // The subjects the load adds are filed by key at its end in the same way (#fileBulkKeys).
    const indexes = (this.db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('subjects', 'consent_events') AND sql IS NOT NULL").all() as { name: string; sql: string }[]);
    // With a rollback journal, pages added past the end of the file are written once; in WAL mode
    // every page of the load would be written to the WAL and then again into the file. Switching
    // needs no other connection on the file; when one is there the load stays in WAL mode.
    const journal = this.#journalMode('delete');
    this.db.exec('BEGIN IMMEDIATE');
    try {
      for (const ix of indexes) this.db.exec(`DROP INDEX ${ix.name}`);
      this.#bulk = true;
      this.#bulkKeys = [];
      this.#blockRanges = new BlockRanges();
      if (expected.subjects) this.#keyIndex().reserve(this.#subjectCount + expected.subjects);
      const result = await load();
      this.#bulk = false;
      try {
        this.#fileBulkKeys();
        for (const ix of indexes) this.db.exec(ix.sql);
        this.#rowsNotInBlocks();
      } catch (err) {
        throw new UserError('conflict', `the load repeats an event id or subject (${(err as Error).message}); nothing was stored`);
      }
      this.db.exec('COMMIT');
      return result;
    } catch (err) {
      this.#bulk = false;
      this.#bulkKeys = [];
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      this.#blocks.forget();
      this.#dict.reload();
      this.#keys = null;
      this.#subjectCount = 0;
      throw err;
    } finally {
      if (journal !== 'wal') this.#journalMode('wal');
    }
  }

  /** Throws when an event the load stored as a row has the id of one it kept in a block. */
  #rowsNotInBlocks(): void {
    if (!this.#blocks.any()) return;
    const byController = new Map<number, string[]>();
    for (const [controller, id] of this.db.prepare('SELECT controller, event_id FROM consent_events').raw(true).iterate() as IterableIterator<[number, string]>) {
      let ids = byController.get(controller);
      if (ids === undefined) byController.set(controller, (ids = []));
      ids.push(id);
    }
    for (const [controller, ids] of byController) {
      const [id] = this.#blocks.findIds(controller, ids).keys();
      if (id !== undefined) throw new Error(`event id "${id}" is stored twice`);
    }
  }

  /** Sets the journal mode if SQLite lets it (it refuses while other connections use the WAL); returns the mode in force. */
  #journalMode(mode: 'wal' | 'delete'): string {
    try {
      return String(this.db.pragma(`journal_mode = ${mode}`, { simple: true })).toLowerCase();
    } catch {
      return String(this.db.pragma('journal_mode', { simple: true })).toLowerCase();
    }
  }

  // --- import runs ---------------------------------------------------------------------------

  async beginImport(controller: string, fileSha256: string, totalRows: number): Promise<ImportRun> {
    const open = this.db
      .prepare("SELECT * FROM import_runs WHERE controller = ? AND file_sha256 = ? AND state = 'running' ORDER BY id DESC LIMIT 1")
      .get(controller, fileSha256) as RunRow | undefined;
    if (open) return runFromRow(open);
    const r = this.db
      .prepare("INSERT INTO import_runs (controller, file_sha256, total_rows, state, started_at) VALUES (?, ?, ?, 'running', ?)")
      .run(controller, fileSha256, totalRows, Date.now());
    return { id: Number(r.lastInsertRowid), controller, fileSha256, totalRows, committedLine: 0, state: 'running' };
  }

  async finishImport(runId: number): Promise<void> {
    this.db.prepare("UPDATE import_runs SET state = 'done' WHERE id = ?").run(runId);
  }
}
