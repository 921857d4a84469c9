/**
 * The routes the web app adds (src/api/routes/console.ts) over a real server and store: who a
 * credential is, consent statistics per purpose, a check that says which records may go, the
 * holders' side of rights requests, a person's request status, and the ledger check.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { call, consentBody, startFixture } from '../api/fixture.ts';

const f = await startFixture();
const club = f.keys['collector@club']!;
const broker = f.keys['discloser@broker']!;
const party = f.keys['recipient@party']!;
const regulator = f.keys['regulator@ico']!;
const rival = f.keys['collector@rival']!;

const A = 'ann@example.org';
const B = 'bob@example.org';
const C = 'cat@example.org';
const at = (d: string): string => `${d}T10:00:00Z`;
for (const [email, over] of [
  [A, { purposes: ['marketing'], recipients: ['broker'], at: at('2016-02-01') }],
  [B, { purposes: ['marketing'], recipients: ['broker'], at: at('2016-02-02') }],
  [B, { purposes: ['marketing'], recipients: ['broker'], status: 'ConsentWithdrawn', at: at('2016-03-01') }],
  [C, { purposes: ['marketing', 'service-provision'], status: 'ConsentRefused', at: at('2016-02-03') }],
  [C, { purposes: ['service-provision'], at: at('2016-02-04') }],
] as const) {
  const r = await call(f, 'POST', '/v1/consent-events', { key: club, body: consentBody(email, over) });
  assert.equal(r.status, 201, JSON.stringify(r.body));
}

const unpack = (base64: string, n: number): number[] => {
  const bytes = Buffer.from(base64, 'base64');
  return Array.from({ length: n }, (_, i) => (bytes[i >> 3]! >> (i & 7)) & 1);
};

describe('console routes', () => {
  it('tells a credential who it is', async () => {
    assert.deepEqual((await call(f, 'GET', '/v1/console/session', { key: club })).body, { kind: 'key', role: 'collector', organisation: { id: 'club', name: 'Parenting Club Ltd', kind: 'collector' } });
    assert.deepEqual((await call(f, 'GET', '/v1/console/session', { key: f.keys.admin! })).body, { kind: 'key', role: 'admin', organisation: null });
    const token = await call(f, 'POST', '/v1/subject-tokens', { key: club, body: { email: A } });
    const me = await call(f, 'GET', '/v1/console/session', { key: token.body.token });
    assert.deepEqual(me.body, { kind: 'subject', expiresAt: token.body.expiresAt });
    assert.equal((await call(f, 'GET', '/v1/console/session')).status, 401);
  });

  it('counts people per purpose by the latest state of their consent', async () => {
    const r = await call(f, 'GET', '/v1/console/consent-stats', { key: club });
    assert.equal(r.status, 200);
    assert.equal(r.body.controller, 'club');
    assert.deepEqual(r.body.purposes, [
      { purpose: 'marketing', people: 3, valid: 1, withdrawn: 1, refused: 1, other: 0, events: 4 },
      { purpose: 'service-provision', people: 1, valid: 1, withdrawn: 0, refused: 0, other: 0, events: 2 },
    ]);
    assert.equal((await call(f, 'GET', '/v1/console/consent-stats?controller=club', { key: regulator })).body.purposes.length, 2);
    assert.deepEqual((await call(f, 'GET', '/v1/console/consent-stats', { key: regulator })).body.purposes, []);
    assert.equal((await call(f, 'GET', '/v1/console/consent-stats', { key: f.keys.admin! })).status, 400);
    assert.equal((await call(f, 'GET', '/v1/console/consent-stats?controller=club', { key: rival })).status, 404);
  });

  it('answers a check with the summary of /v1/transfers/check and one bit per record', async () => {
    const q = 'from=club&to=broker&purpose=marketing&fields=name&channel=post&at=2020-01-01';
    const records = [{ email: B, name: 'Bob' }, { email: A, name: 'Ann' }, { email: C, name: 'Cat' }, { email: 'nobody@example.org', name: 'N' }];
    const plain = await call(f, 'POST', `/v1/transfers/check?${q}`, { key: club, ndjson: records });
    const r = await call(f, 'POST', `/v1/console/transfers/check?${q}`, { key: club, ndjson: records });
    assert.equal(r.status, 200);
    const { allowedRecords, ...summary } = r.body;
    assert.deepEqual(summary, plain.body);
    assert.equal(summary.allowed, 1);
    assert.deepEqual(unpack(allowedRecords, 4), [0, 1, 0, 0]);
    assert.equal((await call(f, 'POST', `/v1/console/transfers/check?${q.replace('from=club', 'from=rival')}`, { key: club, ndjson: records })).status, 403);
  });

  it('passes a person’s request to the holder, which sees it, acknowledges it once, and the person sees that', async () => {
    const commit = await call(f, 'POST', '/v1/transfers/commit?from=club&to=broker&purpose=marketing&fields=name&channel=post&at=2020-01-01', { key: club, ndjson: [{ email: A, name: 'Ann' }] });
    assert.equal(commit.status, 201);
    const token = (await call(f, 'POST', '/v1/subject-tokens', { key: club, body: { email: A } })).body.token as string;
    const request = await call(f, 'POST', '/v1/me/rights-requests', { key: token, body: { kind: 'withdraw', controller: 'club' } });
    assert.equal(request.status, 201);
    assert.deepEqual(request.body.passedTo.map((p: { holder: string }) => p.holder), ['broker']);
    const id = request.body.id as string;

    const pending = await call(f, 'GET', '/v1/console/rights-notices', { key: broker });
    assert.deepEqual(
      pending.body.items.map((n: Record<string, unknown>) => [n.request, n.kind, n.controller, n.holder, n.acknowledgedAt, n.overdue]),
      [[id, 'withdraw', 'club', 'broker', null, false]],
    );
    assert.deepEqual((await call(f, 'GET', '/v1/console/rights-notices', { key: club })).body.items, []);
    assert.equal((await call(f, 'GET', '/v1/console/rights-notices', { key: regulator })).body.items.length, 1);
    assert.equal((await call(f, 'GET', '/v1/console/rights-notices?holder=party', { key: broker })).status, 404);

    assert.equal((await call(f, 'POST', `/v1/console/rights-notices/${id}/acknowledge`, { key: regulator, body: {} })).status, 403);
    assert.equal((await call(f, 'POST', `/v1/console/rights-notices/${id}/acknowledge`, { key: party, body: {} })).status, 404);
    const ack = await call(f, 'POST', `/v1/console/rights-notices/${id}/acknowledge`, { key: broker, body: {} });
    assert.equal(ack.status, 201);
    assert.deepEqual(ack.body, { request: id, holder: 'broker', result: 'created' });
    assert.equal((await call(f, 'POST', `/v1/console/rights-notices/${id}/acknowledge`, { key: broker, body: {} })).status, 200);
    assert.deepEqual((await call(f, 'GET', '/v1/console/rights-notices', { key: broker })).body.items, []);
    const all = await call(f, 'GET', '/v1/console/rights-notices?state=all', { key: broker });
    assert.equal(all.body.items.length, 1);
    assert.match(all.body.items[0].acknowledgedAt, /^\d{4}-\d\d-\d\dT/);

    const mine = await call(f, 'GET', '/v1/me/rights-notices', { key: token });
    assert.equal(mine.status, 200);
    assert.equal(mine.body.items.length, 1);
    assert.equal(mine.body.items[0].id, id);
    assert.deepEqual(
      mine.body.items[0].holders.map((h: Record<string, unknown>) => [h.holder, h.acknowledgedAt === all.body.items[0].acknowledgedAt, h.overdue]),
      [['broker', true, false]],
    );
    assert.equal((await call(f, 'GET', '/v1/me/rights-notices', { key: broker })).status, 403);
  });

  it('checks the latest signed tree head against the log key and today’s tree', async () => {
    const r = await call(f, 'GET', '/v1/console/ledger/verify', { key: party });
    assert.equal(r.status, 200);
    assert.equal(r.body.verified, true);
    assert.deepEqual(
      r.body.checks.map((c: { check: string; ok: boolean }) => [c.check, c.ok]),
      r.body.checks.length === 4
        ? [
            ['signature', true],
            ['consistency-previous', true],
            ['consistency-current', true],
            ['cosignatures', true],
          ]
        : [
            ['signature', true],
            ['consistency-current', true],
            ['cosignatures', true],
          ],
    );
    const ledger = await call(f, 'GET', '/v1/ledger', { key: party });
    assert.equal(r.body.treeSize, ledger.body.latest.size);
  });
});
