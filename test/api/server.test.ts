/** The API over a real socket: listening, graceful shutdown, rate limits, and logs without secrets. */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { call, consentBody, startFixture } from './fixture.ts';

describe('over a real socket', () => {
  it('serves on 127.0.0.1, streams NDJSON in, and finishes in-flight requests on shutdown', async () => {
    const f = await startFixture();
    const base = await f.server.listen('127.0.0.1', 0);
    assert.match(base, /^http:\/\/127\.0\.0\.1:\d+$/);
    const club = f.keys['collector@club']!;
    const health = await fetch(`${base}/healthz`);
    assert.equal(health.status, 200);
    const one = await fetch(`${base}/v1/consent-events`, { method: 'POST', headers: { authorization: `Bearer ${club}`, 'content-type': 'application/json' }, body: JSON.stringify(consentBody('sock@example.org')) });
    assert.equal(one.status, 201);

    // A bulk upload still arriving when shutdown begins is finished and stored.
    const lines = Array.from({ length: 50 }, (_, i) => `${JSON.stringify(consentBody(`late.${i}@example.org`))}\n`);
    const url = new URL(`${base}/v1/consent-events/bulk`);
    const done = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { authorization: `Bearer ${club}`, 'content-type': 'application/x-ndjson' } }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.write(lines.slice(0, 25).join(''));
      setTimeout(() => {
        closing = f.server.close();
        setTimeout(() => req.end(lines.slice(25).join('')), 100);
      }, 100);
    });
    let closing: Promise<void> = Promise.resolve();
    const r = await done;
    assert.equal(r.status, 200, r.body);
    assert.equal(JSON.parse(r.body).inserted, 50);
    await closing;
    await assert.rejects(fetch(`${base}/healthz`));
    const k = f.app.keyer.keyOf({ email: 'late.49@example.org' });
    assert.ok(k.ok);
    assert.equal((await f.app.store.consentEventsOf(k.key)).length, 1);
  });

  it('streams a transfer check over the socket', async () => {
    const f = await startFixture();
    const base = await f.server.listen('127.0.0.1', 0);
    const body = Array.from({ length: 2000 }, (_, i) => JSON.stringify({ email: `r${i}@example.org`, name: `R ${i}` })).join('\n');
    const r = await fetch(`${base}/v1/transfers/check?from=club&to=broker&purpose=marketing&fields=name`, { method: 'POST', headers: { authorization: `Bearer ${f.keys['collector@club']}`, 'content-type': 'application/x-ndjson' }, body });
    assert.equal(r.status, 200);
    const json = (await r.json()) as { requested: number; allowed: number };
    assert.equal(json.requested, 2000);
    assert.equal(json.allowed, 0);
  });
});

describe('safety', () => {
  it('limits requests per key, in the one error shape', async () => {
    const f = await startFixture({ rateLimit: { max: 3, windowMs: 60_000 } });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await call(f, 'GET', '/v1/organisations', { key: f.keys['collector@club'] })).status);
    assert.deepEqual(statuses, [200, 200, 200, 429]);
    const limited = await call(f, 'GET', '/v1/organisations', { key: f.keys['collector@club'] });
    assert.equal(limited.body.code, 'rate-limited');
    assert.ok(Array.isArray(limited.body.details));
    // Another key has its own allowance.
    assert.equal((await call(f, 'GET', '/v1/organisations', { key: f.keys['collector@rival'] })).status, 200);
  });

  it('logs requests with ids, and never a token, an identifier or a body', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(...chunk.toString().split('\n').filter((l) => l !== ''));
        cb();
      },
    });
    const f = await startFixture({ log: { level: 'info', stream } });
    const email = 'very.private.person@example.org';
    const token = f.keys['collector@club']!;
    await call(f, 'POST', '/v1/consent-events', { key: token, body: consentBody(email), headers: { 'idempotency-key': 'log-1' } });
    await call(f, 'POST', '/v1/subject-tokens', { key: token, body: { email } });
    await call(f, 'POST', `/v1/transfers/check?from=club&to=broker&purpose=marketing&fields=name&note=${encodeURIComponent(email)}`, { key: token, ndjson: [{ email, name: 'P' }] });
    await call(f, 'GET', '/v1/organisations', { headers: { authorization: `Bearer ${token}x` } });
    const text = lines.join('\n');
    assert.ok(lines.length >= 8, text);
    const parsed = lines.map((l) => JSON.parse(l) as { reqId?: string; req?: { path?: string } });
    assert.ok(parsed.some((l) => l.reqId && l.req?.path === '/v1/consent-events'));
    for (const secret of [email, 'very.private', token, token.slice(18), 'authorization', 'Bearer', 'log-1']) assert.ok(!text.includes(secret), `the log holds ${secret}`);
  });
});
