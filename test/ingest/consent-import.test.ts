import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SubjectKeyer } from '../../src/domain/subject-key.ts';
import { UserError } from '../../src/errors.ts';
import { importConsents } from '../../src/ingest/consent-import.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { BROKER, CLUB, notice } from '../helpers/fixtures.ts';
import { tmpDir } from '../helpers/tmp.ts';

const dir = tmpDir();
const keyer = new SubjectKeyer(new Uint8Array(32).fill(1));
const HEADER = 'event_id,email,name,postcode,dob,purposes,recipients,status,notice,at,expires_at,method,consent_type,evidence';
let seq = 0;

async function freshStore(): Promise<SqliteStore> {
  const s = SqliteStore.open(join(dir, `s${seq++}.db`), dir);
  await s.putOrganisation(CLUB);
  await s.putOrganisation(BROKER);
  await s.putNotice(notice());
  return s;
}

function file(name: string, content: string | Buffer): string {
  const f = join(dir, `${seq++}-${name}`);
  writeFileSync(f, content);
  return f;
}

const GOOD_ROWS = [
  'e1,jane@example.org,,,,marketing;service-provision,,ConsentGiven,n1,2016-02-01T10:00:00Z,,web-form,expressed,form 17',
  'e2,,John Smith,LS6 2AB,1985-04-03,marketing,,ConsentRefused,n1,2016-02-02,,paper-form,,',
  'e3,jane@example.org,,,,marketing,,ConsentWithdrawn,n1,2017-01-01T00:00:00Z,,email,,',
];

async function importFile(store: SqliteStore, f: string, extra: Partial<Parameters<typeof importConsents>[0]> = {}) {
  return importConsents({ store, keyer, controller: 'club', file: f, format: f.endsWith('.csv') ? 'csv' : 'jsonl', batchSize: 2, ...extra });
}

async function expectRefused(f: string, pattern: RegExp, where?: RegExp): Promise<void> {
  const store = await freshStore();
  try {
    const before = await store.stats();
    const runsBefore = store.db.prepare('SELECT count(*) AS n FROM import_runs').get();
    await assert.rejects(importFile(store, f), (err: unknown) => {
      assert.ok(err instanceof UserError, String(err));
      assert.equal(err.exitCode, 2);
      const text = [err.message, ...err.problems.map((p) => `${p.where}: ${p.field ?? ''}: ${p.message}`)].join('\n');
      assert.match(text, pattern);
      if (where) assert.match(text, where);
      return true;
    });
    assert.deepEqual(await store.stats(), before, 'the store is exactly as it was');
    assert.deepEqual(store.db.prepare('SELECT count(*) AS n FROM import_runs').get(), runsBefore);
  } finally {
    await store.close();
  }
}

describe('consent import', () => {
  it('imports CSV, links the same person across rows, and re-importing adds nothing', async () => {
    const store = await freshStore();
    const f = file('good.csv', [HEADER, ...GOOD_ROWS].join('\n') + '\n');
    const first = await importFile(store, f);
    assert.equal(first.rows, 3);
    assert.equal(first.inserted, 3);
    assert.equal(first.newSubjects, 2);
    const again = await importFile(store, f);
    assert.equal(again.inserted, 0);
    assert.equal(again.unchanged, 3);
    assert.equal((await store.stats()).consentEvents, 3);
    const key = keyer.keyOf({ email: 'JANE@example.org' });
    assert.ok(key.ok);
    const events = await store.consentEventsOf(key.key);
    assert.deepEqual(events.map((e) => e.status), ['ConsentGiven', 'ConsentWithdrawn']);
    assert.deepEqual(events[0]!.purposes, ['marketing', 'service-provision']);
    assert.equal(events[0]!.notice, notice().hash);
    await store.close();
  });

  it('imports JSON Lines with arrays and never stores plaintext identifiers', async () => {
    const store = await freshStore();
    const rows = [
      { event_id: 'j1', email: 'mary@example.org', purposes: ['marketing'], recipients: [], status: 'ConsentGiven', notice: 'n1', at: '2016-05-01T09:00:00Z', method: 'web-form' },
      { event_id: 'j2', name: 'Mary Jones', postcode: 'M1 1AE', dob: '1990-01-31', purposes: 'marketing', status: 'consentgiven', notice: 'n1', at: '2016-05-01' },
    ];
    const f = file('good.jsonl', rows.map((r) => JSON.stringify(r)).join('\n'));
    const r = await importFile(store, f);
    assert.equal(r.inserted, 2);
    const dbBytes = readFileSync(store.description.slice('sqlite:'.length));
    for (const plain of ['mary@example.org', 'Mary Jones', 'mary jones', 'M1 1AE', '1990-01-31']) {
      assert.equal(dbBytes.includes(Buffer.from(plain)), false, `${plain} must not be stored`);
    }
    await store.close();
  });

  it('refuses missing columns, naming them', async () => {
    await expectRefused(file('cols.csv', 'event_id,email,status\ne1,a@example.org,ConsentGiven\n'), /missing columns purposes, at/, /:1/);
  });

  it('refuses unknown purposes and organisations with file:line: field', async () => {
    await expectRefused(file('purpose.csv', [HEADER, GOOD_ROWS[0], 'e9,x@example.org,,,,astrology,,ConsentGiven,,2016-01-01,,,,'].join('\n') + '\n'), /purpose\.csv:3: purposes\.0: unknown purpose id/);
    await expectRefused(file('org.csv', [HEADER, 'e9,x@example.org,,,,marketing,nobody-ltd,ConsentGiven,,2016-01-01,,,,'].join('\n') + '\n'), /org\.csv:2: recipients: unknown organisation "nobody-ltd"/);
  });

  it('refuses malformed and impossible dates', async () => {
    await expectRefused(file('date1.csv', [HEADER, 'e9,x@example.org,,,,marketing,,ConsentGiven,,next tuesday,,,,'].join('\n') + '\n'), /date1\.csv:2: at: not a valid ISO 8601/);
    await expectRefused(file('date2.csv', [HEADER, 'e9,x@example.org,,,,marketing,,ConsentGiven,,2016-02-30,,,,'].join('\n') + '\n'), /date2\.csv:2: at:/);
    await expectRefused(file('dob.csv', [HEADER, 'e9,,Ann Lee,LS6 2AB,1990-02-31,marketing,,ConsentGiven,,2016-02-01,,,,'].join('\n') + '\n'), /dob\.csv:2: dob: not a real date/);
  });

  it('refuses a consent that names a purpose its notice did not', async () => {
    await expectRefused(file('beyond.csv', [HEADER, 'e9,x@example.org,,,,political-campaign,,ConsentGiven,n1,2016-02-01,,,,'].join('\n') + '\n'), /purpose "political-campaign" is not in notice n1/);
  });

  it('refuses a repeated event id with different content, in the file and against the store', async () => {
    await expectRefused(file('dup.csv', [HEADER, GOOD_ROWS[0], GOOD_ROWS[0]!.replace('form 17', 'form 18')].join('\n') + '\n'), /dup\.csv:3: event_id: event "e1" appears earlier in the file with different content/);
    const store = await freshStore();
    await importFile(store, file('first.csv', [HEADER, GOOD_ROWS[0]].join('\n') + '\n'));
    const before = await store.stats();
    await assert.rejects(importFile(store, file('second.csv', [HEADER, GOOD_ROWS[1], GOOD_ROWS[0]!.replace('form 17', 'form 99')].join('\n') + '\n')), (err: UserError) => {
      assert.match(err.problems[0]!.message, /already stored with different content/);
      assert.match(err.problems[0]!.where, /second\.csv:3$/);
      return true;
    });
    assert.deepEqual(await store.stats(), before);
    await store.close();
  });

  it('refuses bytes that are not UTF-8, naming the line', async () => {
    const bad = Buffer.concat([Buffer.from([HEADER, GOOD_ROWS[0], 'e7,'].join('\n')), Buffer.from([0xff, 0xfe]), Buffer.from('@example.org,,,,marketing,,ConsentGiven,,2016-01-01,,,,\n')]);
    await expectRefused(file('latin.csv', bad), /latin\.csv:3: not valid UTF-8/);
  });

  it('refuses a truncated last line', async () => {
    await expectRefused(file('cut.csv', [HEADER, GOOD_ROWS[0], 'e2,,John Smith,LS6'].join('\n')), /cut\.csv:3: the last line is truncated/);
    await expectRefused(file('cut.jsonl', '{"event_id":"j1","email":"a@example.org","purposes":["marketing"],"status":"ConsentGiven","at":"2016-01-01"}\n{"event_id":"j2","ema'), /cut\.jsonl:2: the last line is truncated/);
  });

  it('refuses an empty file and a header-only file', async () => {
    await expectRefused(file('empty.csv', ''), /is empty/);
    await expectRefused(file('header.csv', `${HEADER}\n`), /header but no records/);
  });

  it('with skip-invalid stores the good rows and writes the rejects with their reasons', async () => {
    const store = await freshStore();
    const f = file('mixed.csv', [HEADER, GOOD_ROWS[0], 'e8,x@example.org,,,,astrology,,ConsentGiven,,2016-01-01,,,,', GOOD_ROWS[1]].join('\n') + '\n');
    const rejects = join(dir, 'rejects.jsonl');
    const r = await importFile(store, f, { skipInvalid: true, rejectsFile: rejects });
    assert.equal(r.inserted, 2);
    assert.equal(r.rejected, 1);
    const lines = readFileSync(rejects, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { line: number; problems: { field: string }[] });
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!.line, 3);
    assert.equal(lines[0]!.problems[0]!.field, 'purposes.0');
    await store.close();
  });
});
