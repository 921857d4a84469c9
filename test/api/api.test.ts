/** The API in-process (fastify.inject) over a real SQLite store: inputs, errors, writes, idempotency. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { consentBody, call, startFixture } from './fixture.ts';

const f = await startFixture();
const club = f.keys['collector@club']!;

const T_MARKETING = '/v1/transfers/check?from=club&to=broker&purpose=marketing&fields=name&channel=post';

describe('the API basics', () => {
  it('answers health and readiness without credentials', async () => {
    assert.deepEqual((await call(f, 'GET', '/healthz')).body, { status: 'ok' });
    const ready = await call(f, 'GET', '/readyz');
    assert.equal(ready.status, 200);
    assert.equal(ready.body.status, 'ready');
  });

  it('serves an OpenAPI 3.1 document naming every route, and the docs from this server', async () => {
    const doc = await call(f, 'GET', '/openapi.json');
    assert.equal(doc.body.openapi, '3.1.0');
    for (const p of ['/v1/consent-events', '/v1/consent-events/bulk', '/v1/transfers/check', '/v1/transfers/commit', '/v1/me/transfers/{id}/proof', '/v1/ledger/leaves/{index}/proof']) {
      assert.ok(doc.body.paths[p], `missing ${p}`);
    }
    assert.ok(doc.body.paths['/v1/notices'].post.requestBody.content['application/json'].schema.properties.controller);
    assert.equal(doc.body.paths['/v1/transfers/check'].post.parameters.find((x: { name: string }) => x.name === 'from').in, 'query');
    const page = await call(f, 'GET', '/docs');
    assert.equal(page.status, 200);
    assert.match(String(page.body), /swagger-ui-bundle\.js/);
    assert.doesNotMatch(String(page.body), /https?:\/\//, 'no asset from another host');
    const js = await call(f, 'GET', '/docs/swagger-ui-bundle.js');
    assert.equal(js.status, 200);
    assert.match(String(js.headers['content-type']), /javascript/);
  });

  it('refuses missing, malformed and unknown credentials with 401 in the one error shape', async () => {
    for (const headers of [{}, { authorization: 'Basic abc' }, { authorization: 'Bearer csk_aaaaaaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb' }, { authorization: 'Bearer cst_x.y' }]) {
      const r = await call(f, 'GET', '/v1/organisations', { headers });
      assert.equal(r.status, 401);
      assert.equal(r.body.code, 'unauthenticated');
      assert.equal(typeof r.body.message, 'string');
      assert.ok(Array.isArray(r.body.details) && r.body.details.length > 0);
    }
  });

  it('gives every response a request id and unknown routes the error shape', async () => {
    const r = await call(f, 'GET', '/v1/nothing-here', { key: club });
    assert.equal(r.status, 404);
    assert.equal(r.body.code, 'not-found');
    assert.match(String(r.headers['x-request-id']), /^[0-9a-f-]{36}$/);
  });

  it('names each bad field in a 400', async () => {
    const r = await call(f, 'POST', '/v1/consent-events', { key: club, body: consentBody('jane@example.org', { purposes: ['no-such-purpose'], status: 'Maybe', colour: 'blue' }) });
    assert.equal(r.status, 400);
    assert.equal(r.body.code, 'invalid-input');
    assert.deepEqual(r.body.details.map((d: { field: string }) => d.field), ['colour']);
    const r2 = await call(f, 'POST', '/v1/consent-events', { key: club, body: consentBody('jane@example.org', { purposes: ['no-such-purpose'], status: 'Maybe' }) });
    assert.equal(r2.status, 400);
    const fields = r2.body.details.map((d: { field: string }) => d.field);
    assert.ok(fields.includes('status') && fields.some((x: string) => x.startsWith('purposes')), JSON.stringify(r2.body));
    const bad = await call(f, 'POST', '/v1/notices', { key: club, body: { id: 'n9', controller: 'club' } });
    assert.equal(bad.status, 400);
    assert.ok(bad.body.details.some((d: { field: string }) => d.field === 'title'));
    const json = await call(f, 'POST', '/v1/notices', { key: club, body: undefined, headers: { 'content-type': 'application/json' }, ndjson: '{not json' });
    assert.equal(json.status, 400);
    assert.equal(typeof json.body.code, 'string');
  });

  it('limits body sizes: small for single writes', async () => {
    const r = await call(f, 'POST', '/v1/consent-events', { key: club, body: consentBody('big@example.org', { evidence: 'x'.repeat(70 * 1024) }) });
    assert.equal(r.status, 413);
    assert.equal(r.body.code, 'body-too-large');
  });
});

describe('consent events', () => {
  it('stores an event once, keeps the decision facts current, and refuses a changed event under the same id', async () => {
    const before = await call(f, 'POST', T_MARKETING, { key: club, ndjson: [{ email: 'ann@example.org', name: 'Ann' }] });
    assert.equal(before.status, 200, JSON.stringify(before.body));
    assert.equal(before.body.allowed, 0);
    const ev = consentBody('ann@example.org', { recipients: ['broker'] });
    const first = await call(f, 'POST', '/v1/consent-events', { key: club, body: ev });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    assert.deepEqual(first.body, { event_id: ev.event_id, controller: 'club', result: 'created' });
    const again = await call(f, 'POST', '/v1/consent-events', { key: club, body: ev });
    assert.equal(again.status, 200);
    assert.equal(again.body.result, 'unchanged');
    const changed = await call(f, 'POST', '/v1/consent-events', { key: club, body: { ...ev, status: 'ConsentWithdrawn' } });
    assert.equal(changed.status, 409);
    assert.equal(changed.body.code, 'conflict');
    // The engine sees the new consent without a restart.
    const after = await call(f, 'POST', T_MARKETING, { key: club, ndjson: [{ email: 'ann@example.org', name: 'Ann' }, { email: 'nobody@example.org', name: 'No' }] });
    assert.equal(after.body.requested, 2);
    assert.equal(after.body.allowed, 1, JSON.stringify(after.body));
  });

  it('writes many events sent together as one batch and answers each', async () => {
    const bodies = Array.from({ length: 40 }, (_, i) => consentBody(`many.${i}@example.org`));
    const rs = await Promise.all(bodies.map((body) => call(f, 'POST', '/v1/consent-events', { key: club, body })));
    assert.ok(rs.every((r) => r.status === 201));
    const dup = await Promise.all([0, 1, 2].map(() => call(f, 'POST', '/v1/consent-events', { key: club, body: bodies[0] })));
    assert.ok(dup.every((r) => r.status === 200 && r.body.result === 'unchanged'));
  });

  it('replays a retried write with the same Idempotency-Key and never stores it twice', async () => {
    const ev = consentBody('idem@example.org');
    const headers = { 'idempotency-key': 'retry-1' };
    const key = f.app.keyer.keyOf({ email: 'idem@example.org' });
    assert.ok(key.ok);
    const first = await call(f, 'POST', '/v1/consent-events', { key: club, body: ev, headers });
    const [second, third] = await Promise.all([call(f, 'POST', '/v1/consent-events', { key: club, body: ev, headers }), call(f, 'POST', '/v1/consent-events', { key: club, body: ev, headers })]);
    assert.equal(first.status, 201);
    for (const r of [second, third]) {
      assert.equal(r.status, 201);
      assert.deepEqual(r.body, first.body);
      assert.equal(r.headers['idempotent-replayed'], 'true');
    }
    assert.equal((await f.app.store.consentEventsOf(key.key)).length, 1);
    const other = await call(f, 'POST', '/v1/consent-events', { key: club, body: consentBody('idem2@example.org'), headers });
    assert.equal(other.status, 409);
    assert.equal(other.body.code, 'idempotency-key-reused');
    const bad = await call(f, 'POST', '/v1/consent-events', { key: club, body: ev, headers: { 'idempotency-key': 'x'.repeat(201) } });
    assert.equal(bad.status, 400);
  });

  it('takes NDJSON in bulk: all lines checked first, nothing stored when one is bad', async () => {
    const good = [consentBody('bulk.1@example.org'), consentBody('bulk.2@example.org')];
    const bad = await call(f, 'POST', '/v1/consent-events/bulk', { key: club, ndjson: [...good, { ...consentBody('bulk.3@example.org'), purposes: ['nope'] }] });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'invalid-rows');
    assert.equal(bad.body.details[0].where, 'body:3');
    const k1 = f.app.keyer.keyOf({ email: 'bulk.1@example.org' });
    assert.ok(k1.ok);
    assert.equal((await f.app.store.consentEventsOf(k1.key)).length, 0, 'nothing stored');
    const notJson = await call(f, 'POST', '/v1/consent-events/bulk', { key: club, ndjson: `${JSON.stringify(good[0])}\n{oops\n` });
    assert.equal(notJson.status, 400);
    assert.equal(notJson.body.details[0].where, 'body:2');

    const headers = { 'idempotency-key': 'bulk-1' };
    const ok = await call(f, 'POST', '/v1/consent-events/bulk', { key: club, ndjson: good, headers });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.inserted, 2);
    const replay = await call(f, 'POST', '/v1/consent-events/bulk', { key: club, ndjson: good, headers });
    assert.deepEqual(replay.body, ok.body);
    assert.equal(replay.headers['idempotent-replayed'], 'true');
    const again = await call(f, 'POST', '/v1/consent-events/bulk', { key: club, ndjson: good });
    assert.equal(again.body.inserted, 0);
    assert.equal(again.body.unchanged, 2);

    const skip = await call(f, 'POST', '/v1/consent-events/bulk?skipInvalid=true', { key: club, ndjson: [consentBody('bulk.4@example.org'), { event_id: 'x' }] });
    assert.equal(skip.status, 200);
    assert.equal(skip.body.inserted, 1);
    assert.equal(skip.body.rejected, 1);
    const wrongType = await call(f, 'POST', '/v1/consent-events/bulk', { key: club, body: good });
    assert.equal(wrongType.status, 415);
  });
});

describe('transfers, people and the ledger', () => {
  let transferId = '';
  const jane = 'jane.transfer@example.org';

  it('commits a transfer once; the same commit again is the same transfer', async () => {
    await call(f, 'POST', '/v1/consent-events', { key: club, body: consentBody(jane, { recipients: ['broker'] }) });
    const url = '/v1/transfers/commit?from=club&to=broker&purpose=marketing&fields=name&channel=post&at=2020-01-01';
    const rows = [{ email: jane, name: 'Jane' }, { email: 'stranger@example.org', name: 'S' }];
    const first = await call(f, 'POST', url, { key: club, ndjson: rows, headers: { 'idempotency-key': 'commit-1' } });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    assert.equal(first.body.allowed, 1);
    transferId = first.body.transfer.id;
    const again = await call(f, 'POST', url, { key: club, ndjson: rows });
    assert.equal(again.status, 200);
    assert.equal(again.body.transfer.id, transferId);
    const reused = await call(f, 'POST', url, { key: club, ndjson: rows.slice(0, 1), headers: { 'idempotency-key': 'commit-1' } });
    assert.equal(reused.status, 409);
    const missing = await call(f, 'POST', '/v1/transfers/check?from=club&to=broker&purpose=marketing&fields=address', { key: club, ndjson: rows });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.code, 'missing-columns');
    const unknownOrg = await call(f, 'POST', '/v1/transfers/check?from=club&to=nobody&purpose=marketing&fields=name', { key: club, ndjson: rows });
    assert.equal(unknownOrg.status, 400);
    assert.equal(unknownOrg.body.code, 'unknown-organisation');
  });

  it('lets a verified person see their own consents and transfers, with a proof that checks offline', async () => {
    const { verifyTransferProof } = await import('../../src/gateway/transfer-proof.ts');
    const { encodeVerifierKey, verifierKeyOf } = await import('../../src/ledger/signing-key.ts');
    const issued = await call(f, 'POST', '/v1/subject-tokens', { key: club, body: { email: jane } });
    assert.equal(issued.status, 201, JSON.stringify(issued.body));
    const token = issued.body.token as string;
    assert.ok(!token.includes(jane));
    const events = await call(f, 'GET', '/v1/me/consent-events', { key: token });
    assert.equal(events.status, 200);
    assert.equal(events.body.items.length, 1);
    const ts = await call(f, 'GET', '/v1/me/transfers', { key: token });
    assert.deepEqual(ts.body.items.map((t: { id: string; allowed: boolean }) => [t.id, t.allowed]), [[transferId, true]]);
    const proof = await call(f, 'GET', `/v1/me/transfers/${transferId}/proof`, { key: token });
    assert.equal(proof.status, 200);
    const check = verifyTransferProof(proof.body, encodeVerifierKey(verifierKeyOf(f.app.signingKey())));
    assert.deepEqual([check.ok, check.signed, check.requested, check.allowed], [true, true, true, true]);
    // A person's token reaches nothing else.
    assert.equal((await call(f, 'GET', '/v1/organisations', { key: token })).status, 403);
    assert.equal((await call(f, 'GET', '/v1/transfers', { key: token })).status, 403);
  });

  it("passes a person's withdrawal downstream once, and the next decision respects it at once", async () => {
    const token = (await call(f, 'POST', '/v1/subject-tokens', { key: club, body: { email: jane } })).body.token as string;
    const before = await call(f, 'POST', '/v1/transfers/check?from=club&to=broker&purpose=marketing&fields=name&channel=post', { key: club, ndjson: [{ email: jane, name: 'Jane' }] });
    assert.equal(before.body.allowed, 1);
    const body = { kind: 'withdraw', controller: 'club', purposes: ['marketing'] };
    const w = await call(f, 'POST', '/v1/me/rights-requests', { key: token, body });
    assert.equal(w.status, 201, JSON.stringify(w.body));
    assert.deepEqual(w.body.passedTo.map((p: { holder: string }) => p.holder), ['broker']);
    const again = await call(f, 'POST', '/v1/me/rights-requests', { key: token, body });
    assert.equal(again.status, 200);
    assert.equal(again.body.id, w.body.id);
    const after = await call(f, 'POST', '/v1/transfers/check?from=club&to=broker&purpose=marketing&fields=name&channel=post', { key: club, ndjson: [{ email: jane, name: 'Jane' }] });
    assert.equal(after.body.allowed, 0);
    assert.equal(after.body.reasons['consent-withdrawn'], 1);
    const who = await call(f, 'GET', '/v1/me/who-has?proofs=false', { key: token });
    assert.equal(who.status, 200);
    assert.ok(who.body.heldBy.some((h: { organisation: { id: string } }) => h.organisation.id === 'broker'));
    assert.deepEqual(who.body.rights.map((r: { kind: string }) => r.kind), ['withdraw']);
  });

  it('refuses tokens for people the collector has no consent from, and expired or altered tokens', async () => {
    assert.equal((await call(f, 'POST', '/v1/subject-tokens', { key: f.keys['collector@rival']!, body: { email: jane } })).status, 404);
    assert.equal((await call(f, 'POST', '/v1/subject-tokens', { key: club, body: { email: 'not an email' } })).status, 400);
    const key = f.app.keyer.keyOf({ email: jane });
    assert.ok(key.ok);
    const expired = f.server.services.tokens.sign(key.key, Date.now() - 1000);
    assert.equal((await call(f, 'GET', '/v1/me/consent-events', { key: expired })).status, 401);
    const good = f.server.services.tokens.sign(key.key, Date.now() + 60_000);
    const [payload, mac] = good.slice(4).split('.');
    const other = f.app.keyer.keyOf({ email: 'someone.else@example.org' });
    assert.ok(other.ok);
    const forged = `cst_${Buffer.from(JSON.stringify({ sub: Buffer.from(other.key).toString('hex'), exp: JSON.parse(Buffer.from(payload!, 'base64url').toString()).exp })).toString('base64url')}.${mac}`;
    assert.equal((await call(f, 'GET', '/v1/me/consent-events', { key: forged })).status, 401);
  });

  it('gives ledger status and inclusion proofs that verify against the public key', async () => {
    const { verifyInclusionProof } = await import('../../src/ledger/inclusion-proof.ts');
    const status = await call(f, 'GET', '/v1/ledger', { key: club });
    assert.equal(status.status, 200);
    assert.ok(status.body.size > 0 && status.body.latest.size === status.body.size);
    const t = await call(f, 'GET', `/v1/transfers/${transferId}`, { key: club });
    const proof = await call(f, 'GET', `/v1/ledger/leaves/${t.body.leaf}/proof`, { key: club });
    assert.equal(proof.status, 200);
    assert.ok(verifyInclusionProof(proof.body, status.body.publicKey).ok);
    const heads = await call(f, 'GET', '/v1/ledger/tree-heads?limit=2', { key: club });
    assert.ok(heads.body.items.length >= 1 && heads.body.items.length <= 2);
    assert.equal((await call(f, 'GET', '/v1/ledger/leaves/999999/proof', { key: club })).status, 404);
    assert.equal((await call(f, 'GET', '/v1/ledger/leaves/-1/proof', { key: club })).status, 400);
  });
});

describe('keys', () => {
  it('lets the admin register an organisation, whose new key is shown once and works at once', async () => {
    const org = { id: 'newco', name: 'NewCo Ltd', kind: 'processor', country: 'GB', rightsContact: 'dpo@newco.example' };
    const r = await call(f, 'POST', '/v1/organisations', { key: f.keys.admin, body: org });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.apiKey.role, 'discloser');
    const token = r.body.apiKey.token as string;
    assert.match(token, /^csk_[a-z0-9]{12}_/);
    assert.equal((await call(f, 'GET', '/v1/organisations/newco', { key: token })).status, 200);
    const list = await call(f, 'GET', '/v1/api-keys', { key: f.keys.admin });
    assert.ok(!JSON.stringify(list.body).includes(token.slice(18)), 'secrets never listed');
    const again = await call(f, 'POST', '/v1/organisations', { key: f.keys.admin, body: org });
    assert.equal(again.status, 200);
    assert.equal(again.body.apiKey, null);
    const clash = await call(f, 'POST', '/v1/organisations', { key: f.keys.admin, body: { ...org, name: 'Other' } });
    assert.equal(clash.status, 409);
    const revoke = await call(f, 'POST', `/v1/api-keys/${r.body.apiKey.id}/revoke`, { key: f.keys.admin });
    assert.equal(revoke.body.revoked, true);
    assert.equal((await call(f, 'GET', '/v1/organisations', { key: token })).status, 401);
  });
});
