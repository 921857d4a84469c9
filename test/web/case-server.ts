/**
 * The ground the web tests stand on: the app built by Vite into a temporary folder, the
 * reference case at a small size in a real SQLite store (built by the real CLI), and a real
 * API server over it serving the app, with a key for each role the journeys need.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { build } from 'vite';
import { issueApiKey } from '../../src/api/api-keys.ts';
import { buildServer, type ApiServer } from '../../src/api/server.ts';
import { openApp, type App } from '../../src/app.ts';
import type { ApiRole } from '../../src/store/store.ts';
import { runCli } from '../helpers/cli.ts';

export const WEB_CONFIG = fileURLToPath(new URL('../../web/vite.config.ts', import.meta.url));

/** Builds the web app into `outDir` with the project's own Vite config. */
export async function buildWebApp(outDir: string): Promise<void> {
  await build({ configFile: WEB_CONFIG, build: { outDir, emptyOutDir: true }, logLevel: 'silent' });
}

export interface CaseFlow {
  readonly t1: { readonly id: string; readonly allowed: number; readonly refused: number };
  readonly t2026: { readonly id: string; readonly allowed: number; readonly refused: number };
  readonly segment: { readonly id: string; readonly people: number };
  readonly withdrawals: number;
  readonly acknowledged: number;
}

export interface Registrant {
  readonly name: string;
  readonly email: string;
  readonly address: string;
  readonly postcode: string;
  readonly mother_dob: string;
  readonly child_dob: string;
}

export interface CaseServer {
  readonly base: string;
  readonly app: App;
  readonly server: ApiServer;
  readonly records: number;
  readonly flow: CaseFlow;
  readonly registrantsCsv: string;
  readonly registrants: readonly Registrant[];
  readonly keys: Readonly<Record<'admin' | 'regulator' | 'collector' | 'broker' | 'party', string>>;
  readonly dir: string;
  /** Stops the server, closes the store and removes the folder (call it from the file's after hook). */
  close(): Promise<void>;
}

export async function startCaseServer(records: number, o: { readonly web: boolean }): Promise<CaseServer> {
  const dir = mkdtempSync(join(tmpdir(), 'consentry-web-'));
  const dist = join(dir, 'dist');
  const db = join(dir, 'store', 'c.db');
  const [, demo] = await Promise.all([
    o.web ? buildWebApp(dist) : Promise.resolve(),
    runCli(['demo', '--records', String(records), '--db', db, '--out', join(dir, 'case'), '--json']),
  ]);
  if (demo.code !== 0) throw new Error(`demo failed (${demo.code}): ${demo.stderr}`);
  const flow = (JSON.parse(demo.stdout) as { loaded: { flow: CaseFlow } }).loaded.flow;
  const app = await openApp({ db, env: {} });
  const key = async (organisation: string | null, role: ApiRole): Promise<string> => (await issueApiKey(app.store, { organisation, role })).token;
  const keys = {
    admin: await key(null, 'admin'),
    regulator: await key('ico', 'regulator'),
    collector: await key('emmas-diary', 'collector'),
    broker: await key('experian-marketing', 'discloser'),
    party: await key('labour-party', 'recipient'),
  };
  if (o.web && !existsSync(join(dist, 'index.html'))) throw new Error('the web app did not build');
  const server = await buildServer({ app, log: false, sealEveryMs: 60_000, webRoot: o.web ? dist : false });
  const base = await server.listen('127.0.0.1', 0);
  const close = async (): Promise<void> => {
    await server.close();
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  };
  const registrantsCsv = join(dir, 'case', 'registrants.csv');
  const registrants = parse(readFileSync(registrantsCsv), { columns: true }) as Registrant[];
  return { base, app, server, records, flow, registrantsCsv, registrants, keys, dir, close };
}

/** A JSON call to the server under test, as any client would make it. */
export async function api(c: CaseServer, method: 'GET' | 'POST', path: string, key: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; body: any }> {
  const r = await fetch(c.base + path, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': contentType } : {}) },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await r.text();
  return { status: r.status, body: text === '' ? null : JSON.parse(text) };
}

/** Registrants with an email whose record went to the broker in 2026 and who have asked nothing yet. */
export async function deliveredPeople(c: CaseServer): Promise<Registrant[]> {
  const out: Registrant[] = [];
  for (const r of c.registrants) {
    if (r.email === '') continue;
    const k = c.app.keyer.keyOf({ email: r.email });
    if (!k.ok) continue;
    const h = await c.app.store.subjectHistory(k.key);
    if (h && h.rights.length === 0 && h.transfers.some((t) => t.transfer.id === c.flow.t2026.id && t.allowed)) out.push(r);
  }
  return out;
}
