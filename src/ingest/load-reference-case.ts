/**
 * Loads the reference case (shared/case.md) into a store: organisations, notices, agreements,
 * and the synthetic registrants' consent events, generated on the fly from the seed.
 *
 * The events are exactly those `consent import` would store from the files that
 * `consentry demo --out` writes (a test holds the two paths to that), built directly rather
 * than through the row parser because this is the path that loads a million people.
 */
import { identifierMaterial } from '../domain/identifiers.ts';
import { toNotice } from '../domain/notice.ts';
import { agreementInput, noticeInput } from '../domain/schemas.ts';
import type { SubjectKeyer } from '../domain/subject-key.ts';
import type { Agreement, ConsentEvent, Notice } from '../domain/types.ts';
import { consentEventsFor, type ImportRow } from '../demo/consent-events.ts';
import { AGREEMENTS, DATASETS, DEFAULT_RECORDS, DEFAULT_SEED, NOTICES, ORG_IDS, ORGANISATIONS } from '../demo/reference-case.ts';
import { generateRegistrants } from '../demo/registrants.ts';
import { Rng } from '../demo/rng.ts';
import type { Store } from '../store/store.ts';
import { RECORD_CHILD } from '../policy/record-flags.ts';
import { replayCaseFlow, TARGET_AREAS, type CaseRecords, type FlowSummary } from './replay-case-flow.ts';

export interface LoadCaseOptions {
  readonly store: Store;
  readonly keyer: SubjectKeyer;
  readonly records?: number;
  readonly seed?: number;
  readonly batchSize?: number;
  readonly onProgress?: (registrants: number, total: number) => void;
}

export interface LoadCaseSummary {
  readonly records: number;
  readonly seed: number;
  readonly organisations: number;
  readonly notices: number;
  readonly agreements: number;
  readonly consentEvents: number;
  readonly subjects: number;
  readonly flow: FlowSummary;
}

export function referenceNotices(): Notice[] {
  return NOTICES.map((n) => toNotice(noticeInput.parse(n)));
}

export function referenceAgreements(): Agreement[] {
  return AGREEMENTS.map((a) => agreementInput.parse(a) as Agreement);
}

/**
 * Loads the case into a store without consent events (atomically), then replays its flow:
 * the transfers, the broker's segment, withdrawals and their notices downstream.
 */
export async function loadReferenceCase(o: LoadCaseOptions): Promise<LoadCaseSummary> {
  const records = o.records ?? DEFAULT_RECORDS;
  const caseRecords: CaseRecords = { keys: new Uint8Array(records * 32), flags: new Uint8Array(records), targetArea: new Uint8Array(records) };
  const loaded = await o.store.bulkLoad(() => load(o, caseRecords));
  const flow = await replayCaseFlow(o.store, caseRecords);
  return { ...loaded, flow };
}

async function load(o: LoadCaseOptions, out: CaseRecords): Promise<Omit<LoadCaseSummary, 'flow'>> {
  const records = o.records ?? DEFAULT_RECORDS;
  const seed = o.seed ?? DEFAULT_SEED;
  const batchSize = o.batchSize ?? 20_000;
  for (const org of ORGANISATIONS) await o.store.putOrganisation(org);
  const notices = referenceNotices();
  for (const n of notices) await o.store.putNotice(n);
  for (const d of DATASETS) await o.store.putDataset(d);
  const agreements = referenceAgreements();
  for (const a of agreements) await o.store.putAgreement(a);
  const noticeHash = new Map(notices.filter((n) => n.controller === ORG_IDS.collector).map((n) => [n.id, n.hash]));

  let batch: ConsentEvent[] = [];
  let events = 0;
  let subjects = 0;
  let done = 0;
  const rng = new Rng(seed);
  for (const reg of generateRegistrants({ records, seed })) {
    let key: Uint8Array | null = null;
    for (const row of consentEventsFor(reg, seed, rng)) {
      if (key === null) key = o.keyer.keyOfMaterial(materialOf(row));
      batch.push(toEvent(row, key, noticeHash));
    }
    if (key !== null) out.keys.set(key, done * 32);
    if (reg.childDobs.length > 0) out.flags[done] = RECORD_CHILD;
    if (TARGET_AREAS.has(/^[A-Z]+/.exec(reg.postcode)?.[0] ?? '')) out.targetArea[done] = 1;
    done++;
    if (batch.length >= batchSize) {
      const r = await o.store.appendConsentEvents(batch);
      events += r.inserted;
      subjects += r.newSubjects;
      batch = [];
      o.onProgress?.(done, records);
    }
  }
  if (batch.length > 0) {
    const r = await o.store.appendConsentEvents(batch);
    events += r.inserted;
    subjects += r.newSubjects;
  }
  o.onProgress?.(records, records);
  return { records, seed, organisations: ORGANISATIONS.length, notices: notices.length, agreements: agreements.length, consentEvents: events, subjects };
}

function materialOf(row: ImportRow): string {
  const m = identifierMaterial({ email: row.email, name: row.name, postcode: row.postcode, dob: row.dob });
  if (!m.ok) throw new Error(`generated registrant ${row.event_id} has unusable identifiers (${m.field})`);
  return m.material;
}

function toEvent(row: ImportRow, subject: Uint8Array, noticeHash: ReadonlyMap<string, string>): ConsentEvent {
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
