/**
 * Who-has and withdrawals at scale (issue #5): a real store holding ~N transfer-record links
 * (default 10,000,000: N/10 people, each in ten committed transfers of N/10 subjects, plus a
 * derived segment), then
 *   - who-has for many random people, without and with their ledger and transfer proofs;
 *   - a withdrawal passed through a three-hop lineage (collector → broker → party, which built a
 *     segment from it and passed the data on to a processor).
 * Each lookup and withdrawal is timed alone after a warm-up; rows give p99 with p50 in the note.
 * The store is built through the public paths: one bulk load of consent events, and each
 * transfer committed by commitTransfer as the gateway does (the decisions themselves are drawn
 * at random per person, so building stays fast; deciding is measured in bench/decide.ts).
 *
 *   node --import tsx bench/lineage.ts --links 10000000 [--postgres] [--quick] [--samples N]
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { ConsentEvent, Organisation, TransferRequest } from '../src/domain/types.ts';
import { commitTransfer } from '../src/gateway/transfer-commit.ts';
import type { CheckResult } from '../src/gateway/transfer-check.ts';
import { generateSigningKey } from '../src/ledger/signing-key.ts';
import { registerDerivation } from '../src/lineage/derive.ts';
import { requestRights } from '../src/lineage/rights.ts';
import { whoHas } from '../src/lineage/who-has.ts';
import type { Decision } from '../src/policy/decision.ts';
import { PostgresStore } from '../src/store/postgres/postgres-store.ts';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import type { Store } from '../src/store/store.ts';
import type { Row } from './load.ts';
import { withPgSchema } from './load-postgres.ts';

export interface LineageBenchOptions {
  /** Transfer-record links to store (default 10,000,000). */
  readonly links: number;
  /** Fewer lookups and withdrawals, for a smoke run. */
  readonly quick?: boolean;
  /** Timed calls per row (default 2,000 lookups, 1,000 with proofs, 500 withdrawals; quick: 300, 200, 100). */
  readonly samples?: number;
  /** A PostgreSQL URL (with ?schema=…) to build the store in instead of a SQLite file. */
  readonly postgres?: string;
}

const TRANSFERS = 10;
const KEY = 32;
const CONSENT_BATCH = 20_000;
const AT = Date.UTC(2024, 0, 1);
const DAY = 86_400_000;

const org = (id: string, kind: string): Organisation => ({ id, name: `${id} Ltd`, kind: kind as Organisation['kind'], country: 'GB', rightsContact: `dpo@${id}.example` });
const ORGS: readonly Organisation[] = [
  org('club', 'collector'),
  org('broker', 'broker'),
  org('party', 'political-party'),
  org('processor', 'processor'),
  ...Array.from({ length: TRANSFERS - 3 }, (_, i) => org(`recipient-${i + 1}`, 'broker')),
];

/**
 * The ten transfers: the three hops first, then the club's other recipients. `share` is the
 * fraction of people whose records each one allowed; shares nest, so whoever went down a later
 * hop also went down the earlier ones (one refused outright, as T1 was).
 */
const HOPS: readonly { from: string; to: string; share: number }[] = [
  { from: 'club', to: 'broker', share: 0.9 },
  { from: 'broker', to: 'party', share: 0.6 },
  { from: 'party', to: 'processor', share: 0.5 },
  ...Array.from({ length: TRANSFERS - 3 }, (_, i) => ({ from: 'club', to: `recipient-${i + 1}`, share: i === 0 ? 0 : 0.3 + 0.1 * (i % 5) })),
];
/** People in the party's derived segment (built from the broker → party transfer). */
const SEGMENT_SHARE = 0.1;

/** A per-person draw in [0, 1) from key bytes the sort order does not depend on. */
const draw = (keys: Uint8Array, i: number): number => Buffer.from(keys.buffer, keys.byteOffset + i * KEY + 28, 4).readUInt32BE(0) / 2 ** 32;

function request(from: string, to: string, day: number): TransferRequest {
  return { from, to, onBehalfOf: null, purpose: 'marketing', channel: 'post', fields: ['name', 'address'], at: AT + day * DAY, basis: 'consent', tpsScreened: false };
}

/** A decision as the engine gives it, with the allowed records chosen by the per-person draw. */
function decisionOf(req: TransferRequest, keys: Uint8Array, n: number, share: number): Decision {
  const allowedMask = new Uint8Array(n);
  let allowed = 0;
  for (let i = 0; i < n; i++) if (draw(keys, i) < share) allowedMask[i] = 1, allowed++;
  const refused = n - allowed;
  return {
    pack: { id: 'uk', version: 'bench' },
    request: req,
    requested: n,
    allowed,
    refused,
    allowedMask,
    reasons: refused > 0 ? { 'recipient-not-named': refused } : {},
    warnings: {},
    findings: [],
    fields: { sent: [...req.fields], stripped: [] },
    recordReasons: () => ['recipient-not-named'],
    recordReasonKey: () => 0,
  };
}

export interface Built {
  readonly keys: Uint8Array;
  readonly people: number;
  readonly links: number;
  readonly notes: string;
}

/** Builds the store described at the top of this file into `store`, whatever its database. */
export async function buildLineageStore(store: Store, links: number, log: (s: string) => void): Promise<Built> {
  const people = Math.max(100, Math.round(links / TRANSFERS));
  const keys = new Uint8Array(randomBytes(people * KEY));
  let t = performance.now();
  await store.bulkLoad(async () => {
    for (const o of ORGS) await store.putOrganisation(o);
    for (let from = 0; from < people; from += CONSENT_BATCH) {
      const events: ConsentEvent[] = [];
      for (let i = from; i < Math.min(people, from + CONSENT_BATCH); i++) {
        const subject = keys.subarray(i * KEY, (i + 1) * KEY);
        events.push({ id: `c-${i}`, controller: 'club', subject, purposes: ['marketing'], recipients: ['broker'], status: 'ConsentGiven', notice: null, at: AT - 30 * DAY, expiresAt: null, method: 'web-form', consentType: 'expressed', evidence: null });
      }
      await store.appendConsentEvents(events);
    }
  });
  const consentMs = performance.now() - t;
  log(`  ${people.toLocaleString('en-GB')} people with a consent event each: ${(consentMs / 1000).toFixed(1)} s`);
  const ordinals = await store.subjectOrdinals(keys);
  const none = new Uint8Array(people);
  t = performance.now();
  const ids: string[] = [];
  for (const [day, hop] of HOPS.entries()) {
    const req = request(hop.from, hop.to, day);
    const result: CheckResult = { decision: decisionOf(req, keys, people, hop.share), unidentified: 0, unidentifiedMask: none, keys, ordinals };
    const c0 = performance.now();
    ids.push((await commitTransfer(store, result, req.at)).transfer.id);
    log(`  transfer ${day + 1}/${HOPS.length} ${hop.from} → ${hop.to}: ${((performance.now() - c0) / 1000).toFixed(1)} s`);
  }
  const transfersMs = performance.now() - t;
  const members: number[] = [];
  for (let i = 0; i < people; i++) if (draw(keys, i) < SEGMENT_SHARE) members.push(i);
  const segment = new Uint8Array(members.length * KEY);
  members.forEach((i, k) => segment.set(keys.subarray(i * KEY, (i + 1) * KEY), k * KEY));
  await registerDerivation(store, { id: 'party-segment', controller: 'party', name: 'Target segment', purpose: 'marketing', sources: [ids[1]!], at: AT + 20 * DAY, keys: segment });
  await store.ledger.signTreeHead(generateSigningKey('consentry.bench/lineage'));
  const total = people * HOPS.length + members.length;
  return {
    keys,
    people,
    links: total,
    notes: `${people.toLocaleString('en-GB')} people; consent load ${(consentMs / 1000).toFixed(1)} s, ${HOPS.length} transfer commits ${(transfersMs / 1000).toFixed(1)} s`,
  };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface Timings {
  /** Wall time of each call, sorted. */
  readonly ms: number[];
  /** This process's CPU time per call, on average (what to compare when the machine is busy). */
  readonly cpuMs: number;
  /** The machine's load average when the timed calls began: tails grow with it. */
  readonly load: number;
}

/** Times `fn` once per item after `warm` untimed calls. */
async function each<T>(items: readonly T[], warm: number, fn: (x: T) => Promise<unknown>): Promise<Timings> {
  for (const x of items.slice(0, warm)) await fn(x);
  const load = loadavg()[0]!;
  const ms: number[] = [];
  const cpu = process.cpuUsage();
  for (const x of items.slice(warm)) {
    const t = performance.now();
    await fn(x);
    ms.push(performance.now() - t);
  }
  const used = process.cpuUsage(cpu);
  return { ms: ms.sort((a, b) => a - b), cpuMs: (used.user + used.system) / 1000 / Math.max(1, ms.length), load };
}

const stat = (t: Timings, target: string, extra = ''): { ms: number; note: string } => ({
  ms: percentile(t.ms, 99),
  note: `p99; p50 ${percentile(t.ms, 50).toFixed(2)} ms, CPU ${t.cpuMs.toFixed(2)} ms per call, over ${t.ms.length.toLocaleString('en-GB')}${extra}; load average ${t.load.toFixed(1)}; target ${target}`,
});

async function measure(store: Store, built: Built, opts: LineageBenchOptions, label: string, reopen: () => Promise<Store>): Promise<Row[]> {
  const quick = opts.quick ?? false;
  const { keys, people } = built;
  const pick = (n: number, ok: (i: number) => boolean): Uint8Array[] => {
    // Distinct people: the same withdrawal twice would be the same request, not a new one.
    const chosen = new Set<number>();
    for (let guard = 0; chosen.size < n && guard < n * 1000; guard++) {
      const i = Math.floor(Math.random() * people);
      if (ok(i)) chosen.add(i);
    }
    return [...chosen].map((i) => keys.slice(i * KEY, (i + 1) * KEY));
  };
  const lookups = opts.samples ?? (quick ? 300 : 2_000);
  const warm = Math.min(quick ? 50 : 200, Math.ceil(lookups / 5));
  const who = pick(lookups + warm, () => true);
  const plain = await each(who, warm, (k) => whoHas(store, k, { proofs: false }));
  const proved = await each(pick((opts.samples ?? (quick ? 200 : 1_000)) + warm, () => true), warm, async (k) => {
    const a = await whoHas(store, k, { proofs: true });
    if (a.transfers.length !== HOPS.length || a.transfers.some((t) => t.proof === undefined)) throw new Error('who-has: a transfer without its proof');
  });
  // Withdrawals by people who went all three hops and into the segment.
  let holders = 0;
  const withdrawing = pick((opts.samples ?? (quick ? 100 : 500)) + 20, (i) => draw(keys, i) < SEGMENT_SHARE);
  const withdraw = await each(withdrawing, 20, async (k) => {
    const r = await requestRights(store, { kind: 'withdraw', controller: 'club', subject: k, at: AT + 40 * DAY, scope: ['marketing'] });
    const to = r.found ? r.passedTo.map((p) => p.holder) : [];
    if (!r.found || !r.created || !['broker', 'party', 'processor'].every((h) => to.includes(h))) throw new Error(`withdrawal passed to ${to.join(', ') || 'nobody'}`);
    holders += to.length;
  });
  await store.close();
  // The first answer after opening the store: nothing cached in this process yet.
  const cold = await reopen();
  const t = performance.now();
  await whoHas(cold, who[warm]!, { proofs: false });
  const first = performance.now() - t;
  await cold.close();
  const size = `${built.links.toLocaleString('en-GB')} links`;
  return [
    { name: `${label}who-has, ${size}`, ...stat(plain, '≤ 1 ms') },
    { name: `${label}who-has with inclusion proofs (${HOPS.length} transfers + consent), ${size}`, ...stat(proved, '≤ 10 ms') },
    { name: `${label}withdrawal through a 3-hop lineage (+ segment), ${size}`, ...stat(withdraw, '≤ 50 ms', `; passed to ${(holders / withdrawing.length).toFixed(1)} holders each on average`) },
    { name: `${label}first who-has after opening the store`, ms: first, note: `one lookup, cold process caches; ${built.notes}` },
  ];
}

export async function benchLineage(opts: LineageBenchOptions, log: (s: string) => void = (s) => void process.stderr.write(`${s}\n`)): Promise<Row[]> {
  const links = opts.quick ? Math.min(opts.links, 200_000) : opts.links;
  if (!Number.isInteger(links) || links < 1000) throw new Error('--links must be a whole number of at least 1,000');
  const dir = mkdtempSync(join(tmpdir(), 'consentry-lineage-'));
  try {
    const file = join(dir, 'lineage.db');
    const open = (): Promise<Store> => (opts.postgres ? PostgresStore.open(opts.postgres, dir) : Promise.resolve(SqliteStore.open(file, dir)));
    const store = await open();
    log(`building a store with ~${links.toLocaleString('en-GB')} transfer-record links (${opts.postgres ? 'PostgreSQL' : 'SQLite'})…`);
    const built = await buildLineageStore(store, links, log);
    log('measuring…');
    return await measure(store, built, opts, opts.postgres ? 'PostgreSQL: ' : '', open);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const arg = (name: string): string | undefined => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  const samples = arg('--samples');
  const opts: LineageBenchOptions = { links: Number(arg('--links') ?? 10_000_000), quick: process.argv.includes('--quick'), ...(samples ? { samples: Number(samples) } : {}) };
  // --postgres: the same store in a fresh schema of CONSENTRY_BENCH_PG, dropped afterwards.
  const run = process.argv.includes('--postgres') ? await withPgSchema('bench_lineage', (url) => benchLineage({ ...opts, postgres: url })) : { value: await benchLineage(opts) };
  if ('skipped' in run) process.stdout.write(`PostgreSQL rows skipped: ${run.skipped}\n`);
  else for (const r of run.value) process.stdout.write(`${r.ms.toFixed(3).padStart(10)} ms  ${r.name}  (${r.note ?? ''})\n`);
}
