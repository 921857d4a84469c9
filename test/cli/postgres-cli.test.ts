/**
 * The command line end to end on a real PostgreSQL server, held against the same commands on
 * SQLite: the two stores must give the same answers (counts, decisions, findings, proofs).
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.ts';
import { freshPgUrl, pgUnavailable } from '../helpers/pg.ts';
import { tmpDir } from '../helpers/tmp.ts';

const skip = (await pgUnavailable()) ?? false;
const T1 = ['--from', 'emmas-diary', '--to', 'experian-marketing', '--on-behalf-of', 'labour-party', '--purpose', 'political-campaign', '--fields', 'name,address,postcode,mother_dob,child_dob', '--channel', 'post'];

describe('CLI on PostgreSQL, beside SQLite', { skip }, () => {
  const dir = tmpDir('consentry-pgcli-');
  const files = join(dir, 'case');
  const sqlite = join(dir, 'sqlite', 'consentry.db');
  let pgUrl = '';
  const pgEnv = (): Record<string, string> => ({ CONSENTRY_DB: pgUrl, CONSENTRY_HOME: join(dir, 'pg-keys') });
  const both = async (args: string[]): Promise<[ReturnType<typeof JSON.parse>, ReturnType<typeof JSON.parse>, number, number]> => {
    const a = await runCli([...args, '--json', '--db', sqlite]);
    const b = await runCli([...args, '--json'], { env: pgEnv() });
    assert.equal(b.stderr, a.stderr.replaceAll(sqlite, pgUrl), 'same messages');
    return [JSON.parse(a.stdout), JSON.parse(b.stdout), a.code, b.code];
  };

  before(async () => {
    pgUrl = freshPgUrl('cli');
    const a = await runCli(['demo', '--records', '400', '--out', files, '--db', sqlite, '--json']);
    assert.equal(a.code, 0, a.stderr);
    // The same secret on both sides, so the same people get the same subject keys.
    mkdirSync(join(dir, 'pg-keys'), { recursive: true });
    copyFileSync(join(dir, 'sqlite', 'secret.key'), join(dir, 'pg-keys', 'secret.key'));
    const b = await runCli(['demo', '--records', '400', '--json'], { env: pgEnv() });
    assert.equal(b.code, 0, b.stderr);
    assert.deepEqual(JSON.parse(b.stdout).loaded, JSON.parse(a.stdout).loaded);
  });

  it('holds the same counts', async () => {
    const [a, b] = await both(['status']);
    assert.match(b.store, /^postgres:postgres:\/\/.*schema=cli_/);
    delete a.store;
    delete b.store;
    assert.deepEqual(b, a);
    assert.equal(b.consentEvents > 400, true);
  });

  it('decides T1 at its date the same way: every record refused, exit 4', async () => {
    const [a, b, ca, cb] = await both(['transfer', 'check', ...T1, '--at', '2017-05-05', join(files, 'registrants.csv')]);
    assert.equal(ca, 4);
    assert.equal(cb, 4);
    assert.equal(b.requested, 400);
    assert.equal(b.allowed, 0);
    assert.deepEqual(b, a);
  });

  it('commits the lawful transfer of today with the same decision and subject roots', async () => {
    const [a, b, ca, cb] = await both(['transfer', 'commit', ...T1, '--at', '2026-06-01', join(files, 'registrants.csv')]);
    assert.equal(ca, 3);
    assert.equal(cb, 3);
    assert.ok(b.allowed > 0 && b.allowed < 400);
    delete a.decidedAt;
    delete b.decidedAt;
    assert.deepEqual(b, a);
  });

  it('verifies the whole ledger and answers a person with the same history', async () => {
    const pg = await runCli(['ledger', 'verify', '--json'], { env: pgEnv() });
    assert.equal(pg.code, 0, pg.stderr);
    assert.equal(JSON.parse(pg.stdout).ok, true);
    const email = 'jemma.barrett.1@example.net';
    const [a, b] = await both(['who-has', '--email', email]);
    assert.deepEqual(b.transfers.map((t: { id: string; allowed: boolean }) => [t.id, t.allowed]), a.transfers.map((t: { id: string; allowed: boolean }) => [t.id, t.allowed]));
    assert.equal(b.transfers.length, 3);
  });

  it('replays the case by hand into an empty PostgreSQL store with consent import', async () => {
    const env = { CONSENTRY_DB: freshPgUrl('replay'), CONSENTRY_HOME: join(dir, 'replay-keys') };
    for (const args of [
      ['org', 'add', '--file', join(files, 'organisations.json')],
      ['notice', 'add', join(files, 'notices', 'n1.json')],
      ['notice', 'add', join(files, 'notices', 'n2.json')],
      ['agreement', 'add', join(files, 'agreements.json')],
    ]) {
      const r = await runCli(args, { env });
      assert.equal(r.code, 0, r.stderr);
    }
    const imp = await runCli(['consent', 'import', '--org', 'emmas-diary', join(files, 'consent-events.csv'), '--json'], { env });
    assert.equal(imp.code, 0, imp.stderr);
    const first = JSON.parse(imp.stdout);
    assert.equal(first.inserted > 400, true);
    const again = JSON.parse((await runCli(['consent', 'import', '--org', 'emmas-diary', join(files, 'consent-events.csv'), '--json'], { env })).stdout);
    assert.equal(again.inserted, 0);
    assert.equal(again.unchanged, first.inserted);
    const t1 = await runCli(['transfer', 'check', ...T1, '--at', '2017-05-05', join(files, 'registrants.csv'), '--json'], { env });
    assert.equal(t1.code, 4);
    assert.equal(JSON.parse(t1.stdout).refused, 400);
  });
});
