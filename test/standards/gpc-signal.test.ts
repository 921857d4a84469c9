/**
 * Global Privacy Control over HTTP: a person's objection sent with `Sec-GPC: 1` is recorded as
 * an objection to sale and sharing with source "gpc", and the next decision honours it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { call, consentBody, startFixture } from '../api/fixture.ts';

const f = await startFixture();
const club = f.keys['collector@club']!;
const discloser = f.keys['discloser@club']!;

async function person(email: string): Promise<string> {
  assert.equal((await call(f, 'POST', '/v1/consent-events', { key: club, body: consentBody(email, { purposes: ['marketing', 'political-campaign'], recipients: ['broker', 'party'] }) })).status, 201);
  return (await call(f, 'POST', '/v1/subject-tokens', { key: club, body: { email } })).body.token as string;
}

describe('Sec-GPC on people’s requests', () => {
  it('records an objection sent with Sec-GPC: 1 as a GPC objection to sale and sharing, and decisions honour it', async () => {
    const email = 'gpc-person@example.org';
    const token = await person(email);
    const check = () => call(f, 'POST', '/v1/transfers/check?from=club&to=party&purpose=political-campaign&fields=name&channel=post', { key: discloser, ndjson: [{ email, name: 'G P' }] });
    // The party has no agreement in this fixture, so the transfer is blocked anyway; what matters
    // is that this person gains the objection reason.
    assert.deepEqual((await check()).body.reasons, { 'transfer-blocked': 1 });
    const r = await call(f, 'POST', '/v1/me/rights-requests', { key: token, body: { kind: 'object', controller: 'club' }, headers: { 'sec-gpc': '1' } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.deepEqual([r.body.kind, r.body.source, r.body.scope], ['object', 'gpc', ['sale-sharing']]);
    const key = f.app.keyer.keyOf({ email });
    assert.ok(key.ok);
    const history = await f.app.store.subjectHistory(key.key);
    assert.deepEqual(history?.objections.map((o) => [o.controller, o.scope, o.source]), [['club', 'sale-sharing', 'gpc']]);
    assert.deepEqual(history?.rights.map((x) => [x.kind, x.source, x.scope]), [['object', 'gpc', ['sale-sharing']]]);
    assert.deepEqual((await check()).body.reasons, { objection: 1, 'transfer-blocked': 1 });
  });

  it('records the signal as a sale-and-sharing objection besides a withdrawal sent with it, with the header as evidence', async () => {
    const email = 'gpc-withdrawer@example.org';
    const token = await person(email);
    const r = await call(f, 'POST', '/v1/me/rights-requests', { key: token, body: { kind: 'withdraw', controller: 'club', purposes: ['marketing'] }, headers: { 'sec-gpc': '1' } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.deepEqual([r.body.kind, r.body.source, r.body.scope], ['withdraw', 'request', ['marketing']]);
    assert.deepEqual([r.body.gpc.kind, r.body.gpc.source, r.body.gpc.scope], ['object', 'gpc', ['sale-sharing']]);
    const key = f.app.keyer.keyOf({ email });
    assert.ok(key.ok);
    const history = await f.app.store.subjectHistory(key.key);
    assert.deepEqual(history?.rights.map((x) => [x.kind, x.source, x.scope, x.note]).sort(), [
      ['object', 'gpc', ['sale-sharing'], 'Sec-GPC: 1 (Global Privacy Control)'],
      ['withdraw', 'request', ['marketing'], null],
    ]);
    assert.deepEqual(history?.objections.map((o) => [o.scope, o.source]), [['sale-sharing', 'gpc']]);
    // Without the header, a withdrawal is only a withdrawal.
    const plain = await call(f, 'POST', '/v1/me/rights-requests', { key: await person('plain-withdrawer@example.org'), body: { kind: 'withdraw', controller: 'club', purposes: ['marketing'] } });
    assert.equal(plain.status, 201);
    assert.equal(plain.body.gpc, undefined);
  });

  it('treats an objection without the header as the objection the body names', async () => {
    const token = await person('plain-objector@example.org');
    const r = await call(f, 'POST', '/v1/me/rights-requests', { key: token, body: { kind: 'object', controller: 'club', scope: 'direct-marketing' } });
    assert.deepEqual([r.status, r.body.source, r.body.scope], [201, 'request', ['direct-marketing']]);
    // Any value but exactly "1" is not a GPC signal (GPC spec: the only defined value is "1").
    const token2 = await person('not-one@example.org');
    const r2 = await call(f, 'POST', '/v1/me/rights-requests', { key: token2, body: { kind: 'object', controller: 'club', scope: 'direct-marketing' }, headers: { 'sec-gpc': 'true' } });
    assert.deepEqual([r2.status, r2.body.source, r2.body.scope], [201, 'request', ['direct-marketing']]);
  });
});
