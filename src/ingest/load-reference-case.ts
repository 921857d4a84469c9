/**
 * Loads the reference case (shared/case.md) into a store: organisations, notices, agreements,
 * and the synthetic registrants' consent events, generated on the fly from the seed.
 *
 * The events are exactly those `consent import` would store from the files that
 * `consentry demo --out` writes (a test holds the two paths to that), built directly rather
 * than through the row parser because this is the path that loads a million people.
 */
import { cpus } from 'node:os';
import { toNotice } from '../domain/notice.ts';
import { agreementInput, noticeInput } from '../domain/schemas.ts';
import type { Agreement, Notice } from '../domain/types.ts';
import { AGREEMENTS, DATASETS, DEFAULT_RECORDS, DEFAULT_SEED, NOTICES, ORGANISATIONS } from '../demo/reference-case.ts';
import type { Store } from '../store/store.ts';
import { runInWorkers, siblingModule } from '../workers/ordered-pool.ts';
import { buildCaseLoadBlock, collectorNoticeHashes, type CaseLoadBlock, type CaseLoadTask } from './case-load-block.ts';
import { replayCaseFlow, type CaseRecords, type FlowSummary } from './replay-case-flow.ts';

export interface LoadCaseOptions {
  readonly store: Store;
  /** The store's subject-key secret (the registrants are keyed on worker threads). */
  readonly secret: Uint8Array;
  readonly records?: number;
  readonly seed?: number;
  /** Registrants per block (the unit of work of a worker and of a store write). */
  readonly blockSize?: number;
  /** Worker threads building blocks; 0 builds them on this thread. Default: up to 2 for large cases. */
  readonly workers?: number;
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
  const blockSize = o.blockSize ?? 16_384;
  for (const org of ORGANISATIONS) await o.store.putOrganisation(org);
  const notices = referenceNotices();
  for (const n of notices) await o.store.putNotice(n);
  for (const d of DATASETS) await o.store.putDataset(d);
  const agreements = referenceAgreements();
  for (const a of agreements) await o.store.putAgreement(a);

  const tasks: CaseLoadTask[] = [];
  for (let first = 1; first <= records; first += blockSize) tasks.push({ seed, first, count: Math.min(blockSize, records - first + 1), secret: o.secret });
  // Building a block (generating, keying, hashing leaves) costs about as much as storing it:
  // workers build the next blocks while this thread writes. Small cases skip the start-up.
  const workers = o.workers ?? (records < 50_000 ? 0 : Math.min(2, Math.max(1, cpus().length)));
  const blocks = workers > 0 ? runInWorkers<CaseLoadTask, CaseLoadBlock>(siblingModule(import.meta.url, 'case-load-worker'), tasks, { workers, label: 'building case block' }) : inline(tasks);
  let events = 0;
  let subjects = 0;
  for await (const b of blocks) {
    const r = await o.store.appendConsentColumns(b.events);
    events += r.inserted;
    subjects += r.newSubjects;
    const at = b.first - 1;
    out.keys.set(b.keys, at * 32);
    out.flags.set(b.flags, at);
    out.targetArea.set(b.targetArea, at);
    o.onProgress?.(at + b.flags.length, records);
  }
  return { records, seed, organisations: ORGANISATIONS.length, notices: notices.length, agreements: agreements.length, consentEvents: events, subjects };
}

function* inline(tasks: readonly CaseLoadTask[]): Generator<CaseLoadBlock> {
  const notices = collectorNoticeHashes();
  for (const t of tasks) yield buildCaseLoadBlock(t, notices);
}
