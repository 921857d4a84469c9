/**
 * The HTTP API under load, with autocannon against a server running in its own process on
 * 127.0.0.1 (so the load generator and the server each have a core of this 2-core machine):
 *   - single consent-event writes (JSON, a new event and person each, with an Idempotency-Key);
 *   - checking T1 over HTTP: the reference case's registrants as NDJSON in, the summary out.
 *
 *   node --import tsx bench/api.ts --records 1065200 [--seconds 10] [--connections 32]
 * The server side is this same file started with --child.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import autocannon from 'autocannon';

export interface Row {
  readonly name: string;
  readonly ms: number;
  readonly note?: string;
}

export interface ApiBenchOptions {
  /** Registrants in the reference case (T1's size). */
  readonly records: number;
  /** Length of the consent-write run (default 10 s). */
  readonly seconds?: number;
  /** Concurrent connections for the consent-write run (default 32). */
  readonly connections?: number;
  /** A PostgreSQL URL (with ?schema=) to serve from instead of a SQLite file. */
  readonly postgres?: string;
}

const BIN = fileURLToPath(new URL('../bin/consentry.js', import.meta.url));
const SELF = fileURLToPath(import.meta.url);

const T1_QUERY = new URLSearchParams({
  from: 'emmas-diary',
  to: 'experian-marketing',
  onBehalfOf: 'labour-party',
  purpose: 'political-campaign',
  fields: 'name,address,postcode,mother_dob,child_dob',
  channel: 'post',
}).toString();

/** registrants.csv → NDJSON, as a discloser would send it. */
async function toNdjson(csv: string, out: string): Promise<void> {
  const { readRecords } = await import('../src/ingest/record-reader.ts');
  const w = createWriteStream(out);
  for await (const r of readRecords(csv, { format: 'csv' })) if (!w.write(`${JSON.stringify(r.fields)}\n`)) await once(w, 'drain');
  w.end();
  await once(w, 'close');
}

interface Child {
  readonly url: string;
  readonly keys: Record<string, string>;
  stop(): Promise<void>;
}

async function startChild(db: string, home: string): Promise<Child> {
  const child = spawn(process.execPath, ['--import', 'tsx', SELF, '--child', db, '--home', home], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const [first] = (await once(lines, 'line')) as [string];
  const ready = JSON.parse(first) as { url: string; keys: Record<string, string> };
  return {
    ...ready,
    async stop() {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

function run(o: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(o, (err, r) => (err ? reject(err) : resolve(r)));
  });
}

export async function benchApi(opts: ApiBenchOptions): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'consentry-bench-api-'));
  const n = opts.records.toLocaleString('en-GB');
  try {
    const files = join(dir, 'files');
    const db = opts.postgres ?? join(dir, 'case', 'consentry.db');
    const home = join(dir, 'case');
    const demo = spawnSync(process.execPath, [BIN, 'demo', '--records', String(opts.records), '--out', files, '--db', db], { encoding: 'utf8', env: { ...process.env, CONSENTRY_HOME: home } });
    if (demo.status !== 0) throw new Error(`demo failed: ${demo.stderr}`);
    const ndjson = join(dir, 'registrants.ndjson');
    await toNdjson(join(files, 'registrants.csv'), ndjson);
    const server = await startChild(db, home);
    const rows: Row[] = [];
    try {
      // Single consent-event writes: every request a new event of a new person. A short run
      // first warms the server up (JIT, caches); it is not reported.
      const seconds = opts.seconds ?? 10;
      const connections = opts.connections ?? 32;
      let seq = 0;
      const writes = (duration: number, idempotencyKeys: boolean) =>
        run({
          url: `${server.url}/v1/consent-events`,
          method: 'POST',
          connections,
          duration,
          headers: { authorization: `Bearer ${server.keys.collector}`, 'content-type': 'application/json' },
          requests: [
            {
              setupRequest: (req) => {
                const i = ++seq;
                return {
                  ...req,
                  headers: idempotencyKeys ? { ...req.headers, 'idempotency-key': `bench-${i}` } : req.headers,
                  body: JSON.stringify({ event_id: `bench-${i}`, email: `bench.${i}@example.org`, purposes: ['marketing'], status: 'ConsentGiven', notice: 'n2', at: '2018-02-01T10:00:00Z', method: 'web-form' }),
                };
              },
            },
          ],
        });
      await writes(2, false);
      for (const idempotencyKeys of [false, true]) {
        const r = await writes(seconds, idempotencyKeys);
        const errors = r.errors + r.non2xx + r.timeouts;
        rows.push({
          name: `single consent-event writes${idempotencyKeys ? ' with an Idempotency-Key each' : ''}, ${connections} connections, ${seconds} s`,
          ms: r.latency.average,
          note: `${Math.round(r.requests.average).toLocaleString('en-GB')} writes/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, ${errors} errors; target ≥ 5,000/s, p99 ≤ 50 ms, 0 errors (ms: mean latency)`,
        });
      }

      // T1 over HTTP: the whole file as one NDJSON request, three times.
      const body = readFileSync(ndjson);
      const times: number[] = [];
      let summary = '';
      for (let i = 0; i < 3; i++) {
        const t = performance.now();
        const r = await fetch(`${server.url}/v1/transfers/check?${T1_QUERY}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${server.keys.collector}`, 'content-type': 'application/x-ndjson' },
          body,
        });
        const json = (await r.json()) as { requested?: number; allowed?: number; code?: string };
        times.push(performance.now() - t);
        if (r.status !== 200) throw new Error(`T1 check answered ${r.status}: ${JSON.stringify(json)}`);
        summary = `${json.requested?.toLocaleString('en-GB')} requested, ${json.allowed?.toLocaleString('en-GB')} allowed`;
      }
      times.sort((a, b) => a - b);
      rows.push({ name: `transfer check T1 over HTTP, ${n} records as NDJSON (${(body.length / 1048576).toFixed(0)} MB) → summary`, ms: times[1]!, note: `median of 3 (${times.map((x) => x.toFixed(0)).join(', ')} ms); ${summary}` });
    } finally {
      await server.stop();
    }
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The server side: opens the store, issues a collector key, serves on a free port until SIGTERM. */
async function child(db: string, home: string): Promise<void> {
  const { openApp } = await import('../src/app.ts');
  const { issueApiKey } = await import('../src/api/api-keys.ts');
  const { buildServer } = await import('../src/api/server.ts');
  const app = await openApp({ db, env: { CONSENTRY_HOME: home } });
  const collector = (await issueApiKey(app.store, { organisation: 'emmas-diary', role: 'collector' })).token;
  // Logs at warn: the structured request log is written, but its volume is not what is measured.
  const server = await buildServer({ app, log: { level: 'warn', stream: process.stderr }, rateLimit: { max: 10_000_000, windowMs: 60_000 } });
  const url = await server.listen('127.0.0.1', 0);
  process.stdout.write(`${JSON.stringify({ url, keys: { collector } })}\n`);
  process.once('SIGTERM', () => {
    void server.close().then(() => app.close());
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const arg = (name: string): string | undefined => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  const childDb = arg('--child');
  if (childDb) await child(childDb, arg('--home') ?? '.consentry');
  else {
    const records = Number(arg('--records') ?? 1_065_200);
    const seconds = arg('--seconds');
    const connections = arg('--connections');
    for (const r of await benchApi({ records, ...(seconds ? { seconds: Number(seconds) } : {}), ...(connections ? { connections: Number(connections) } : {}) })) {
      process.stdout.write(`${r.ms.toFixed(1).padStart(10)} ms  ${r.name}  (${r.note ?? ''})\n`);
    }
  }
}
