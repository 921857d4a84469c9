/** End to end: the real CLI in child processes, real SQLite files, the reference case at a small size. */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { runCli, startCli } from '../helpers/cli.ts';
import { tmpDir } from '../helpers/tmp.ts';

const dir = tmpDir();
const db = join(dir, 'case', 'consentry.db');
const files = join(dir, 'files');
/** The demo's replay withdraws some opt-ins in April 2026 (and one objects), so they are no longer allowed today. */
let withdrawals = 0;
const T1 = ['--from', 'emmas-diary', '--to', 'experian-marketing', '--on-behalf-of', 'labour-party', '--purpose', 'political-campaign', '--fields', 'name,address,postcode,mother_dob,child_dob', '--channel', 'post'];

describe('consentry CLI on the reference case', () => {
  before(async () => {
    const r = await runCli(['demo', '--records', '3000', '--db', db, '--out', files, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const { loaded, phasesMs } = JSON.parse(r.stdout) as { loaded: { records: number; flow: { withdrawals: number; gpcObjections: number } }; phasesMs: Record<string, number> };
    assert.equal(loaded.records, 3000);
    // How long each phase of the load took, for scripts and the benchmarks.
    assert.deepEqual(Object.keys(phasesMs), ['events', 'flow', 'snapshot']);
    assert.ok(phasesMs.events! > 0 && phasesMs.flow! > 0 && phasesMs.snapshot! >= 0, JSON.stringify(phasesMs));
    // An objection to sale and sharing (GPC) also covers political advertising.
    withdrawals = loaded.flow.withdrawals + loaded.flow.gpcObjections;
  });

  it('creates the store with a private secret beside it', () => {
    assert.ok(existsSync(db));
    const mode = statSync(join(dir, 'case', 'secret.key')).mode & 0o777;
    assert.equal(mode, 0o600);
  });

  it('reports the store as JSON for scripts', async () => {
    const r = await runCli(['status', '--json', '--db', db]);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout) as { subjects: number; consentEvents: number; organisations: number };
    assert.equal(s.subjects, 3000);
    assert.equal(s.organisations, 4);
    assert.ok(s.consentEvents > 6000);
  });

  it('lists the stable organisation ids', async () => {
    const r = await runCli(['org', 'list', '--json', '--db', db]);
    assert.deepEqual((JSON.parse(r.stdout) as { id: string }[]).map((o) => o.id), ['emmas-diary', 'experian-marketing', 'ico', 'labour-party']);
  });

  it('declares the club register as a dataset with data categories', async () => {
    const r = await runCli(['dataset', 'list', '--json', '--db', db]);
    const ds = JSON.parse(r.stdout) as { id: string; fields: { name: string; category: string }[] }[];
    assert.equal(ds[0]!.id, 'registrants');
    assert.deepEqual(ds[0]!.fields.find((f) => f.name === 'child_dob'), { name: 'child_dob', category: 'child-birth-date' });
    const again = await runCli(['dataset', 'add', join(files, 'datasets.json'), '--json', '--db', db]);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(JSON.parse(again.stdout), [{ controller: 'emmas-diary', id: 'registrants', result: 'unchanged' }]);
    const bad = join(dir, 'bad-dataset.json');
    writeFileSync(bad, JSON.stringify({ id: 'x', controller: 'emmas-diary', name: 'X', fields: [{ name: 'mood', category: 'feelings' }] }));
    const refused = await runCli(['dataset', 'add', bad, '--db', db]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /fields\.0\.category: unknown data category/);
  });

  it('replays by hand: importing the written consent events into the same store adds nothing', async () => {
    const r = await runCli(['consent', 'import', '--org', 'emmas-diary', join(files, 'consent-events.csv'), '--json', '--db', db]);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout) as { inserted: number; unchanged: number; rows: number };
    assert.equal(s.inserted, 0);
    assert.equal(s.unchanged, s.rows);
  });

  it('writes the same files byte for byte for the same seed', async () => {
    const again = join(dir, 'again');
    const r = await runCli(['demo', '--records', '3000', '--no-load', '--out', again, '--db', join(dir, 'unused.db')]);
    assert.equal(r.code, 0, r.stderr);
    for (const f of ['registrants.csv', 'consent-events.csv', 'organisations.json', 'agreements.json']) {
      assert.deepEqual(readFileSync(join(again, f)), readFileSync(join(files, f)), f);
    }
    assert.deepEqual(readdirSync(join(again, 'notices')).sort(), ['n1.json', 'n2-ar.json', 'n2.json']);
  });

  it('refuses T1 at its date for every record, exit 4', async () => {
    const r = await runCli(['transfer', 'check', ...T1, '--at', '2017-05-05', join(files, 'registrants.csv'), '--json', '--db', db]);
    assert.equal(r.code, 4, r.stderr);
    const d = JSON.parse(r.stdout) as { requested: number; allowed: number; refused: number; reasons: Record<string, number>; findings: { rule: string; code: string }[]; pack: { id: string } };
    assert.equal(d.requested, 3000);
    assert.equal(d.allowed, 0);
    assert.equal(d.reasons['purpose-not-named'], 3000);
    assert.equal(d.reasons['recipient-not-named'], 3000);
    const codes = d.findings.map((f) => f.code);
    for (const c of ['dpia-missing', 'political-use-not-disclosed', 'fields-stripped']) assert.ok(codes.includes(c), c);
    assert.equal(d.pack.id, 'uk-gdpr');
  });

  it('allows today exactly the registrants who opted in under N2, and writes only the sent fields', async () => {
    const allowed = join(dir, 'allowed.csv');
    const refused = join(dir, 'refused.csv');
    const r = await runCli(['transfer', 'check', ...T1, join(files, 'registrants.csv'), '--out', allowed, '--refused', refused, '--json', '--db', db]);
    assert.equal(r.code, 3, r.stderr);
    const d = JSON.parse(r.stdout) as { allowed: number; refused: number; fields: { sent: string[]; stripped: string[] } };
    const optedIn = readFileSync(join(files, 'consent-events.csv'), 'utf8').split('\n').filter((l) => l.includes('-pol,')).length;
    assert.ok(optedIn > 0);
    assert.ok(withdrawals > 0);
    assert.equal(d.allowed, optedIn - withdrawals);
    assert.deepEqual(d.fields.stripped, ['mother_dob', 'child_dob']);
    const lines = readFileSync(allowed, 'utf8').trim().split('\n');
    assert.equal(lines[0], 'name,address,postcode');
    assert.equal(lines.length, optedIn - withdrawals + 1);
    const refusedLines = readFileSync(refused, 'utf8').trim().split('\n');
    assert.match(refusedLines[0]!, /refused_reasons$/);
    assert.equal(refusedLines.length, 3000 - (optedIn - withdrawals) + 1);
  });

  it('answers bad input with exit 2, a clear message, and the store unchanged', async () => {
    const before = readFileSync(db);
    const unknownOrg = await runCli(['consent', 'import', '--org', 'nobody', join(files, 'consent-events.csv'), '--db', db]);
    assert.equal(unknownOrg.code, 2);
    assert.match(unknownOrg.stderr, /unknown organisation "nobody"/);
    const badPurpose = await runCli(['transfer', 'check', '--from', 'emmas-diary', '--to', 'experian-marketing', '--purpose', 'astrology', '--fields', 'name', join(files, 'registrants.csv'), '--db', db]);
    assert.equal(badPurpose.code, 2);
    assert.match(badPurpose.stderr, /purpose: unknown purpose id/);
    const badColumn = await runCli(['transfer', 'check', ...T1.slice(0, 8), '--fields', 'name,shoe_size', join(files, 'registrants.csv'), '--db', db]);
    assert.equal(badColumn.code, 2);
    assert.match(badColumn.stderr, /no column shoe_size/);
    const usage = await runCli(['transfer', 'check', '--db', db]);
    assert.equal(usage.code, 2);
    assert.deepEqual(readFileSync(db), before);
  });

  it('refuses a 0-byte store file with exit 2', async () => {
    const empty = join(dir, 'empty.db');
    writeFileSync(empty, '');
    const r = await runCli(['status', '--db', empty]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /empty \(0 bytes\)/);
    assert.equal(readFileSync(empty).length, 0);
  });

  it('the main job loads an empty store once, then only reports', async () => {
    const store = join(dir, 'start', 'consentry.db');
    const first = await runCli(['start', '--records', '500', '--no-serve', '--db', store]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /reference case loaded/);
    const second = await runCli(['start', '--records', '500', '--no-serve', '--db', store]);
    assert.equal(second.code, 0, second.stderr);
    assert.doesNotMatch(second.stdout, /reference case loaded/);
    assert.match(second.stdout, /consentEvents/);
  });

  it('honours CONSENTRY_DB', async () => {
    const viaEnv = join(dir, 'env', 'x.db');
    const r = await runCli(['init', '--json'], { env: { CONSENTRY_DB: viaEnv } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { store: string }).store, `sqlite:${viaEnv}`);
  });

  it('resumes an import killed mid-way, and ends with every event stored once', async () => {
    const store = join(dir, 'resume', 'consentry.db');
    const big = join(dir, 'big');
    let r = await runCli(['demo', '--records', '20000', '--no-load', '--out', big, '--db', store]);
    assert.equal(r.code, 0, r.stderr);
    for (const args of [['org', 'add', '--file', join(big, 'organisations.json')], ['notice', 'add', join(big, 'notices', 'n1.json')], ['notice', 'add', join(big, 'notices', 'n2.json')], ['notice', 'add', join(big, 'notices', 'n2-ar.json')]]) {
      r = await runCli([...args, '--db', store]);
      assert.equal(r.code, 0, r.stderr);
    }
    const events = join(big, 'consent-events.csv');
    const total = readFileSync(events, 'utf8').trim().split('\n').length - 1;
    const child = startCli(['consent', 'import', '--org', 'emmas-diary', '--batch-size', '200', events, '--db', store]);
    const exited = new Promise((res) => child.on('exit', res));
    // Wait until some batches are committed, then kill without warning.
    let committed = 0;
    for (let i = 0; i < 600 && committed === 0; i++) {
      await new Promise((res) => setTimeout(res, 50));
      if (!existsSync(store)) continue;
      try {
        const peek = new Database(store, { readonly: true, fileMustExist: true });
        const row = peek.prepare("SELECT committed_line AS c FROM import_runs WHERE state = 'running'").get() as { c: number } | undefined;
        peek.close();
        committed = row?.c ?? 0;
      } catch {
        committed = 0;
      }
    }
    child.kill('SIGKILL');
    await exited;
    assert.ok(committed > 0, 'the import committed some batches before it was killed');
    r = await runCli(['consent', 'import', '--org', 'emmas-diary', events, '--json', '--db', store]);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout) as { resumedFromLine: number; inserted: number };
    assert.ok(s.resumedFromLine >= committed, `resumed after line ${s.resumedFromLine}`);
    const status = JSON.parse((await runCli(['status', '--json', '--db', store])).stdout) as { consentEvents: number; subjects: number };
    assert.equal(status.consentEvents, total);
    assert.equal(status.subjects, 20000);
  });
});
