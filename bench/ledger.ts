/**
 * Ledger benchmarks: hashing primitives, SQLite appends, committing the 1,065,200 subject keys
 * of the reference case, verifying an export, one inclusion proof.
 * Run alone: node --import tsx bench/ledger.ts [--verify-leaves=5000000] [--quick]
 * Each row gives wall time; the note adds CPU time (user+system), which is what to compare
 * when the machine is busy with other work.
 */
import Database from 'better-sqlite3';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { HmacSha256, hashLeaf, sha256Into } from '../src/crypto/sha256.ts';
import { signCheckpoint } from '../src/ledger/checkpoint.ts';
import { Frontier } from '../src/ledger/frontier.ts';
import { EXPORT_FORMAT, EXPORT_VERSION, treeHeadLine } from '../src/ledger/ledger-export.ts';
import { leafData, type LedgerEntry } from '../src/ledger/ledger-entry.ts';
import { verifyInclusion } from '../src/ledger/merkle.ts';
import { LEDGER_SQLITE_SCHEMA, SqliteLedger } from '../src/ledger/sqlite-ledger.ts';
import { encodeVerifierKey, generateSigningKey, verifierKeyOf } from '../src/ledger/signing-key.ts';
import { sortSubjectKeys, subjectKeysRoot } from '../src/ledger/subject-commitment.ts';
import { subjectSetBlocks } from '../src/ledger/subject-set-blocks.ts';
import { verifyExport } from '../src/ledger/verify-export.ts';

export interface Row {
  readonly name: string;
  readonly ms: number;
  readonly note?: string;
}

export interface LedgerBenchOptions {
  /** Leaves appended to SQLite (default 200,000). */
  readonly appendLeaves?: number;
  /** Leaves per appendMany call (default 1,000). */
  readonly batch?: number;
  /** Subject keys committed (default 1,065,200: the reference case). */
  readonly subjectKeys?: number;
  /** Leaves in the verified export (default 1,000,000; the target is stated for 5,000,000). */
  readonly verifyLeaves?: number;
  /** Smaller sizes everywhere, for a smoke run. */
  readonly quick?: boolean;
}

interface Timed<T> {
  readonly value: T;
  readonly ms: number;
  readonly cpuMs: number;
}

async function timed<T>(fn: () => T | Promise<T>): Promise<Timed<T>> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const value = await fn();
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { value, ms, cpuMs: (used.user + used.system) / 1000 };
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-GB');

function event(i: number): LedgerEntry {
  return {
    kind: 'consent',
    at: 1_493_942_400_000 + i,
    controller: 'emmas-diary',
    subject: 'a3'.repeat(32),
    purposes: ['marketing'],
    recipients: ['experian'],
    status: 'ConsentGiven',
    seq: i,
  };
}

function hashingRows(n: number): Row[] {
  const data = randomBytes(32 * n);
  const out = new Uint8Array(32);
  const key = randomBytes(32);
  const mac = new HmacSha256(key);
  const rows: Row[] = [];
  const run = (name: string, fn: (i: number) => void): void => {
    for (let i = 0; i < 2000; i++) fn(i); // warm up
    const cpu = process.cpuUsage();
    const start = performance.now();
    for (let i = 0; i < n; i++) fn(i);
    const ms = performance.now() - start;
    const used = process.cpuUsage(cpu);
    rows.push({ name, ms, note: `${((ms * 1000) / n).toFixed(2)} µs/call over ${fmt(n)}; cpu ${fmt((used.user + used.system) / 1000)} ms` });
  };
  run('sha256 32 B, this code', (i) => sha256Into(data.subarray(i * 32, i * 32 + 32), out, 0));
  run('sha256 32 B, node:crypto createHash', (i) => createHash('sha256').update(data.subarray(i * 32, i * 32 + 32)).digest());
  run('HMAC-SHA-256 32 B, HmacSha256', (i) => mac.digestInto(data, i * 32, 32, out, 0));
  run('HMAC-SHA-256 32 B, node:crypto createHmac', (i) => createHmac('sha256', key).update(data.subarray(i * 32, i * 32 + 32)).digest());
  return rows;
}

async function appendRows(dir: string, leaves: number, batch: number): Promise<{ rows: Row[]; ledger: SqliteLedger; db: Database.Database }> {
  const db = new Database(join(dir, 'bench.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(LEDGER_SQLITE_SCHEMA);
  const ledger = new SqliteLedger(db, { origin: 'consentry.bench/ledger' });
  const batches = Array.from({ length: Math.ceil(leaves / batch) }, (_, b) =>
    Array.from({ length: Math.min(batch, leaves - b * batch) }, (_, i) => event(b * batch + i)),
  );
  const t = await timed(async () => {
    for (const entries of batches) await ledger.appendMany(entries);
  });
  const rows: Row[] = [
    { name: `append ${fmt(leaves)} events to SQLite (batches of ${fmt(batch)})`, ms: t.ms, note: `${fmt((leaves / t.ms) * 1000)} leaves/s; cpu ${fmt(t.cpuMs)} ms; target >= 50,000/s` },
  ];
  const key = generateSigningKey('consentry.bench/ledger');
  const head = await ledger.signTreeHead(key);
  const picks = Array.from({ length: 200 }, (_, i) => Math.floor((i * 7919 * 104729) % head.size));
  for (const i of picks.slice(0, 20)) await ledger.inclusionProof(i, head.size); // warm up
  const p = await timed(async () => {
    let ok = 0;
    for (const i of picks) {
      const proof = await ledger.inclusionProof(i, head.size);
      const leaf = await ledger.leaf(i);
      if (verifyInclusion(leaf.hash, i, head.size, proof, head.root)) ok++;
    }
    if (ok !== picks.length) throw new Error('an inclusion proof failed');
  });
  rows.push({ name: `inclusion proof in ${fmt(head.size)} leaves (read + verify)`, ms: p.ms / picks.length, note: `mean of ${picks.length}; target <= 1 ms` });
  return { rows, ledger, db };
}

function naiveRoot(sorted: Uint8Array): Uint8Array {
  const n = sorted.length / 32;
  let level: Buffer[] = [];
  for (let i = 0; i < n; i++) level.push(createHash('sha256').update(Uint8Array.of(0)).update(sorted.subarray(i * 32, i * 32 + 32)).digest());
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(createHash('sha256').update(Uint8Array.of(1)).update(level[i]).update(level[i + 1]).digest());
    if (level.length % 2 === 1) next.push(level[level.length - 1]);
    level = next;
  }
  return level[0];
}

async function commitmentRows(n: number): Promise<Row[]> {
  const keys = randomBytes(32 * n);
  // Warm up code paths, as a running server would have.
  subjectSetBlocks(sortSubjectKeys(keys.subarray(0, 32 * 65_536)));
  const sort = await timed(() => sortSubjectKeys(keys));
  // What a transfer commit does per subject set: its root and the blocks its proofs are read from.
  const blocks = await timed(() => subjectSetBlocks(sort.value));
  const root1 = await timed(() => subjectKeysRoot(sort.value));
  const naive = await timed(() => naiveRoot(sort.value));
  if (Buffer.compare(Buffer.from(root1.value), naive.value) !== 0 || Buffer.compare(Buffer.from(blocks.value.root), naive.value) !== 0) {
    throw new Error('roots differ');
  }
  return [
    { name: `commit ${fmt(n)} subject keys: sort + root and proof blocks`, ms: sort.ms + blocks.ms, note: `sort ${fmt(sort.ms)} ms + blocks ${fmt(blocks.ms)} ms; target <= 500 ms` },
    { name: `  root alone (SIMD batches)`, ms: root1.ms, note: `cpu ${fmt(root1.cpuMs)} ms` },
    { name: `  root with node:crypto, one call per hash`, ms: naive.ms, note: `cpu ${fmt(naive.cpuMs)} ms; same root` },
  ];
}

/** Writes an export in the documented format straight from synthetic events (no database). */
async function writeExport(path: string, leaves: number, headEvery: number): Promise<string> {
  const key = generateSigningKey('consentry.bench/ledger');
  const vkey = encodeVerifierKey(verifierKeyOf(key));
  const origin = 'consentry.bench/ledger';
  const out = createWriteStream(path);
  const write = async (s: string): Promise<void> => {
    if (!out.write(s)) await once(out, 'drain');
  };
  const heads = Math.floor(leaves / headEvery) + 1;
  await write(`${JSON.stringify({ format: EXPORT_FORMAT, version: EXPORT_VERSION, origin, publicKey: vkey, treeSize: leaves, treeHeads: heads, exportedAt: 0 })}\n`);
  const frontier = new Frontier();
  const hash = new Uint8Array(32);
  let lines = 1;
  let chunk = '';
  let id = 1;
  const head = (): string => {
    const root = frontier.root();
    const note = signCheckpoint({ origin, size: frontier.size, root, extensions: [] }, key);
    lines++;
    return `${treeHeadLine({ id: id++, size: frontier.size, root, at: 0, note, witnesses: [] })}\n`;
  };
  chunk += head();
  for (let i = 0; i < leaves; i++) {
    const data = leafData(event(i));
    hashLeaf(data, 0, data.length, hash, 0);
    frontier.append(hash);
    chunk += `{"leaf":${i},"hash":"${Buffer.from(hash).toString('hex')}","entry":${Buffer.from(data).toString('utf8')}}\n`;
    lines++;
    if ((i + 1) % headEvery === 0) chunk += head();
    if (chunk.length > 1 << 20) {
      await write(chunk);
      chunk = '';
    }
  }
  if (leaves % headEvery !== 0) chunk += head();
  lines++;
  chunk += `${JSON.stringify({ end: { treeSize: leaves, root: Buffer.from(frontier.root()).toString('hex'), lines } })}\n`;
  await write(chunk);
  out.end();
  await once(out, 'finish');
  return vkey;
}

async function verifyRows(dir: string, leaves: number): Promise<Row[]> {
  const path = join(dir, 'export.ndjson');
  const vkey = await writeExport(path, leaves, 100_000);
  const t = await timed(() => verifyExport(path, { publicKey: vkey }));
  if (!t.value.ok) throw new Error(`export failed to verify: ${JSON.stringify(t.value.error)}`);
  const mb = statSync(path).size / 1e6;
  const per5m = (t.ms / leaves) * 5_000_000;
  return [
    {
      name: `verify an export of ${fmt(leaves)} leaves (${fmt(mb)} MB, ${t.value.checked.treeHeads} tree heads)`,
      ms: t.ms,
      note: `${fmt((leaves / t.ms) * 1000)} leaves/s; cpu ${fmt(t.cpuMs)} ms${leaves === 5_000_000 ? '' : `; extrapolated to 5M: ${fmt(per5m / 1000)} s`}; target <= 30 s for 5M`,
    },
  ];
}

export async function benchLedger(opts: LedgerBenchOptions = {}): Promise<Row[]> {
  const quick = opts.quick === true;
  const dir = mkdtempSync(join(tmpdir(), 'bench-ledger-'));
  try {
    const rows: Row[] = [...hashingRows(quick ? 50_000 : 500_000)];
    const appended = await appendRows(dir, opts.appendLeaves ?? (quick ? 20_000 : 200_000), opts.batch ?? 1000);
    appended.db.close();
    rows.push(...appended.rows);
    rows.push(...(await commitmentRows(opts.subjectKeys ?? (quick ? 100_000 : 1_065_200))));
    rows.push(...(await verifyRows(dir, opts.verifyLeaves ?? (quick ? 50_000 : 1_000_000))));
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatRows(rows: readonly Row[]): string {
  const w = Math.max(...rows.map((r) => r.name.length));
  return rows.map((r) => `${r.name.padEnd(w)}  ${r.ms.toFixed(r.ms < 10 ? 3 : 0).padStart(9)} ms  ${r.note ?? ''}`).join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const arg = (name: string): number | undefined => {
    const a = process.argv.find((x) => x.startsWith(`--${name}=`));
    return a === undefined ? undefined : Number(a.split('=')[1]);
  };
  const opts: LedgerBenchOptions = {
    quick: process.argv.includes('--quick'),
    ...(arg('verify-leaves') !== undefined ? { verifyLeaves: arg('verify-leaves') as number } : {}),
    ...(arg('append-leaves') !== undefined ? { appendLeaves: arg('append-leaves') as number } : {}),
  };
  process.stdout.write(`${formatRows(await benchLedger(opts))}\n`);
}
