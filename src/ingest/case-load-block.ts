/**
 * A block of the reference case ready for the store: consecutive registrants' consent events in
 * columns, each person keyed and each event's leaf hashed. Pure and independent of other blocks
 * (every registrant's data depends only on the seed and its ordinal), so blocks are built on
 * worker threads while the store writes the ones before.
 */
import { nativeSha256Into } from '../crypto/sha256.ts';
import { appendConsentEvents, type ImportRow } from '../demo/consent-events.ts';
import { NOTICES, ORG_IDS, TARGET_AREAS } from '../demo/reference-case.ts';
import { registrantRange } from '../demo/registrants.ts';
import { Rng } from '../demo/rng.ts';
import { HmacSha256Batch } from '../crypto/hmac-batch.ts';
import { identifierMaterial } from '../domain/identifiers.ts';
import { toNotice } from '../domain/notice.ts';
import { noticeInput } from '../domain/schemas.ts';
import type { ConsentEvent } from '../domain/types.ts';
import { consentLeafJson } from '../ledger/entries.ts';
import { RECORD_CHILD } from '../policy/record-flags.ts';
import { joinList } from '../store/row-mappers.ts';
import type { ConsentColumns } from '../store/store.ts';

export interface CaseLoadTask {
  readonly seed: number;
  /** Ordinal of the first registrant (1-based, as in the files). */
  readonly first: number;
  readonly count: number;
  /** The store's subject-key secret. */
  readonly secret: Uint8Array;
}

export interface CaseLoadBlock {
  readonly first: number;
  /** Registrants' subject keys in file order (count × 32 bytes). */
  readonly keys: Uint8Array;
  /** RECORD_CHILD where the registrant has a child's date of birth. */
  readonly flags: Uint8Array;
  /** 1 where the registrant lives in a target area. */
  readonly targetArea: Uint8Array;
  readonly events: ConsentColumns;
}

/** The collector's notices by id → content hash (what a stored event names). */
export function collectorNoticeHashes(): Map<string, string> {
  const out = new Map<string, string>();
  for (const n of NOTICES) {
    const notice = toNotice(noticeInput.parse(n));
    if (notice.controller === ORG_IDS.collector) out.set(notice.id, notice.hash);
  }
  return out;
}

/** The stored form of a generated event (what `consent import` would store from its row). */
export function caseEvent(row: ImportRow, subject: Uint8Array, noticeHash: ReadonlyMap<string, string>): ConsentEvent {
  const notice = noticeHash.get(row.notice);
  if (notice === undefined) throw new Error(`generated event ${row.event_id} names unknown notice ${row.notice}`);
  return {
    id: row.event_id,
    controller: ORG_IDS.collector,
    subject,
    purposes: row.purposes.length > 1 ? [...new Set(row.purposes)].sort() : row.purposes,
    recipients: row.recipients.length > 1 ? [...new Set(row.recipients)].sort() : row.recipients,
    status: row.status,
    notice,
    at: Date.parse(row.at),
    expiresAt: row.expires_at === null ? null : Date.parse(row.expires_at),
    method: row.method,
    consentType: row.consent_type,
    evidence: row.evidence === '' ? null : row.evidence,
  };
}

export function caseMaterial(row: ImportRow): string {
  const m = identifierMaterial({ email: row.email, name: row.name, postcode: row.postcode, dob: row.dob });
  if (!m.ok) throw new Error(`generated registrant ${row.event_id} has unusable identifiers (${m.field})`);
  return m.material;
}

/** Builds one block; `noticeHash` defaults to the reference notices' (pass it to save rebuilding). */
export function buildCaseLoadBlock(task: CaseLoadTask, noticeHash: ReadonlyMap<string, string> = collectorNoticeHashes()): CaseLoadBlock {
  // SubjectKeyer's HMAC, four keys at a time: the block's keys are all queued, then the events
  // (whose leaves name their subject's key) are built once the keys are in.
  const hmac = new HmacSha256Batch(task.secret);
  const rng = new Rng(task.seed);
  const n = task.count;
  const keys = new Uint8Array(n * 32);
  const flags = new Uint8Array(n);
  const targetArea = new Uint8Array(n);
  const cols = new ColumnBuilder(n * 3);
  const rowsOf: ImportRow[][] = [];
  let i = 0;
  for (const reg of registrantRange(task.seed, task.first, n)) {
    const rows: ImportRow[] = [];
    appendConsentEvents(reg, task.seed, rng, rows);
    if (rows.length > 0) hmac.addText(caseMaterial(rows[0]!), keys, i * 32);
    rowsOf.push(rows);
    if (reg.childDobs.length > 0) flags[i] = RECORD_CHILD;
    if (TARGET_AREAS.has(/^[A-Z]+/.exec(reg.postcode)?.[0] ?? '')) targetArea[i] = 1;
    i++;
  }
  if (i !== n) throw new RangeError(`registrants ${task.first}..${task.first + n - 1}: generated ${i}`);
  hmac.flush();
  for (let r = 0; r < n; r++) {
    const key = keys.subarray(r * 32, r * 32 + 32);
    for (const row of rowsOf[r]!) cols.add(caseEvent(row, key, noticeHash), r);
  }
  return { first: task.first, keys, flags, targetArea, events: cols.finish(keys) };
}

/** The ArrayBuffers of a block, moved (not copied) between threads. */
export function caseLoadBlockBuffers(b: CaseLoadBlock): ArrayBuffer[] {
  const e = b.events;
  const arrays = [b.keys, b.flags, b.targetArea, e.controller, e.purposes, e.recipients, e.status, e.notice, e.method, e.consentType, e.evidence, e.subject, e.at, e.expiresAt, e.leafHashes];
  return [...new Set(arrays.map((a) => a.buffer as ArrayBuffer))];
}

class ColumnBuilder {
  #cap: number;
  #n = 0;
  readonly #strings: string[] = [];
  readonly #codes = new Map<string, number>();
  readonly #ids: string[] = [];
  #int: Int32Array[];
  #subject: Uint32Array;
  #at: Float64Array;
  #expires: Float64Array;
  #hashes: Uint8Array;

  constructor(capacity: number) {
    this.#cap = Math.max(16, capacity);
    this.#int = Array.from({ length: 8 }, () => new Int32Array(this.#cap));
    this.#subject = new Uint32Array(this.#cap);
    this.#at = new Float64Array(this.#cap);
    this.#expires = new Float64Array(this.#cap);
    this.#hashes = new Uint8Array(this.#cap * 32);
  }

  #code(s: string | null): number {
    if (s === null) return -1;
    let c = this.#codes.get(s);
    if (c === undefined) {
      c = this.#strings.length;
      this.#strings.push(s);
      this.#codes.set(s, c);
    }
    return c;
  }

  #grow(): void {
    const cap = this.#cap * 2;
    const grow = <A extends Int32Array | Uint32Array | Float64Array | Uint8Array>(a: A, size: number): A => {
      const b = new (a.constructor as new (n: number) => A)(size);
      b.set(a);
      return b;
    };
    this.#int = this.#int.map((a) => grow(a, cap));
    this.#subject = grow(this.#subject, cap);
    this.#at = grow(this.#at, cap);
    this.#expires = grow(this.#expires, cap);
    this.#hashes = grow(this.#hashes, cap * 32);
    this.#cap = cap;
  }

  add(e: ConsentEvent, subject: number): void {
    if (this.#n === this.#cap) this.#grow();
    const k = this.#n++;
    const c = this.#int;
    c[0]![k] = this.#code(e.controller);
    c[1]![k] = this.#code(joinList(e.purposes));
    c[2]![k] = this.#code(joinList(e.recipients));
    c[3]![k] = this.#code(e.status);
    c[4]![k] = this.#code(e.notice);
    c[5]![k] = this.#code(e.method);
    c[6]![k] = this.#code(e.consentType);
    c[7]![k] = this.#code(e.evidence);
    this.#ids.push(e.id);
    this.#subject[k] = subject;
    this.#at[k] = e.at;
    this.#expires[k] = e.expiresAt ?? Number.NaN;
    // SHA-256(0x00 || UTF-8 of the leaf JSON): U+0000 encodes as the one byte 0x00.
    nativeSha256Into(`\u0000${consentLeafJson(e)}`, this.#hashes, k * 32);
  }

  finish(subjectKeys: Uint8Array): ConsentColumns {
    const n = this.#n;
    const cut = <A extends Int32Array | Uint32Array | Float64Array | Uint8Array>(a: A, size: number): A => a.slice(0, size) as A;
    const [controller, purposes, recipients, status, notice, method, consentType, evidence] = this.#int.map((a) => cut(a, n)) as [Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array];
    return {
      count: n,
      strings: this.#strings,
      controller,
      purposes,
      recipients,
      status,
      notice,
      method,
      consentType,
      evidence,
      eventIds: this.#ids,
      subject: cut(this.#subject, n),
      subjectKeys,
      at: cut(this.#at, n),
      expiresAt: cut(this.#expires, n),
      leafHashes: cut(this.#hashes, n * 32),
    };
  }
}
