/**
 * Lineage and rights on SQLite: derived datasets with the subjects in them, the transfers and
 * derivations that hold a subject, rights requests with a notice per downstream holder, and
 * acknowledgements. Rows only; the SqliteStore owns the connection and appends the leaves.
 */
import type Database from 'better-sqlite3';
import { canonicalJson } from '../../domain/canonical-json.ts';
import { derivationEntry, rightsAckEntry, rightsRequestEntry } from '../../ledger/entries.ts';
import type { LedgerEntry } from '../../ledger/ledger-entry.ts';
import type { Derivation, RightsKind, RightsNotice, RightsRequest, StoredDerivation, StoredRightsRequest, StoredTransfer, CommittedTransfer } from '../store.ts';
import type { SqliteDictionary } from './sqlite-dictionary.ts';
import { eachAllowed, eachLink, linkAt, LINK_BUCKET } from '../link-blocks.ts';
import { ordinalOrder } from '../transfer-links.ts';

export class SqliteLineage {
  readonly #db: Database.Database;
  readonly #leaf: (e: LedgerEntry) => number;
  readonly #dict: SqliteDictionary;
  /** The per-person reads (who-has, rights requests), prepared once: preparing costs more than running them. */
  readonly #prepared = new Map<string, Database.Statement>();
  readonly #transfers = new Map<number, StoredTransfer>();

  constructor(db: Database.Database, leaf: (e: LedgerEntry) => number, dict: SqliteDictionary) {
    this.#db = db;
    this.#leaf = leaf;
    this.#dict = dict;
  }

  recordDerivation(d: Derivation, ordinals: Int32Array): { derivation: StoredDerivation; created: boolean } {
    const existing = this.getDerivation(d.id);
    if (existing) return { derivation: existing, created: false };
    return this.#db.transaction(() => {
      const leaf = this.#leaf(derivationEntry(d));
      this.#db.prepare('INSERT INTO derivations (id, controller, body, leaf) VALUES (?, ?, ?, ?)').run(d.id, d.controller, canonicalJson(d), leaf);
      const link = this.#db.prepare('INSERT OR IGNORE INTO derivation_subjects (derivation, ordinal) VALUES (?, ?)');
      for (const o of ordinals) link.run(d.id, o);
      return { derivation: { ...d, leaf }, created: true };
    })();
  }

  getDerivation(id: string): StoredDerivation | null {
    const r = this.#db.prepare('SELECT body, leaf FROM derivations WHERE id = ?').get(id) as { body: string; leaf: number } | undefined;
    return r ? { ...(JSON.parse(r.body) as Derivation), leaf: r.leaf } : null;
  }

  listDerivations(): StoredDerivation[] {
    return (this.#db.prepare('SELECT body, leaf FROM derivations ORDER BY id').all() as { body: string; leaf: number }[]).map((r) => ({ ...(JSON.parse(r.body) as Derivation), leaf: r.leaf }));
  }

  deliveredSubjects(transferIds: readonly string[]): Set<number> {
    const out = new Set<number>();
    for (const id of transferIds) {
      const num = this.#transferNum(id);
      if (num === undefined) continue;
      for (const o of this.#stmt('SELECT ordinal FROM transfer_subjects WHERE transfer = ? AND allowed = 1').pluck().iterate(num) as IterableIterator<number>) out.add(o);
      for (const [bucket, body] of this.#stmt('SELECT bucket, body FROM transfer_link_blocks WHERE transfer = ?').raw(true).iterate(num) as IterableIterator<[number, Buffer]>) {
        eachAllowed(bucket, body, (o) => out.add(o));
      }
    }
    return out;
  }

  /** The number a transfer's links name it by. */
  #transferNum(id: string): number | undefined {
    return this.#stmt('SELECT num FROM transfers WHERE id = ?').pluck().get(id) as number | undefined;
  }

  /** A transfer's links in ordinal order: from its blocks, and from rows for links stored before blocks. */
  linksOf(transferId: string): { ordinals: Int32Array; allowed: Uint8Array } {
    const num = this.#transferNum(transferId);
    const ordinals: number[] = [];
    const allowed: number[] = [];
    if (num === undefined) return { ordinals: new Int32Array(0), allowed: new Uint8Array(0) };
    for (const [o, a] of this.#stmt('SELECT ordinal, allowed FROM transfer_subjects WHERE transfer = ? ORDER BY ordinal').raw(true).iterate(num) as IterableIterator<[number, number]>) {
      ordinals.push(o);
      allowed.push(a);
    }
    const rows = ordinals.length;
    for (const [bucket, body] of this.#stmt('SELECT bucket, body FROM transfer_link_blocks WHERE transfer = ? ORDER BY bucket').raw(true).iterate(num) as IterableIterator<[number, Buffer]>) {
      eachLink(bucket, body, (o, a) => {
        ordinals.push(o);
        allowed.push(a ? 1 : 0);
      });
    }
    const out = { ordinals: Int32Array.from(ordinals), allowed: Uint8Array.from(allowed) };
    if (rows === 0 || rows === ordinals.length) return out;
    // Both kinds for one transfer (not written today): merged into ordinal order.
    const order = ordinalOrder(out.ordinals);
    return { ordinals: Int32Array.from(order, (i) => out.ordinals[i]!), allowed: Uint8Array.from(order, (i) => out.allowed[i]!) };
  }

  #stmt(sql: string): Database.Statement {
    let st = this.#prepared.get(sql);
    if (st === undefined) this.#prepared.set(sql, (st = this.#db.prepare(sql)));
    return st;
  }

  /** Committed transfers that name this subject, with whether its records went and why not. */
  transfersOf(ordinal: number): { transfer: StoredTransfer; allowed: boolean; reasons: string[] }[] {
    // From the covering index alone; the few transfers themselves come from #transfer.
    const rows = this.#stmt('SELECT transfer, allowed, reasons FROM transfer_subjects WHERE ordinal = ?').all(ordinal) as { transfer: number; allowed: number; reasons: number | null }[];
    for (const [transfer, body] of this.#stmt('SELECT transfer, body FROM transfer_link_blocks WHERE bucket = ?').raw(true).iterate(Math.floor(ordinal / LINK_BUCKET)) as IterableIterator<[number, Buffer]>) {
      const link = linkAt(body, ordinal);
      if (link !== null) rows.push({ transfer, allowed: link.allowed ? 1 : 0, reasons: link.reasons });
    }
    return rows
      .map((r) => ({
        transfer: this.#transfer(r.transfer),
        allowed: r.allowed === 1,
        reasons: r.reasons === null ? [] : this.#dict.value(r.reasons).split(';').filter((x) => x !== ''),
      }))
      .sort((a, b) => a.transfer.decidedAt - b.transfer.decidedAt || (a.transfer.id < b.transfer.id ? -1 : a.transfer.id > b.transfer.id ? 1 : 0));
  }

  /** A committed transfer by number, parsed once: transfers never change, and every person in one shares it. */
  #transfer(num: number): StoredTransfer {
    let t = this.#transfers.get(num);
    if (t === undefined) {
      const r = this.#stmt('SELECT body, leaf FROM transfers WHERE num = ?').get(num) as { body: string; leaf: number } | undefined;
      if (r === undefined) throw new Error(`transfer number ${num} has subjects but no row`);
      this.#transfers.set(num, (t = { ...(JSON.parse(r.body) as CommittedTransfer), leaf: r.leaf }));
    }
    return t;
  }

  derivationsOf(ordinal: number): StoredDerivation[] {
    return (this.#stmt('SELECT d.body, d.leaf FROM derivation_subjects s JOIN derivations d ON d.id = s.derivation WHERE s.ordinal = ? ORDER BY d.id').all(ordinal) as { body: string; leaf: number }[]).map(
      (r) => ({ ...(JSON.parse(r.body) as Derivation), leaf: r.leaf }),
    );
  }

  rightsOf(ordinal: number): StoredRightsRequest[] {
    return (this.#stmt('SELECT body, leaf FROM rights_requests WHERE ordinal = ? ORDER BY at, id').all(ordinal) as { body: string; leaf: number }[]).map((r) => ({
      ...(JSON.parse(r.body) as RightsRequest),
      leaf: r.leaf,
    }));
  }

  recordRightsRequest(r: RightsRequest, ordinal: number, notices: readonly { holder: string; due: number }[]): { request: StoredRightsRequest; created: boolean } {
    const existing = this.#db.prepare('SELECT body, leaf FROM rights_requests WHERE id = ?').get(r.id) as { body: string; leaf: number } | undefined;
    if (existing) return { request: { ...(JSON.parse(existing.body) as RightsRequest), leaf: existing.leaf }, created: false };
    return this.#db.transaction(() => {
      const leaf = this.#leaf(rightsRequestEntry(r, notices));
      this.#db.prepare('INSERT INTO rights_requests (id, ordinal, controller, at, body, leaf) VALUES (?, ?, ?, ?, ?, ?)').run(r.id, ordinal, r.controller, r.at, canonicalJson(r), leaf);
      const notice = this.#db.prepare('INSERT INTO rights_notices (request, holder, due) VALUES (?, ?, ?)');
      for (const n of notices) notice.run(r.id, n.holder, n.due);
      return { request: { ...r, leaf }, created: true };
    })();
  }

  acknowledgeRights(requestId: string, holder: string, at: number): 'created' | 'unchanged' | 'not-yours' {
    if (!this.#db.prepare('SELECT 1 FROM rights_notices WHERE request = ? AND holder = ?').get(requestId, holder)) return 'not-yours';
    if (this.#db.prepare('SELECT 1 FROM rights_acks WHERE request = ? AND holder = ?').get(requestId, holder)) return 'unchanged';
    this.#db.transaction(() => {
      const leaf = this.#leaf(rightsAckEntry(requestId, holder, at));
      this.#db.prepare('INSERT INTO rights_acks (request, holder, at, leaf) VALUES (?, ?, ?, ?)').run(requestId, holder, at, leaf);
    })();
    return 'created';
  }

  listRightsNotices(filter: { holder?: string; controller?: string } = {}): RightsNotice[] {
    const where: string[] = [];
    const args: string[] = [];
    if (filter.holder !== undefined) {
      where.push('n.holder = ?');
      args.push(filter.holder);
    }
    if (filter.controller !== undefined) {
      where.push('r.controller = ?');
      args.push(filter.controller);
    }
    const rows = this.#db
      .prepare(
        `SELECT n.request, n.holder, n.due, r.controller, r.at, r.body, a.at AS acked FROM rights_notices n
         JOIN rights_requests r ON r.id = n.request LEFT JOIN rights_acks a ON a.request = n.request AND a.holder = n.holder
         ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY n.due, n.request, n.holder`,
      )
      .all(...args) as { request: string; holder: string; due: number; controller: string; at: number; body: string; acked: number | null }[];
    return rows.map((r) => ({
      request: r.request,
      kind: (JSON.parse(r.body) as { kind: RightsKind }).kind,
      controller: r.controller,
      holder: r.holder,
      at: r.at,
      due: r.due,
      acknowledgedAt: r.acked,
    }));
  }
}
