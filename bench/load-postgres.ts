/**
 * The reference case on a PostgreSQL store, through the real CLI in child processes:
 *   - loading the full case into a fresh schema (`consentry demo`: organisations, notices and
 *     agreements as single writes; the consent events, their subjects and ledger leaves by COPY);
 *   - checking T1 from registrants.csv on disk: first right after the load (from the facts
 *     snapshot the load leaves in the key folder), then again, as on SQLite.
 * Skipped, with the reason, when no server answers (CONSENTRY_BENCH_PG, default
 * postgres://127.0.0.1:5432/test).
 *
 *   node --import tsx bench/load-postgres.ts --records 1065200
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import { parsePgUrl } from '../src/store/postgres/pg-connection.ts';
import { loadPhases, type Row } from './load.ts';

const BIN = fileURLToPath(new URL('../bin/consentry.js', import.meta.url));
const PG_URL = process.env.CONSENTRY_BENCH_PG ?? 'postgres://127.0.0.1:5432/test';

function cli(args: string[], env: Record<string, string>, okCodes: number[] = [0]): { ms: number; maxRssMb: number; stdout: string } {
  const t = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, BIN, ...args], { encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, ...env } });
  const ms = performance.now() - t;
  if (!okCodes.includes(r.status ?? -1)) throw new Error(`consentry ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  return { ms, maxRssMb: Number(lines[lines.length - 1]) / 1024, stdout: r.stdout };
}

async function admin(sql: string): Promise<string | null> {
  const t = parsePgUrl(PG_URL);
  const c = new pg.Client({ connectionString: t.connectionString, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.query(sql);
    return null;
  } catch (err) {
    return (err as Error).message;
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** Runs `fn` with the URL of a fresh schema, dropped afterwards; null (with why) when no server answers. */
export async function withPgSchema<T>(label: string, fn: (url: string) => Promise<T>): Promise<{ value: T } | { skipped: string }> {
  const schema = `${label}_${process.pid}`;
  const unreachable = await admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  if (unreachable) return { skipped: `no PostgreSQL server at ${parsePgUrl(PG_URL).redacted}: ${unreachable}` };
  const u = new URL(PG_URL);
  u.searchParams.set('schema', schema);
  try {
    return { value: await fn(u.toString()) };
  } finally {
    await admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  }
}

export async function benchLoadPostgres(opts: { records: number }): Promise<Row[]> {
  const schema = `bench_${process.pid}`;
  const unreachable = await admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  if (unreachable) return [{ name: 'PostgreSQL rows skipped', ms: Number.NaN, note: `no server at ${parsePgUrl(PG_URL).redacted}: ${unreachable}` }];
  const dir = mkdtempSync(join(tmpdir(), 'consentry-bench-pg-'));
  const n = opts.records.toLocaleString('en-GB');
  const u = new URL(PG_URL);
  u.searchParams.set('schema', schema);
  const env = { CONSENTRY_DB: u.toString(), CONSENTRY_HOME: join(dir, 'keys') };
  try {
    const files = join(dir, 'files');
    cli(['demo', '--records', String(opts.records), '--no-load', '--out', files, '--db', join(dir, 'unused.db')], {});
    const load = cli(['demo', '--records', String(opts.records), '--json'], env);
    const t1 = ['transfer', 'check', '--from', 'emmas-diary', '--to', 'experian-marketing', '--on-behalf-of', 'labour-party', '--purpose', 'political-campaign', '--fields', 'name,address,postcode,mother_dob,child_dob', '--channel', 'post'];
    const args = [...t1, join(files, 'registrants.csv'), '--out', join(dir, 'allowed.csv'), '--json'];
    const first = cli(args, env, [0, 3, 4]); // reads the snapshot the load left in the key folder
    const runs = [cli(args, env, [0, 3, 4]), cli(args, env, [0, 3, 4]), cli(args, env, [0, 3, 4])].sort((a, b) => a.ms - b.ms);
    const check = runs[1]!;
    const allowed = (JSON.parse(check.stdout) as { allowed: number }).allowed;
    return [
      { name: `load the reference case, ${n} registrants, into a new PostgreSQL schema (demo, COPY)`, ms: load.ms, note: `${loadPhases(load.stdout)}; peak RSS ${load.maxRssMb.toFixed(0)} MB; target ≤ 15 s` },
      { name: `transfer check T1 today on the PostgreSQL store (median of 3, facts snapshot)`, ms: check.ms, note: `${allowed.toLocaleString('en-GB')} allowed; first after the load (the load's snapshot) ${(first.ms / 1000).toFixed(2)} s; peak RSS ${check.maxRssMb.toFixed(0)} MB` },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const i = process.argv.indexOf('--records');
  const records = i > 0 ? Number(process.argv[i + 1]) : 1_065_200;
  for (const r of await benchLoadPostgres({ records })) process.stdout.write(`${(r.ms / 1000).toFixed(2).padStart(8)} s  ${r.name}  (${r.note ?? ''})\n`);
}
