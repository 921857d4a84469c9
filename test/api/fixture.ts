/**
 * A real server over a real SQLite store in a temporary folder, with organisations of every
 * kind and one API key per role: the ground every API test stands on.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { openApp, type App } from '../../src/app.ts';
import { issueApiKey } from '../../src/api/api-keys.ts';
import { buildServer, type ApiServer, type ServerOptions } from '../../src/api/server.ts';
import type { Organisation } from '../../src/domain/types.ts';
import type { ApiRole } from '../../src/store/store.ts';
import { notice } from '../helpers/fixtures.ts';

export const ORGS: Organisation[] = [
  { id: 'club', name: 'Parenting Club Ltd', kind: 'collector', country: 'GB', rightsContact: 'privacy@club.example' },
  { id: 'rival', name: 'Rival Club Ltd', kind: 'collector', country: 'GB', rightsContact: 'privacy@rival.example' },
  { id: 'broker', name: 'List Broker Ltd', kind: 'broker', country: 'GB', rightsContact: 'dpo@broker.example' },
  { id: 'party', name: 'A Party', kind: 'political-party', country: 'GB', rightsContact: 'dpo@party.example' },
  { id: 'ico', name: 'Regulator', kind: 'regulator', country: 'GB', rightsContact: null },
];

/** Keys by name: role@organisation, plus "admin". */
export type Keys = Record<string, string>;

export interface Fixture {
  readonly app: App;
  readonly server: ApiServer;
  readonly keys: Keys;
  readonly dir: string;
}

export const KEY_SPECS: readonly { name: string; role: ApiRole; org: string | null }[] = [
  { name: 'admin', role: 'admin', org: null },
  { name: 'collector@club', role: 'collector', org: 'club' },
  { name: 'collector@rival', role: 'collector', org: 'rival' },
  { name: 'discloser@club', role: 'discloser', org: 'club' },
  { name: 'discloser@broker', role: 'discloser', org: 'broker' },
  { name: 'recipient@party', role: 'recipient', org: 'party' },
  { name: 'recipient@rival', role: 'recipient', org: 'rival' },
  { name: 'regulator@ico', role: 'regulator', org: 'ico' },
];

export async function startFixture(options: Partial<ServerOptions> = {}): Promise<Fixture> {
  // Not tmpDir(): the folder must outlive the server, which closes in the after hook below.
  const dir = mkdtempSync(join(tmpdir(), 'consentry-api-'));
  const app = await openApp({ db: join(dir, 'store', 'consentry.db'), env: {} });
  for (const o of ORGS) await app.store.putOrganisation(o);
  await app.store.putNotice(notice({ purposes: ['service-provision', 'marketing', 'political-campaign'], recipients: ['broker', 'party'] }));
  await app.store.putNotice(notice({ controller: 'rival', id: 'r1' }));
  const keys: Keys = {};
  for (const k of KEY_SPECS) keys[k.name] = (await issueApiKey(app.store, { organisation: k.org, role: k.role })).token;
  const server = await buildServer({ app, log: false, sealEveryMs: 60_000, ...options });
  after(async () => {
    await server.close();
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { app, server, keys, dir };
}

export interface Res {
  readonly status: number;
  readonly body: any;
  readonly headers: Record<string, unknown>;
}

/** In-process request (fastify.inject). */
export async function call(
  f: Fixture,
  method: 'GET' | 'POST' | 'DELETE',
  url: string,
  o: { key?: string; body?: unknown; ndjson?: readonly unknown[] | string; headers?: Record<string, string> } = {},
): Promise<Res> {
  const headers: Record<string, string> = { ...(o.headers ?? {}) };
  if (o.key) headers.authorization = `Bearer ${o.key}`;
  let payload: string | undefined;
  if (o.ndjson !== undefined) {
    headers['content-type'] ??= 'application/x-ndjson';
    payload = typeof o.ndjson === 'string' ? o.ndjson : o.ndjson.map((x) => JSON.stringify(x)).join('\n') + '\n';
  } else if (o.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    payload = JSON.stringify(o.body);
  }
  const r = await f.server.fastify.inject({ method, url, headers, ...(payload !== undefined ? { payload } : {}) });
  let body: unknown = r.body;
  if (String(r.headers['content-type'] ?? '').includes('json')) body = r.body === '' ? null : JSON.parse(r.body);
  return { status: r.statusCode, body, headers: r.headers as Record<string, unknown> };
}

let n = 0;
/** A valid consent event of the club (notice n1) for `email`. */
export function consentBody(email: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return { event_id: `ev-${++n}-${Date.now()}`, email, purposes: ['marketing'], status: 'ConsentGiven', notice: 'n1', at: '2016-02-01T10:00:00Z', method: 'web-form', ...over };
}
