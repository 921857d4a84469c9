/**
 * Single consent writes under load: the responses to Idempotency-Keys are stored with their
 * events' batch, the decision facts take a batch's events without reading them back only when
 * nothing else was appended in between, and a server on SQLite leaves checkpoints to a worker.
 */
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { openApp } from '../../src/app.ts';
import { issueApiKey } from '../../src/api/api-keys.ts';
import { buildServer } from '../../src/api/server.ts';
import { serveFromSqlite } from '../../src/api/sqlite-serving.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { BROKER, CLUB, notice } from '../helpers/fixtures.ts';
import { freshPgUrl, pgUnavailable } from '../helpers/pg.ts';
import { tmpDir } from '../helpers/tmp.ts';
import { call, consentBody, startFixture, type Fixture } from './fixture.ts';

const CHECK = '/v1/transfers/check?from=club&to=broker&purpose=marketing&fields=name&channel=post';

async function until(what: string, ok: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) assert.fail(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Writes sent together, each with its own Idempotency-Key, replay one by one afterwards. */
async function replaysEachOfABatch(f: Fixture, club: string): Promise<void> {
  const bodies = Array.from({ length: 30 }, (_, i) => consentBody(`batch.${i}@example.org`, { recipients: ['broker'] }));
  const keyOf = (i: number): Record<string, string> => ({ 'idempotency-key': `batch-${i}-${Date.now()}` });
  const headers = bodies.map((_, i) => keyOf(i));
  const first = await Promise.all(bodies.map((body, i) => call(f, 'POST', '/v1/consent-events', { key: club, body, headers: headers[i]! })));
  for (const r of first) assert.equal(r.status, 201, JSON.stringify(r.body));
  const again = await Promise.all(bodies.map((body, i) => call(f, 'POST', '/v1/consent-events', { key: club, body, headers: headers[i]! })));
  again.forEach((r, i) => {
    assert.equal(r.status, 201);
    assert.equal(r.headers['idempotent-replayed'], 'true');
    assert.deepEqual(r.body, first[i]!.body);
  });
  // The stored record holds the request: the same key with another body is refused.
  const reused = await call(f, 'POST', '/v1/consent-events', { key: club, body: bodies[1], headers: headers[0]! });
  assert.equal(reused.status, 409);
  assert.equal(reused.body.code, 'idempotency-key-reused');
}

describe('single writes on SQLite', () => {
  it('stores the response to each Idempotency-Key with its batch, and only successful ones', async () => {
    const f = await startFixture();
    const club = f.keys['collector@club']!;
    await replaysEachOfABatch(f, club);

    // An event sent again under a new key is "unchanged", and that answer is what replays.
    const ev = consentBody('again@example.org');
    assert.equal((await call(f, 'POST', '/v1/consent-events', { key: club, body: ev })).status, 201);
    const unchanged = await call(f, 'POST', '/v1/consent-events', { key: club, body: ev, headers: { 'idempotency-key': 'again-1' } });
    assert.equal(unchanged.status, 200);
    const replay = await call(f, 'POST', '/v1/consent-events', { key: club, body: ev, headers: { 'idempotency-key': 'again-1' } });
    assert.equal(replay.status, 200);
    assert.equal(replay.headers['idempotent-replayed'], 'true');
    assert.deepEqual(replay.body, unchanged.body);

    // A refused write stores nothing under its key: sent again, it is refused again, not replayed.
    const changed = { ...ev, status: 'ConsentWithdrawn' };
    for (let i = 0; i < 2; i++) {
      const r = await call(f, 'POST', '/v1/consent-events', { key: club, body: changed, headers: { 'idempotency-key': 'conflict-1' } });
      assert.equal(r.status, 409);
      assert.equal(r.body.code, 'conflict');
      assert.equal(r.headers['idempotent-replayed'], undefined);
    }
  });

  it('decides on every stored event, also when another writer appended between the facts and a batch', async () => {
    const f = await startFixture({ followEveryMs: 3_600_000 });
    const club = f.keys['collector@club']!;
    const live = f.server.services.live;
    const allowed = async (emails: string[]): Promise<number> =>
      (await call(f, 'POST', CHECK, { key: f.keys['discloser@club']!, ndjson: emails.map((email) => ({ email, name: 'X' })) })).body.allowed as number;

    // Nothing in between: the batch's events go straight into the facts.
    assert.equal((await call(f, 'POST', '/v1/consent-events', { key: club, body: consentBody('a@example.org', { recipients: ['broker'] }) })).status, 201);
    assert.equal(live.applied, await f.app.store.ledger.size());
    assert.equal(await allowed(['a@example.org']), 1);

    // Another writer (as another process would) appends first; the API's next batch comes after it.
    const subject = f.app.keyer.keyOf({ email: 'b@example.org' });
    assert.ok(subject.ok);
    const n1 = (await f.app.store.listNotices('club')).find((n) => n.id === 'n1')!;
    await f.app.store.appendConsentEvents([
      { id: 'elsewhere-1', controller: 'club', subject: subject.key, purposes: ['marketing'], recipients: ['broker'], status: 'ConsentGiven', notice: n1.hash, at: Date.UTC(2016, 1, 1), expiresAt: null, method: 'web-form', consentType: 'expressed', evidence: null },
    ]);
    assert.equal((await call(f, 'POST', '/v1/consent-events', { key: club, body: consentBody('c@example.org', { recipients: ['broker'] }) })).status, 201);
    assert.equal(live.applied, await f.app.store.ledger.size());
    assert.equal(await allowed(['a@example.org', 'b@example.org', 'c@example.org']), 3);
  });

  it('leaves checkpoints of the log to a worker while serving, and gives the connection its settings back', async () => {
    const dir = tmpDir('consentry-serving-');
    const app = await openApp({ db: join(dir, 'store', 'consentry.db'), env: { CONSENTRY_HOME: join(dir, 'keys') } });
    const store = app.store;
    assert.ok(store instanceof SqliteStore);
    const setting = (name: string): unknown => store.db.pragma(name, { simple: true });
    const before = { autocheckpoint: setting('wal_autocheckpoint'), cache: setting('cache_size') };
    for (const o of [CLUB, BROKER]) await store.putOrganisation(o);
    await store.putNotice(notice({ recipients: ['broker'] }));
    const club = (await issueApiKey(store, { organisation: 'club', role: 'collector' })).token;
    const server = await buildServer({ app, log: false, sealEveryMs: 60_000 });
    try {
      assert.equal(setting('wal_autocheckpoint'), 20_000);
      assert.equal(setting('cache_size'), -4096);
      // The database file itself changes only when the log is copied into it; the server's own
      // connection would not do that below 20,000 pages.
      const file = store.db.name;
      await new Promise((r) => setTimeout(r, 200));
      const mtime = statSync(file).mtimeMs;
      const f: Fixture = { app, server, keys: { 'collector@club': club }, dir };
      const rs = await Promise.all(Array.from({ length: 20 }, (_, i) => call(f, 'POST', '/v1/consent-events', { key: club, body: consentBody(`ckpt.${i}@example.org`) })));
      assert.ok(rs.every((r) => r.status === 201));
      await until('the worker copies the log into the database file', () => statSync(file).mtimeMs !== mtime);
    } finally {
      await server.close();
    }
    assert.deepEqual({ autocheckpoint: setting('wal_autocheckpoint'), cache: setting('cache_size') }, before);
    await app.close();
  });

  it('changes nothing on a database that keeps no write-ahead log', async () => {
    const db = new Database(join(tmpDir('consentry-serving-'), 'plain.db'));
    try {
      assert.equal(serveFromSqlite(db), null);
      assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 1000);
    } finally {
      db.close();
    }
  });
});

const pgSkip = (await pgUnavailable()) ?? false;

describe('single writes on PostgreSQL', { skip: pgSkip }, () => {
  it('stores the response to each Idempotency-Key with its batch, and finds them again in one query', async () => {
    const dir = tmpDir('consentry-pg-writes-');
    const app = await openApp({ db: freshPgUrl('writes'), env: { CONSENTRY_HOME: join(dir, 'keys') } });
    for (const o of [CLUB, BROKER]) await app.store.putOrganisation(o);
    await app.store.putNotice(notice({ recipients: ['broker'] }));
    const club = (await issueApiKey(app.store, { organisation: 'club', role: 'collector' })).token;
    const server = await buildServer({ app, log: false, sealEveryMs: 60_000 });
    try {
      await replaysEachOfABatch({ app, server, keys: { 'collector@club': club }, dir }, club);
      const found = await app.store.getIdempotentMany([{ apiKey: 'nobody', key: 'nothing' }]);
      assert.deepEqual(found, [null]);
    } finally {
      await server.close();
      await app.close();
    }
  });
});
