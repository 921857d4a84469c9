/**
 * A block of the reference case ready for the store: consecutive registrants' consent events in
 * columns, each person keyed and each event's leaf hashed. Pure and independent of other blocks
 * (every registrant's data depends only on the seed and its ordinal), so blocks are built on
 * worker threads while the store writes the ones before.
 */
import { nativeSha256Into } from '../crypto/sha256.ts';
import { consentChoices, EVENT_SUFFIX, EVIDENCE, newConsentChoices, WITHDRAWAL_CHANNELS, type ConsentChoices } from '../demo/consent-events.ts';
import { DAY_MS, isoDate } from '../demo/iso-dates.ts';
import { NOTICE_IDS, NOTICES, ORG_IDS, TARGET_AREAS } from '../demo/reference-case.ts';
import { registrantRange, type Registrant } from '../demo/registrants.ts';
import { Rng } from '../demo/rng.ts';
import { HmacSha256Batch } from '../crypto/hmac-batch.ts';
import { identifierMaterial } from '../domain/identifiers.ts';
import { toNotice } from '../domain/notice.ts';
import { noticeInput } from '../domain/schemas.ts';
import { BULK_MIN_STORED_LEVEL } from '../ledger/append-batch.ts';
import { leafSubtreeBuffers, leafSubtrees } from '../ledger/leaf-subtrees.ts';
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
  /** Where the block's first event will fall in the log, when known: its leaves' subtrees are then hashed here. */
  readonly firstLeaf?: number;
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

/** The string a registrant's subject key is the HMAC of (as `consent import` derives it from a row). */
export function registrantMaterial(r: Registrant): string {
  const m = identifierMaterial({ email: r.email, name: r.name, postcode: r.postcode, dob: r.motherDob });
  if (!m.ok) throw new Error(`generated registrant ${r.id} has unusable identifiers (${m.field})`);
  return m.material;
}

/**
 * Builds one block; `noticeHash` defaults to the reference notices' (pass it to save rebuilding).
 *
 * The events are those `consent import` stores from the rows appendConsentEvents gives, written
 * straight into columns from the registrants' choices: no row or event object per event, and
 * each leaf's JSON put together from pieces quoted once (a test holds the result to that path).
 */
export function buildCaseLoadBlock(task: CaseLoadTask, noticeHash: ReadonlyMap<string, string> = collectorNoticeHashes()): CaseLoadBlock {
  // SubjectKeyer's HMAC, four keys at a time: the block's keys are all queued, then the events
  // (whose leaves name their subject's key) are built once the keys are in.
  const hmac = new HmacSha256Batch(task.secret);
  const rng = new Rng(task.seed);
  const n = task.count;
  const keys = new Uint8Array(n * 32);
  const flags = new Uint8Array(n);
  const targetArea = new Uint8Array(n);
  const cols = new CaseColumns(n * 2 + (n >> 4) + 16, noticeHash);
  const ids: string[] = new Array<string>(n);
  const registeredAt = new Float64Array(n);
  const web = new Uint8Array(n);
  const choices: ConsentChoices[] = new Array<ConsentChoices>(n);
  let i = 0;
  for (const reg of registrantRange(task.seed, task.first, n)) {
    hmac.addText(registrantMaterial(reg), keys, i * 32);
    ids[i] = reg.id;
    registeredAt[i] = reg.registeredAt;
    web[i] = reg.method === 'web-form' ? 1 : 0;
    choices[i] = consentChoices(reg, task.seed, rng, newConsentChoices());
    if (reg.childDobs.length > 0) flags[i] = RECORD_CHILD;
    if (TARGET_AREAS.has(postcodeArea(reg.postcode))) targetArea[i] = 1;
    i++;
  }
  if (i !== n) throw new RangeError(`registrants ${task.first}..${task.first + n - 1}: generated ${i}`);
  hmac.flush();
  const hex = Buffer.from(keys.buffer, keys.byteOffset, keys.byteLength).toString('hex');
  for (let r = 0; r < n; r++) cols.registrant(r, ids[r]!, registeredAt[r]!, web[r] === 1, choices[r]!, hex.slice(r * 64, r * 64 + 64));
  const events = cols.finish(keys);
  if (task.firstLeaf === undefined) return { first: task.first, keys, flags, targetArea, events };
  const subtrees = leafSubtrees(task.firstLeaf, events.leafHashes, events.count, BULK_MIN_STORED_LEVEL);
  return { first: task.first, keys, flags, targetArea, events: { ...events, leafSubtrees: subtrees } };
}

/** The letters a postcode starts with (its area): "LS" of "LS6 2AB". */
function postcodeArea(postcode: string): string {
  let end = 0;
  while (end < postcode.length && postcode.charCodeAt(end) >= 65 && postcode.charCodeAt(end) <= 90) end++;
  return postcode.slice(0, end);
}

/** The ArrayBuffers of a block, moved (not copied) between threads. */
export function caseLoadBlockBuffers(b: CaseLoadBlock): ArrayBuffer[] {
  const e = b.events;
  const arrays = [b.keys, b.flags, b.targetArea, e.controller, e.purposes, e.recipients, e.status, e.notice, e.method, e.consentType, e.evidence, e.eventIds.text, e.eventIds.ends, e.subject, e.at, e.expiresAt, e.leafHashes];
  const buffers = arrays.map((a) => a.buffer as ArrayBuffer);
  if (e.leafSubtrees !== undefined) buffers.push(...leafSubtreeBuffers(e.leafSubtrees));
  return [...new Set(buffers)];
}

const json = JSON.stringify;
const SVC = `-${EVENT_SUFFIX.service}`;
const MKT = `-${EVENT_SUFFIX.marketing}`;
const WD = `-${EVENT_SUFFIX.withdrawal}`;
const POL = `-${EVENT_SUFFIX.political}`;

/**
 * One of a column's few values: the string the store codes, and its JSON as a leaf writes it.
 * `block` and `code` remember its code in the block last built (blocks are built one at a time
 * on a thread), so coding a value is a field read rather than a lookup.
 */
interface Value {
  readonly text: string;
  readonly json: string;
  block: number;
  code: number;
}

const value = (text: string): Value => ({ text, json: json(text), block: -1, code: -1 });
const listValue = (xs: readonly string[]): Value => ({ text: joinList(xs), json: json(xs), block: -1, code: -1 });
let blocksBuilt = 0;

const CONTROLLER = value(ORG_IDS.collector);
const PURPOSE = { service: listValue(['service-provision']), marketing: listValue(['marketing']), political: listValue(['political-campaign']) };
const RECIPIENTS = { none: listValue([]), political: listValue([ORG_IDS.broker, ORG_IDS.party].sort()) };
const STATUS = { given: value('ConsentGiven'), refused: value('ConsentRefused'), withdrawn: value('ConsentWithdrawn') };
const METHOD = { web: value('web-form'), paper: value('paper-form'), email: value('email') };
const CONSENT_TYPE = { expressed: value('expressed'), explicit: value('explicit') };
const EVIDENCE_OF = { web: value(EVIDENCE.web), politicalWeb: value(EVIDENCE.politicalWeb), politicalEmail: value(EVIDENCE.politicalEmail) };
const WITHDRAWAL = WITHDRAWAL_CHANNELS.map(([method, evidence]) => ({ method: value(method), evidence: value(evidence) }));

// A leaf's JSON (consentLeafJson, keys in canonical order) in four pieces: what depends on the
// time and consent type, the event id, what depends on evidence, method and notice, and then
// purposes, recipients and status (one of a few) before the subject. A person's first two
// events share all but the id and the last piece.
const leafHead = (at: number, consentType: Value): string => `\u0000{"at":${at},"consentType":${consentType.json},"controller":${CONTROLLER.json},"event":"`;
const leafMiddle = (evidence: Value, method: Value, notice: Value): string =>
  `","evidence":${evidence.json},"expiresAt":null,"kind":"consent","method":${method.json},"notice":${notice.json},"purposes":`;
interface Outcome {
  readonly purposes: Value;
  readonly recipients: Value;
  readonly status: Value;
  readonly json: string;
}
const outcome = (purposes: Value, recipients: Value, status: Value): Outcome => ({
  purposes,
  recipients,
  status,
  json: `${purposes.json},"recipients":${recipients.json},"status":${status.json},"subject":"`,
});
const OUTCOME = {
  service: outcome(PURPOSE.service, RECIPIENTS.none, STATUS.given),
  marketing: outcome(PURPOSE.marketing, RECIPIENTS.none, STATUS.given),
  noMarketing: outcome(PURPOSE.marketing, RECIPIENTS.none, STATUS.refused),
  withdrawal: outcome(PURPOSE.marketing, RECIPIENTS.none, STATUS.withdrawn),
  political: outcome(PURPOSE.political, RECIPIENTS.political, STATUS.given),
};

/** A block's events in columns, each value's string coded once per block in order of first use. */
class CaseColumns {
  #cap: number;
  #n = 0;
  readonly #strings: string[] = [];
  readonly #block = blocksBuilt++;
  readonly #paperEvidence = new Map<number, Value>();
  #idText: Uint8Array;
  #idEnd = 0;
  #idEnds: Uint32Array;
  readonly #notice: { n1: Value; n2: Value; n2Arabic: Value };
  #int: Int32Array[];
  #subject: Uint32Array;
  #at: Float64Array;
  #hashes: Uint8Array;

  constructor(capacity: number, noticeHash: ReadonlyMap<string, string>) {
    const notice = (id: string): Value => {
      const h = noticeHash.get(id);
      if (h === undefined) throw new Error(`the reference case has no notice ${id}`);
      return value(h);
    };
    this.#notice = { n1: notice(NOTICE_IDS.n1), n2: notice(NOTICE_IDS.n2), n2Arabic: notice(NOTICE_IDS.n2Arabic) };
    this.#cap = Math.max(16, capacity);
    this.#int = Array.from({ length: 8 }, () => new Int32Array(this.#cap));
    this.#subject = new Uint32Array(this.#cap);
    this.#at = new Float64Array(this.#cap);
    this.#hashes = new Uint8Array(this.#cap * 32);
    this.#idText = new Uint8Array(this.#cap * 16);
    this.#idEnds = new Uint32Array(this.#cap);
  }

  #code(v: Value): number {
    if (v.block !== this.#block) {
      v.block = this.#block;
      v.code = this.#strings.push(v.text) - 1;
    }
    return v.code;
  }

  /** Registrant r's events, in the order appendConsentEvents gives them. */
  registrant(r: number, id: string, registeredAt: number, web: boolean, c: ConsentChoices, subjectHex: string): void {
    const method = web ? METHOD.web : METHOD.paper;
    const evidence = web ? EVIDENCE_OF.web : this.#paperBatch(registeredAt);
    const n1 = this.#notice.n1;
    const expressed = CONSENT_TYPE.expressed;
    // INVARIANT: the subject key's hex needs no JSON escaping.
    const end = `${subjectHex}"}`;
    const head = leafHead(registeredAt, expressed);
    const middle = leafMiddle(evidence, method, n1);
    this.#add(r, id + SVC, registeredAt, OUTCOME.service, n1, method, expressed, evidence, head, middle, end);
    this.#add(r, id + MKT, registeredAt, c.marketing ? OUTCOME.marketing : OUTCOME.noMarketing, n1, method, expressed, evidence, head, middle, end);
    const withdraws = !Number.isNaN(c.withdrawalAt);
    const optsIn = !Number.isNaN(c.politicalAt);
    if (withdraws && (!optsIn || c.withdrawalAt <= c.politicalAt)) this.#withdrawal(r, id, c, end);
    if (optsIn) {
      const at = wholeSeconds(c.politicalAt);
      const notice = c.arabic ? this.#notice.n2Arabic : this.#notice.n2;
      const via = c.politicalByEmail ? METHOD.email : METHOD.web;
      const why = c.politicalByEmail ? EVIDENCE_OF.politicalEmail : EVIDENCE_OF.politicalWeb;
      const explicit = CONSENT_TYPE.explicit;
      this.#add(r, id + POL, at, OUTCOME.political, notice, via, explicit, why, leafHead(at, explicit), leafMiddle(why, via, notice), end);
    }
    if (withdraws && optsIn && c.withdrawalAt > c.politicalAt) this.#withdrawal(r, id, c, end);
  }

  #withdrawal(r: number, id: string, c: ConsentChoices, end: string): void {
    const w = WITHDRAWAL[c.withdrawalChannel]!;
    const at = wholeSeconds(c.withdrawalAt);
    const n1 = this.#notice.n1;
    const expressed = CONSENT_TYPE.expressed;
    this.#add(r, id + WD, at, OUTCOME.withdrawal, n1, w.method, expressed, w.evidence, leafHead(at, expressed), leafMiddle(w.evidence, w.method, n1), end);
  }

  /** The paper batch's evidence names the day it was keyed in. */
  #paperBatch(registeredAt: number): Value {
    const day = Math.floor(registeredAt / DAY_MS);
    let v = this.#paperEvidence.get(day);
    if (v === undefined) this.#paperEvidence.set(day, (v = value(EVIDENCE.paperBatch + isoDate(day))));
    return v;
  }

  /** One event; its leaf is `head` + id + `middle` + the outcome's JSON + `end`. */
  #add(r: number, id: string, at: number, o: Outcome, notice: Value, method: Value, consentType: Value, evidence: Value, head: string, middle: string, end: string): void {
    if (this.#n === this.#cap) this.#grow();
    const k = this.#n++;
    const c = this.#int;
    c[0]![k] = this.#code(CONTROLLER);
    c[1]![k] = this.#code(o.purposes);
    c[2]![k] = this.#code(o.recipients);
    c[3]![k] = this.#code(o.status);
    c[4]![k] = this.#code(notice);
    c[5]![k] = this.#code(method);
    c[6]![k] = this.#code(consentType);
    c[7]![k] = this.#code(evidence);
    // INVARIANT: ids are ASCII ("ed-0000001-svc"), so each character is its one UTF-8 byte.
    if (this.#idEnd + id.length > this.#idText.length) this.#idText = grow(this.#idText, this.#idText.length * 2);
    for (let j = 0; j < id.length; j++) this.#idText[this.#idEnd++] = id.charCodeAt(j);
    this.#idEnds[k] = this.#idEnd;
    this.#subject[k] = r;
    this.#at[k] = at;
    // INVARIANT: ids need no JSON escaping ("ed-0000001-svc"). SHA-256(0x00 || UTF-8 of the
    // JSON): the head starts with U+0000, which encodes as the one byte 0x00.
    nativeSha256Into(head + id + middle + o.json + end, this.#hashes, k * 32);
  }

  #grow(): void {
    const cap = this.#cap * 2;
    this.#int = this.#int.map((a) => grow(a, cap));
    this.#subject = grow(this.#subject, cap);
    this.#at = grow(this.#at, cap);
    this.#hashes = grow(this.#hashes, cap * 32);
    this.#idEnds = grow(this.#idEnds, cap);
    this.#cap = cap;
  }

  finish(subjectKeys: Uint8Array): ConsentColumns {
    const n = this.#n;
    // Views, not copies: the columns were sized for the block (about two events a registrant),
    // and their buffers are moved to the writing thread whole.
    const cut = <A extends Int32Array | Uint32Array | Float64Array | Uint8Array>(a: A, size: number): A => a.subarray(0, size) as A;
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
      eventIds: { text: cut(this.#idText, this.#idEnd), ends: cut(this.#idEnds, n) },
      subject: cut(this.#subject, n),
      subjectKeys,
      at: cut(this.#at, n),
      expiresAt: new Float64Array(n).fill(Number.NaN),
      leafHashes: cut(this.#hashes, n * 32),
    };
  }
}

function grow<A extends Int32Array | Uint32Array | Float64Array | Uint8Array>(a: A, size: number): A {
  const b = new (a.constructor as new (n: number) => A)(size);
  b.set(a);
  return b;
}

/** The files give date-times to the second; an event is stored as its row is read. */
function wholeSeconds(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}
