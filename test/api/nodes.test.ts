/**
 * Several processes on one store: a server's decisions take in what other processes store
 * (the CLI on SQLite; a second API node on PostgreSQL), and two nodes appending at once keep
 * one log that verifies, holding every event they acknowledged.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { listening, runCli, startCli } from '../helpers/cli.ts';
import { freshPgUrl, pgUnavailable } from '../helpers/pg.ts';
import { tmpDir } from '../helpers/tmp.ts';
import { call, startFixture } from './fixture.ts';

const CHECK = '/v1/transfers/check?from=club&to=broker&purpose=marketing&fields=name,email';
const HEADER = 'event_id,email,name,postcode,dob,purposes,recipients,status,notice,at,expires_at,method,consent_type,evidence';

async function until<T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (ok(v) || Date.now() > deadline) {
      assert.ok(ok(v), `${what}: last seen ${JSON.stringify(v)}`);
      return v;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('a server follows what other processes store', () => {
  it('takes a consent imported by the command line into its decisions without a restart', async () => {
    const f = await startFixture({ followEveryMs: 50 });
    const check = async (): Promise<number> => (await call(f, 'POST', CHECK, { key: f.keys['discloser@club'], ndjson: [{ email: 'jane@example.org', name: 'Jane' }] })).body.allowed as number;
    assert.equal(await check(), 0);
    const csv = join(f.dir, 'events.csv');
    writeFileSync(csv, `${HEADER}\ncli-1,jane@example.org,Jane,,,marketing,broker,ConsentGiven,n1,2016-02-01T10:00:00Z,,web-form,expressed,\n`);
    const r = await runCli(['consent', 'import', '--org', 'club', csv, '--db', join(f.dir, 'store', 'consentry.db')]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await until('allowed after the import', check, (n) => n === 1), 1);
  });
});

const skip = (await pgUnavailable()) ?? false;

describe('two API nodes on one PostgreSQL database', { skip }, () => {
  it('append concurrently to one log that verifies and holds every acknowledged event; each decides on the other\'s writes', async () => {
    const dir = tmpDir('consentry-nodes-');
    const env = { CONSENTRY_DB: freshPgUrl('nodes'), CONSENTRY_HOME: join(dir, 'keys') };
    const adminFile = join(dir, 'admin.key');
    const serve = ['serve', '--port', '0', '--log-level', 'error', '--admin-key-file', adminFile];
    const a = startCli(serve, { env });
    const na = await listening(a);
    const b = startCli(serve, { env });
    const nb = await listening(b);
    try {
      const admin = readFileSync(adminFile, 'utf8').trim();
      const post = async (base: string, path: string, key: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> => {
        const res = await fetch(`${base}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
        return { status: res.status, body: (await res.json()) as Record<string, unknown> };
      };
      const club = await post(na.url, '/v1/organisations', admin, { id: 'club', name: 'Club', kind: 'collector', rightsContact: 'privacy@club.example' });
      assert.equal(club.status, 201);
      assert.equal((await post(nb.url, '/v1/organisations', admin, { id: 'broker', name: 'Broker', kind: 'broker', rightsContact: 'dpo@broker.example' })).status, 201);
      const clubKey = (club.body.apiKey as { token: string }).token;
      const notice = { id: 'n1', controller: 'club', version: '1', language: 'en', title: 'Notice', text: 'Marketing by us and by List Broker Ltd.', purposes: ['marketing'], recipients: ['broker'], effectiveFrom: '2015-01-01' };
      assert.equal((await post(na.url, '/v1/notices', clubKey, notice)).status, 201);
      const discloser = await post(nb.url, '/v1/organisations/club/api-keys', admin, { role: 'discloser' });
      assert.equal(discloser.status, 201, JSON.stringify(discloser.body));
      const discloserKey = (discloser.body.apiKey as { token: string }).token;

      // 2 × 150 single writes, 20 in flight at a time on each node.
      const PER_NODE = 150;
      let acknowledged = 0;
      const writes = [na.url, nb.url].map(async (base, node) => {
        for (let i = 0; i < PER_NODE; i += 20) {
          const rs = await Promise.all(
            Array.from({ length: Math.min(20, PER_NODE - i) }, (_, j) =>
              post(base, '/v1/consent-events', clubKey, { event_id: `n${node}-${i + j}`, email: `p${node}-${i + j}@example.org`, purposes: ['marketing'], recipients: ['broker'], status: 'ConsentGiven', notice: 'n1', at: '2016-02-01T10:00:00Z', method: 'web-form' }),
            ),
          );
          for (const r of rs) {
            assert.equal(r.status, 201, `${JSON.stringify(r.body)}\n${na.output()}\n${nb.output()}`);
            acknowledged++;
          }
        }
      });
      await Promise.all(writes);
      assert.equal(acknowledged, 2 * PER_NODE);

      // Node B decides on node A's writes (and A on B's) once it has followed the log.
      const everyone = Array.from({ length: 2 * PER_NODE }, (_, k) => ({ email: `p${k < PER_NODE ? 0 : 1}-${k % PER_NODE}@example.org` }));
      const check = async (base: string): Promise<number> => {
        const res = await fetch(`${base}/v1/transfers/check?from=club&to=broker&purpose=marketing&fields=email`, {
          method: 'POST',
          headers: { authorization: `Bearer ${discloserKey}`, 'content-type': 'application/x-ndjson' },
          body: everyone.map((x) => JSON.stringify(x)).join('\n') + '\n',
        });
        const out = (await res.json()) as { allowed: number };
        assert.equal(res.status, 200, JSON.stringify(out));
        return out.allowed;
      };
      assert.equal(await until('node B allows all', () => check(nb.url), (n) => n === 2 * PER_NODE), 2 * PER_NODE);
      assert.equal(await until('node A allows all', () => check(na.url), (n) => n === 2 * PER_NODE), 2 * PER_NODE);
    } finally {
      for (const child of [a, b]) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
    }
    const verify = await runCli(['ledger', 'verify', '--json'], { env });
    assert.equal(verify.code, 0, verify.stderr);
    const status = JSON.parse((await runCli(['status', '--json'], { env })).stdout) as { consentEvents: number; ledgerLeaves: number; organisations: number; notices: number };
    assert.equal(status.consentEvents, 300);
    // 2 organisations + 1 notice + 300 consent events: one leaf each, no more, no fewer.
    assert.equal(status.ledgerLeaves, 303);
    const verified = JSON.parse(verify.stdout) as { ok: boolean; treeSize: number; checked: { leaves: number; treeHeads: number } };
    assert.deepEqual([verified.ok, verified.treeSize, verified.checked.leaves], [true, 303, 303]);
    assert.ok(verified.checked.treeHeads >= 2, "both nodes signed tree heads over the one log");
  });
});
