/**
 * Facts as columnar in-memory indexes: what the decision reads, built once by streaming
 * the store's rows and appended to as new events arrive.
 */
import { PURPOSES } from '../domain/purposes.ts';
import {
  COLLECTION_METHODS,
  CONSENT_STATUSES,
  CONSENT_TYPES,
  OBJECTION_SCOPES,
  type Agreement,
  type CollectionMethod,
  type ConsentEvent,
  type ConsentStatus,
  type ConsentType,
  type Notice,
  type Objection,
  type ObjectionScope,
  type OrgId,
  type Organisation,
  type PurposeId,
} from '../domain/types.ts';

/** One row per (consent event, purpose). Arrays may be longer than the row count. */
export interface ConsentColumns {
  readonly subject: Int32Array;
  /** Index into the interned organisation ids (Facts.orgAt). */
  readonly controller: Int32Array;
  /** Index into PURPOSES. */
  readonly purpose: Uint8Array;
  /** Index into CONSENT_STATUSES. */
  readonly status: Uint8Array;
  /** Epoch ms. */
  readonly at: Float64Array;
  /** Epoch ms; NaN = no expiry. */
  readonly expiresAt: Float64Array;
  /** Index into the interned notice hashes (Facts.noticeHashAt); -1 = none. */
  readonly notice: Int32Array;
  /** Index of the interned recipient set (Facts.recipientSet). */
  readonly recipients: Int32Array;
  /** Index into COLLECTION_METHODS; -1 = none. */
  readonly method: Int8Array;
  /** Index into CONSENT_TYPES. */
  readonly consentType: Uint8Array;
}

export interface ObjectionColumns {
  readonly subject: Int32Array;
  readonly controller: Int32Array;
  /** Index into OBJECTION_SCOPES. */
  readonly scope: Uint8Array;
  readonly at: Float64Array;
}

/** A consent row decoded back into domain words (for the reference evaluator and debugging). */
export interface ConsentRow {
  readonly subject: number;
  readonly controller: OrgId;
  readonly purpose: PurposeId;
  readonly status: ConsentStatus;
  readonly at: number;
  readonly expiresAt: number | null;
  readonly notice: string | null;
  readonly recipients: readonly OrgId[];
  readonly method: CollectionMethod | null;
  readonly consentType: ConsentType;
  /** Insertion order: later rows win ties on `at`. */
  readonly seq: number;
}

export interface ObjectionRow {
  readonly subject: number;
  readonly controller: OrgId;
  readonly scope: ObjectionScope;
  readonly at: number;
  readonly seq: number;
}

/** The read side, as the evaluators see it. */
export interface Facts {
  readonly organisations: ReadonlyMap<OrgId, Organisation>;
  readonly notices: ReadonlyMap<string, Notice>;
  readonly agreements: readonly Agreement[];
  /** 1 + the highest subject ordinal seen (or reserved). */
  readonly subjectCount: number;
  readonly consentCount: number;
  readonly objectionCount: number;
  /** Read afresh for each use: the arrays are replaced when they grow. */
  readonly consents: ConsentColumns;
  readonly objections: ObjectionColumns;
  /** Index of an organisation id among interned ones; -1 when never seen. */
  orgIndex(id: OrgId): number;
  orgAt(index: number): OrgId;
  /** Interned recipient set: sorted, distinct organisation indices. */
  recipientSet(index: number): Int32Array;
  readonly recipientSetCount: number;
  noticeHashAt(index: number): string;
  readonly noticeHashCount: number;
  consentRow(i: number): ConsentRow;
  objectionRow(i: number): ObjectionRow;
}

const indexOf = <T extends string>(values: readonly T[]): Map<string, number> => new Map(values.map((v, i) => [v, i]));
const PURPOSE_INDEX = indexOf(PURPOSES.map((p) => p.id));
const STATUS_INDEX = indexOf(CONSENT_STATUSES);
const METHOD_INDEX = indexOf(COLLECTION_METHODS);
const TYPE_INDEX = indexOf(CONSENT_TYPES);
const SCOPE_INDEX = indexOf(OBJECTION_SCOPES);

export const PURPOSE_COUNT = PURPOSES.length;

export function purposeIndex(id: PurposeId): number {
  return PURPOSE_INDEX.get(id) ?? -1;
}

function grown<T extends Int32Array | Uint8Array | Int8Array | Float64Array>(a: T, capacity: number): T {
  const out = new (a.constructor as new (n: number) => T)(capacity);
  out.set(a);
  return out;
}

function lookup(index: Map<string, number>, value: string, what: string): number {
  const i = index.get(value);
  if (i === undefined) throw new RangeError(`unknown ${what} "${value}"`);
  return i;
}

function checkOrdinal(ordinal: number): void {
  if (!Number.isInteger(ordinal) || ordinal < 0 || ordinal > 0x7fffffff) throw new RangeError(`bad subject ordinal ${ordinal}`);
}

/**
 * The consent rows and interned values of a FactsBuilder, as plain columns: what a snapshot
 * needs to rebuild the same builder without reading every row from the store again.
 * Organisations, notices, agreements and objections are not included (they are few).
 */
export interface ConsentColumnsExport {
  readonly subjectCount: number;
  readonly consentCount: number;
  /** Arrays of at least `consentCount` rows. */
  readonly consents: ConsentColumns;
  readonly orgIds: readonly OrgId[];
  readonly noticeHashes: readonly string[];
  /** Interned recipient sets in index order; set 0 is the empty set. */
  readonly recipientSets: readonly Int32Array[];
}

// The least and greatest of a[0..n) ({0, -1} for no rows): one function per array type, so each
// loop stays monomorphic.
function rangeI32(a: Int32Array, n: number): { min: number; max: number } {
  let min = n > 0 ? a[0]! : 0;
  let max = n > 0 ? min : -1;
  for (let i = 1; i < n; i++) {
    const v = a[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}
function rangeU8(a: Uint8Array, n: number): { min: number; max: number } {
  let max = n > 0 ? 0 : -1;
  for (let i = 0; i < n; i++) if (a[i]! > max) max = a[i]!;
  return { min: 0, max };
}
function rangeI8(a: Int8Array, n: number): { min: number; max: number } {
  let min = n > 0 ? a[0]! : 0;
  let max = n > 0 ? min : -1;
  for (let i = 1; i < n; i++) {
    const v = a[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}
/** The first row whose value is outside [lo, hi) (for the error message). */
function firstOutside(a: ArrayLike<number>, n: number, lo: number, hi: number): number {
  for (let i = 0; i < n; i++) if (!(a[i]! >= lo && a[i]! < hi)) return i;
  return -1;
}

/** What a consent row's codes are made from: the event less its id, subject and times. */
export type ConsentValues = Pick<ConsentEvent, 'controller' | 'purposes' | 'status' | 'notice' | 'recipients' | 'method' | 'consentType'>;

/** A consent event's values as the rows store them (see FactsBuilder.consentValueCodes). */
export interface ConsentValueCodes {
  readonly controller: number;
  readonly purposes: readonly number[];
  readonly status: number;
  readonly notice: number;
  readonly recipients: number;
  readonly method: number;
  readonly consentType: number;
}

/** Builds and holds the facts. Appends are cheap: no allocation per row beyond interning new values. */
export class FactsBuilder implements Facts {
  readonly organisations = new Map<OrgId, Organisation>();
  readonly notices = new Map<string, Notice>();
  readonly agreements: Agreement[] = [];
  #subjectCount = 0;
  #consentCount = 0;
  #objectionCount = 0;
  #consents: ConsentColumns;
  #objections: ObjectionColumns;

  readonly #orgIndex = new Map<OrgId, number>();
  readonly #orgIds: OrgId[] = [];
  readonly #noticeIndex = new Map<string, number>();
  readonly #noticeHashes: string[] = [];
  readonly #sets: Int32Array[] = [];
  /** Recipient-set hash → indices of sets with that hash. */
  readonly #setBuckets = new Map<number, number[]>();
  #scratch = new Int32Array(16);

  constructor(capacity = 1024) {
    const n = Math.max(16, capacity);
    this.#consents = {
      subject: new Int32Array(n),
      controller: new Int32Array(n),
      purpose: new Uint8Array(n),
      status: new Uint8Array(n),
      at: new Float64Array(n),
      expiresAt: new Float64Array(n),
      notice: new Int32Array(n),
      recipients: new Int32Array(n),
      method: new Int8Array(n),
      consentType: new Uint8Array(n),
    };
    this.#objections = { subject: new Int32Array(16), controller: new Int32Array(16), scope: new Uint8Array(16), at: new Float64Array(16) };
    this.#internSet(0); // INVARIANT: recipient set 0 is the empty set.
  }

  get subjectCount(): number {
    return this.#subjectCount;
  }
  get consentCount(): number {
    return this.#consentCount;
  }
  get objectionCount(): number {
    return this.#objectionCount;
  }
  get consents(): ConsentColumns {
    return this.#consents;
  }
  get objections(): ObjectionColumns {
    return this.#objections;
  }
  get recipientSetCount(): number {
    return this.#sets.length;
  }
  get noticeHashCount(): number {
    return this.#noticeHashes.length;
  }

  addOrganisation(o: Organisation): void {
    this.organisations.set(o.id, o);
    this.#internOrg(o.id);
  }

  addNotice(n: Notice): void {
    this.notices.set(n.hash, n);
    this.#internNotice(n.hash);
  }

  addAgreement(a: Agreement): void {
    this.agreements.push(a);
  }

  /** Makes ordinals 0..n-1 known even before any of them has a row. */
  reserveSubjects(n: number): void {
    if (n > this.#subjectCount) this.#subjectCount = n;
  }

  /** Appends one row per purpose of the event for subject `ordinal`. */
  addConsent(ordinal: number, e: ConsentEvent): void {
    checkOrdinal(ordinal);
    this.#addRows(ordinal, this.consentValueCodes(e), e.at, e.expiresAt === null ? Number.NaN : e.expiresAt);
  }

  /**
   * The codes addConsent stores for an event's values (interning new ones as it does), so that
   * many events sharing them are added with addConsentCoded without looking them up again.
   */
  consentValueCodes(e: ConsentValues): ConsentValueCodes {
    const status = lookup(STATUS_INDEX, e.status, 'consent status');
    const consentType = lookup(TYPE_INDEX, e.consentType, 'consent type');
    const method = e.method === null ? -1 : lookup(METHOD_INDEX, e.method, 'collection method');
    const controller = this.#internOrg(e.controller);
    const notice = e.notice === null ? -1 : this.#internNotice(e.notice);
    const recipients = this.#internRecipients(e.recipients);
    const purposes = e.purposes.map((p) => lookup(PURPOSE_INDEX, p, 'purpose'));
    return { controller, purposes, status, notice, recipients, method, consentType };
  }

  /** addConsent with its values' codes given (consentValueCodes); `expiresAt` NaN for none. */
  addConsentCoded(ordinal: number, v: ConsentValueCodes, at: number, expiresAt: number): void {
    checkOrdinal(ordinal);
    this.#addRows(ordinal, v, at, expiresAt);
  }

  #addRows(ordinal: number, v: ConsentValueCodes, at: number, expiresAt: number): void {
    const purposes = v.purposes;
    for (let k = 0; k < purposes.length; k++) {
      if (this.#consentCount === this.#consents.subject.length) this.#growConsents();
      const c = this.#consents;
      const i = this.#consentCount++;
      c.subject[i] = ordinal;
      c.controller[i] = v.controller;
      c.purpose[i] = purposes[k]!;
      c.status[i] = v.status;
      c.at[i] = at;
      c.expiresAt[i] = expiresAt;
      c.notice[i] = v.notice;
      c.recipients[i] = v.recipients;
      c.method[i] = v.method;
      c.consentType[i] = v.consentType;
    }
    if (ordinal >= this.#subjectCount) this.#subjectCount = ordinal + 1;
  }

  addObjection(ordinal: number, o: Objection): void {
    checkOrdinal(ordinal);
    const scope = lookup(SCOPE_INDEX, o.scope, 'objection scope');
    if (this.#objectionCount === this.#objections.subject.length) {
      const cap = this.#objections.subject.length * 2;
      const c = this.#objections;
      this.#objections = { subject: grown(c.subject, cap), controller: grown(c.controller, cap), scope: grown(c.scope, cap), at: grown(c.at, cap) };
    }
    const c = this.#objections;
    const i = this.#objectionCount++;
    c.subject[i] = ordinal;
    c.controller[i] = this.#internOrg(o.controller);
    c.scope[i] = scope;
    c.at[i] = o.at;
    if (ordinal >= this.#subjectCount) this.#subjectCount = ordinal + 1;
  }

  /** The consent rows and interned values (arrays are shared, not copied: do not modify them). */
  exportConsentColumns(): ConsentColumnsExport {
    return {
      subjectCount: this.#subjectCount,
      consentCount: this.#consentCount,
      consents: this.#consents,
      orgIds: this.#orgIds,
      noticeHashes: this.#noticeHashes,
      recipientSets: this.#sets,
    };
  }

  /**
   * A builder holding exactly the exported rows and interned values, in the same order; it
   * takes ownership of the arrays. Throws RangeError when the columns are inconsistent.
   */
  static fromConsentColumns(x: ConsentColumnsExport): FactsBuilder {
    const n = x.consentCount;
    const c = x.consents;
    const columns = [c.subject, c.controller, c.purpose, c.status, c.at, c.expiresAt, c.notice, c.recipients, c.method, c.consentType];
    if (!Number.isInteger(n) || n < 0 || columns.some((a) => a.length < n)) throw new RangeError('consent columns shorter than the row count');
    if (!Number.isInteger(x.subjectCount) || x.subjectCount < 0) throw new RangeError('bad subject count');
    const set0 = x.recipientSets[0];
    if (set0 === undefined || set0.length !== 0) throw new RangeError('recipient set 0 must be the empty set');
    const b = new FactsBuilder(16);
    for (const id of x.orgIds) if (b.#internOrg(id) !== b.#orgIds.length - 1) throw new RangeError(`organisation ${id} interned twice`);
    for (const h of x.noticeHashes) if (b.#internNotice(h) !== b.#noticeHashes.length - 1) throw new RangeError(`notice ${h} interned twice`);
    const orgs = b.#orgIds.length;
    for (let k = 1; k < x.recipientSets.length; k++) {
      const set = x.recipientSets[k]!;
      if (b.#scratch.length < set.length) b.#scratch = new Int32Array(set.length * 2);
      for (let j = 0; j < set.length; j++) {
        const v = set[j]!;
        if (!(v >= 0 && v < orgs) || (j > 0 && v <= set[j - 1]!)) throw new RangeError(`recipient set ${k} is not a sorted set of organisations`);
        b.#scratch[j] = v;
      }
      if (b.#internSet(set.length) !== k) throw new RangeError(`recipient set ${k} repeats another`);
    }
    // INVARIANT: every row refers to interned values only, so later reads cannot go out of range.
    const sets = b.#sets.length;
    const notices = b.#noticeHashes.length;
    // Column by column: a tight loop over each array (millions of rows read from a snapshot).
    const subjects = rangeI32(c.subject, n);
    if (subjects.min < 0) throw new RangeError(`consent row ${firstOutside(c.subject, n, 0, Infinity)}: bad subject`);
    const maxSubject = subjects.max;
    const within = (r: { min: number; max: number }, lo: number, hi: number): boolean => r.min >= lo && r.max < hi;
    const ranges: [ArrayLike<number>, { min: number; max: number }, number, number, string][] = [
      [c.controller, rangeI32(c.controller, n), 0, orgs, 'controller'],
      [c.purpose, rangeU8(c.purpose, n), 0, PURPOSE_COUNT, 'purpose'],
      [c.status, rangeU8(c.status, n), 0, CONSENT_STATUSES.length, 'status'],
      [c.notice, rangeI32(c.notice, n), -1, notices, 'notice'],
      [c.recipients, rangeI32(c.recipients, n), 0, sets, 'recipient set'],
      [c.method, rangeI8(c.method, n), -1, COLLECTION_METHODS.length, 'method'],
      [c.consentType, rangeU8(c.consentType, n), 0, CONSENT_TYPES.length, 'consent type'],
    ];
    for (const [a, r, lo, hi, what] of ranges) {
      if (!within(r, lo, hi)) throw new RangeError(`consent row ${firstOutside(a, n, lo, hi)}: bad ${what}`);
    }
    b.#consents = c;
    b.#consentCount = n;
    b.#subjectCount = Math.max(x.subjectCount, maxSubject + 1);
    return b;
  }

  orgIndex(id: OrgId): number {
    return this.#orgIndex.get(id) ?? -1;
  }
  orgAt(index: number): OrgId {
    const id = this.#orgIds[index];
    if (id === undefined) throw new RangeError(`no organisation #${index}`);
    return id;
  }
  recipientSet(index: number): Int32Array {
    const set = this.#sets[index];
    if (set === undefined) throw new RangeError(`no recipient set #${index}`);
    return set;
  }
  noticeHashAt(index: number): string {
    const hash = this.#noticeHashes[index];
    if (hash === undefined) throw new RangeError(`no notice #${index}`);
    return hash;
  }

  consentRow(i: number): ConsentRow {
    if (i < 0 || i >= this.#consentCount) throw new RangeError(`no consent row ${i}`);
    const c = this.#consents;
    const notice = c.notice[i]!;
    const method = c.method[i]!;
    const expiresAt = c.expiresAt[i]!;
    return {
      subject: c.subject[i]!,
      controller: this.orgAt(c.controller[i]!),
      purpose: PURPOSES[c.purpose[i]!]!.id,
      status: CONSENT_STATUSES[c.status[i]!]!,
      at: c.at[i]!,
      expiresAt: Number.isNaN(expiresAt) ? null : expiresAt,
      notice: notice < 0 ? null : this.noticeHashAt(notice),
      recipients: Array.from(this.recipientSet(c.recipients[i]!), (o) => this.orgAt(o)),
      method: method < 0 ? null : COLLECTION_METHODS[method]!,
      consentType: CONSENT_TYPES[c.consentType[i]!]!,
      seq: i,
    };
  }

  objectionRow(i: number): ObjectionRow {
    if (i < 0 || i >= this.#objectionCount) throw new RangeError(`no objection row ${i}`);
    const c = this.#objections;
    return { subject: c.subject[i]!, controller: this.orgAt(c.controller[i]!), scope: OBJECTION_SCOPES[c.scope[i]!]!, at: c.at[i]!, seq: i };
  }

  #growConsents(): void {
    const c = this.#consents;
    const cap = Math.max(16, c.subject.length * 2);
    this.#consents = {
      subject: grown(c.subject, cap),
      controller: grown(c.controller, cap),
      purpose: grown(c.purpose, cap),
      status: grown(c.status, cap),
      at: grown(c.at, cap),
      expiresAt: grown(c.expiresAt, cap),
      notice: grown(c.notice, cap),
      recipients: grown(c.recipients, cap),
      method: grown(c.method, cap),
      consentType: grown(c.consentType, cap),
    };
  }

  #internOrg(id: OrgId): number {
    let i = this.#orgIndex.get(id);
    if (i === undefined) {
      i = this.#orgIds.length;
      this.#orgIds.push(id);
      this.#orgIndex.set(id, i);
    }
    return i;
  }

  #internNotice(hash: string): number {
    let i = this.#noticeIndex.get(hash);
    if (i === undefined) {
      i = this.#noticeHashes.length;
      this.#noticeHashes.push(hash);
      this.#noticeIndex.set(hash, i);
    }
    return i;
  }

  /** Interns a recipient list as a sorted distinct set of org indices, hashed without allocating. */
  #internRecipients(recipients: readonly OrgId[]): number {
    if (recipients.length === 0) return 0;
    if (this.#scratch.length < recipients.length) this.#scratch = new Int32Array(recipients.length * 2);
    const s = this.#scratch;
    let n = 0;
    for (let k = 0; k < recipients.length; k++) {
      // Insertion sort with de-duplication: recipient lists are short.
      const v = this.#internOrg(recipients[k]!);
      let j = n - 1;
      while (j >= 0 && s[j]! > v) j--;
      if (j >= 0 && s[j] === v) continue;
      s.copyWithin(j + 2, j + 1, n);
      s[j + 1] = v;
      n++;
    }
    return this.#internSet(n);
  }

  /** Interns the first `n` scratch values (sorted, distinct). */
  #internSet(n: number): number {
    const s = this.#scratch;
    let h = 0x811c9dc5;
    for (let k = 0; k < n; k++) h = Math.imul(h ^ s[k]!, 0x01000193);
    const bucket = this.#setBuckets.get(h);
    if (bucket) {
      for (const index of bucket) {
        const set = this.#sets[index]!;
        if (set.length !== n) continue;
        let same = true;
        for (let k = 0; k < n && same; k++) same = set[k] === s[k];
        if (same) return index;
      }
    }
    const index = this.#sets.length;
    this.#sets.push(s.slice(0, n));
    if (bucket) bucket.push(index);
    else this.#setBuckets.set(h, [index]);
    return index;
  }
}
