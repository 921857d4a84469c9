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
import { consentEventCount } from '../demo/consent-events.ts';
import { Rng } from '../demo/rng.ts';
import { AGREEMENTS, DATASETS, DEFAULT_RECORDS, DEFAULT_SEED, NOTICES, ORGANISATIONS } from '../demo/reference-case.ts';
import { LiveFacts } from '../api/live-facts.ts';
import { keepLoadedFacts } from '../gateway/load-facts.ts';
import type { LoadTail } from './load-tail-worker.ts';
import { FactsBuilder } from '../policy/facts.ts';
import type { Store } from '../store/store.ts';
import { runInWorkers, siblingModule } from '../workers/ordered-pool.ts';
import { addColumnFacts } from './column-facts.ts';
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
  /** Called as each phase ends, with its wall-clock time. */
  readonly onPhase?: (phase: LoadPhase, ms: number) => void;
}

/**
 * The phases of a load: the consent events with their subjects and leaves (one transaction),
 * the case's flow replayed through the ordinary commands, and the facts snapshot written.
 */
export type LoadPhase = 'events' | 'flow' | 'snapshot';

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
  const caseRecords = { keys: new Uint8Array(records * 32), flags: new Uint8Array(records), targetArea: new Uint8Array(records), ordinals: new Int32Array(records) } satisfies CaseRecords;
  // The decision facts are built from the blocks as they are stored, rather than read back.
  const facts = new FactsBuilder(Math.ceil(records * 2.2) + 1024);
  facts.reserveSubjects(records);
  let started = performance.now();
  const phaseEnds = (phase: LoadPhase): void => {
    const now = performance.now();
    o.onPhase?.(phase, now - started);
    started = now;
  };
  const { dense, tail: tailMade, ...loaded } = await o.store.bulkLoad(() => load(o, caseRecords, facts), { subjects: records });
  // The rest of what loadFacts adds after the consent rows.
  for (const a of await o.store.listAgreements()) facts.addAgreement(a);
  await o.store.eachObjection((x) => facts.addObjection(x.ordinal, x));
  const live = await LiveFacts.over(o.store, facts);
  phaseEnds('events');
  const tail = tailMade === null ? undefined : await tailMade;
  const flow = await replayCaseFlow(o.store, caseRecords, facts, tail?.requested);
  // The flow's withdrawals and objection, from its leaves; then the facts are kept with a
  // snapshot for the store as the load leaves it, so the first check reads no rows back.
  await live.catchUp();
  phaseEnds('flow');
  if (dense) await keepLoadedFacts(o.store, facts, caseRecords.keys, tail?.keyTable);
  phaseEnds('snapshot');
  return { ...loaded, flow };
}

async function load(
  o: LoadCaseOptions,
  out: Required<CaseRecords>,
  facts: FactsBuilder,
): Promise<Omit<LoadCaseSummary, 'flow'> & { dense: boolean; tail: Promise<LoadTail> | null }> {
  const records = o.records ?? DEFAULT_RECORDS;
  const seed = o.seed ?? DEFAULT_SEED;
  const blockSize = o.blockSize ?? 16_384;
  for (const org of ORGANISATIONS) await o.store.putOrganisation(org);
  const notices = referenceNotices();
  for (const n of notices) await o.store.putNotice(n);
  for (const d of DATASETS) await o.store.putDataset(d);
  const agreements = referenceAgreements();
  for (const a of agreements) await o.store.putAgreement(a);
  // INVARIANT: organisations, then notices, then consent rows, in the order loadFacts adds them.
  for (const org of await o.store.listOrganisations()) facts.addOrganisation(org);
  for (const n of await o.store.listNotices()) facts.addNotice(n);

  const tasks = new CaseLoadTasks(seed, records, blockSize, o.secret, await o.store.ledger.size());
  // Building a block (generating, keying, hashing leaves) costs about as much as storing it:
  // workers build the next blocks while this thread writes. Small cases skip the start-up.
  const workers = o.workers ?? (records < 50_000 ? 0 : Math.min(2, Math.max(1, cpus().length)));
  // Every block on the workers: building the first one here while they start (cold, on the
  // same two cores) measured no faster.
  const blocks =
    workers > 0
      ? runInWorkers<CaseLoadTask, CaseLoadBlock>(siblingModule(import.meta.url, 'case-load-worker'), tasks, { workers, label: 'building case block' })
      : inline(Array.from({ length: tasks.length }, (_, i) => tasks.at(i)));
  let events = 0;
  let subjects = 0;
  // Registrant i has ordinal i when the store held no subjects before: then the registrants'
  // keys in file order are every subject's key in ordinal order.
  let dense = true;
  for await (const b of blocks) {
    const r = await o.store.appendConsentColumns(b.events);
    events += r.inserted;
    subjects += r.newSubjects;
    const at = b.first - 1;
    for (let j = 0; j < b.flags.length && dense; j++) if (r.ordinals[j] !== at + j) dense = false;
    addColumnFacts(facts, b.events, r.ordinals);
    out.keys.set(b.keys, at * 32);
    out.flags.set(b.flags, at);
    out.targetArea.set(b.targetArea, at);
    out.ordinals.set(r.ordinals.subarray(0, b.flags.length), at);
    o.onProgress?.(at + b.flags.length, records);
  }
  // What the flow and the snapshot need from the keys alone is made on another core while this
  // one builds the store's indexes (load-tail-worker.ts).
  const tail = workers > 0 ? loadTailInWorker(out.keys) : null;
  tail?.catch(() => undefined); // awaited by the caller when the load succeeds
  return { records, seed, organisations: ORGANISATIONS.length, notices: notices.length, agreements: agreements.length, consentEvents: events, subjects, dense, tail };
}

async function loadTailInWorker(keys: Uint8Array): Promise<LoadTail> {
  const run = runInWorkers<{ keys: Uint8Array }, LoadTail>(siblingModule(import.meta.url, 'load-tail-worker'), [{ keys }], { workers: 1, label: 'building the requested set and key table' });
  try {
    const r = await run.next();
    if (r.done) throw new Error('the requested set and key table were not built');
    return r.value;
  } finally {
    await run.return(undefined);
  }
}

/**
 * The load's tasks, one per block. Each block's leaves follow the log as it is now and the
 * blocks before: knowing where they fall, the builders hash the Merkle subtrees under them too.
 * Where a block starts is counted from the registrants' draws (about 100 ms for a million),
 * one block at a time as the tasks are asked for, so the workers start without waiting for it.
 */
class CaseLoadTasks {
  readonly length: number;
  readonly #rng: Rng;
  /** Tasks made so far; task i + 1 starts where task i's events end. */
  readonly #made: CaseLoadTask[] = [];

  constructor(
    readonly seed: number,
    readonly records: number,
    readonly blockSize: number,
    readonly secret: Uint8Array,
    readonly firstLeaf: number,
  ) {
    this.length = Math.ceil(records / blockSize);
    this.#rng = new Rng(seed);
  }

  at(i: number): CaseLoadTask {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) throw new RangeError(`no block ${i} (0..${this.length - 1})`);
    while (this.#made.length <= i) {
      const k = this.#made.length;
      const before = this.#made[k - 1];
      let firstLeaf = this.firstLeaf;
      if (before !== undefined) {
        firstLeaf = before.firstLeaf!;
        for (let r = before.first; r < before.first + before.count; r++) firstLeaf += consentEventCount(this.seed, r, this.#rng);
      }
      const first = 1 + k * this.blockSize;
      this.#made.push({ seed: this.seed, first, count: Math.min(this.blockSize, this.records - first + 1), secret: this.secret, firstLeaf });
    }
    return this.#made[i]!;
  }
}

function* inline(tasks: readonly CaseLoadTask[]): Generator<CaseLoadBlock> {
  const notices = collectorNoticeHashes();
  for (const t of tasks) yield buildCaseLoadBlock(t, notices);
}
