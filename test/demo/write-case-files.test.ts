import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { CONSENT_EVENT_COLUMNS, REGISTRANT_COLUMNS } from '../../src/demo/case-lines.ts';
import { summariseCase } from '../../src/demo/case-summary.ts';
import { AGREEMENTS, NOTICES, ORGANISATIONS, TIMELINE } from '../../src/demo/reference-case.ts';
import { UK_POSTCODE_RE } from '../../src/demo/uk-places.ts';
import { writeCaseFiles } from '../../src/demo/write-case-files.ts';
import type { CaseProgress, WrittenCase } from '../../src/demo/write-case-files.ts';

const RECORDS = 4000;
const SEED = 321;
let root = '';
let written: WrittenCase;
let progress: CaseProgress[] = [];

const dirOf = (name: string) => join(root, name);
const read = (name: string, file: string) => readFile(join(dirOf(name), file));
const readText = (name: string, file: string) => readFile(join(dirOf(name), file), 'utf8');
const ALL_FILES = [
  'organisations.json', 'notices/n1.json', 'notices/n2.json', 'notices/n2-ar.json', 'agreements.json', 'datasets.json',
  'registrants.csv', 'consent-events.csv', 'consent-events.jsonl', 'README.md',
];

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.isDirectory()) out.push(...(await listFiles(join(dir, e.name), `${prefix}${e.name}/`)));
    else out.push(prefix + e.name);
  }
  return out.sort();
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'consentry-demo-'));
  written = await writeCaseFiles(dirOf('a'), {
    records: RECORDS, seed: SEED, jsonl: true, workers: 0, blockSize: 1500, onProgress: (p) => progress.push(p),
  });
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('writeCaseFiles', () => {
  it('writes every file, reports their sizes, and leaves no partial file behind', async () => {
    assert.deepEqual(await listFiles(dirOf('a')), [...ALL_FILES].sort());
    assert.deepEqual(written.files.map((f) => f.path), ALL_FILES);
    for (const f of written.files) assert.equal(f.bytes, (await read('a', f.path)).length, f.path);
  });

  it('returns the same exact counts as summariseCase, and reports progress up to the total', () => {
    const { files, ...summary } = written;
    assert.ok(files.length > 0);
    assert.deepEqual(summary, summariseCase({ records: RECORDS, seed: SEED }));
    assert.deepEqual(progress.map((p) => p.done), [1500, 3000, 4000]);
    assert.deepEqual(progress.at(-1), { done: RECORDS, total: RECORDS, events: written.events });
  });

  it('writes organisations, notices and agreements in input form', async () => {
    assert.deepEqual(JSON.parse(await readText('a', 'organisations.json')), ORGANISATIONS);
    assert.deepEqual(JSON.parse(await readText('a', 'agreements.json')), AGREEMENTS);
    for (const n of NOTICES) assert.deepEqual(JSON.parse(await readText('a', `notices/${n.id}.json`)), n);
    assert.match(await readText('a', 'notices/n2-ar.json'), /حزب العمال/);
  });

  it('writes consent events that csv-parse reads, each row complete and valid', async () => {
    const rows: Record<string, string>[] = parse(await read('a', 'consent-events.csv'), { columns: true });
    assert.equal(rows.length, written.events);
    const ids = new Set<string>();
    for (const r of rows) {
      assert.deepEqual(Object.keys(r), [...CONSENT_EVENT_COLUMNS]);
      assert.match(r.event_id!, /^ed-\d{7}-(svc|mkt|wd|pol)$/);
      assert.ok(!ids.has(r.event_id!), `duplicate ${r.event_id}`);
      ids.add(r.event_id!);
      if (r.email !== '') assert.match(r.email!, /^[a-z.]+\.\d+@example\.(org|com|net)$/);
      assert.match(r.postcode!, UK_POSTCODE_RE);
      assert.match(r.dob!, /^\d{4}-\d{2}-\d{2}$/);
      assert.ok(!Number.isNaN(Date.parse(r.at!)) && r.at! >= TIMELINE.registrationsFrom && r.at! <= TIMELINE.withdrawalsTo);
      assert.ok(['n1', 'n2', 'n2-ar'].includes(r.notice!));
      assert.equal(r.expires_at, '');
      assert.ok(['expressed', 'explicit'].includes(r.consent_type!));
      assert.notEqual(r.name, '');
    }
    assert.equal(rows.filter((r) => r.purposes === 'political-campaign').length, written.politicalOptIn);
    assert.ok(rows.some((r) => r.recipients === 'experian-marketing;labour-party'));
  });

  it('writes the same events as JSON Lines', async () => {
    const csv: Record<string, string>[] = parse(await read('a', 'consent-events.csv'), { columns: true });
    const lines = (await readText('a', 'consent-events.jsonl')).split('\n');
    assert.equal(lines.pop(), '');
    assert.equal(lines.length, csv.length);
    lines.forEach((line, i) => {
      const j = JSON.parse(line) as Record<string, unknown>;
      const c = csv[i]!;
      assert.deepEqual(Object.keys(j), [...CONSENT_EVENT_COLUMNS]);
      assert.deepEqual(j.purposes, c.purposes!.split(';'));
      assert.deepEqual(j.recipients, c.recipients === '' ? [] : c.recipients!.split(';'));
      assert.equal(j.expires_at, null);
      for (const k of ['event_id', 'email', 'name', 'postcode', 'dob', 'status', 'notice', 'at', 'method', 'consent_type', 'evidence']) {
        assert.equal(j[k], c[k], k);
      }
    });
  });

  it('writes the registrants register with children born before registration', async () => {
    const regs: Record<string, string>[] = parse(await read('a', 'registrants.csv'), { columns: true });
    const events: Record<string, string>[] = parse(await read('a', 'consent-events.csv'), { columns: true });
    const registeredAt = new Map(events.filter((e) => e.event_id!.endsWith('-svc')).map((e) => [e.event_id!.slice(0, 10), e.at!]));
    assert.equal(regs.length, RECORDS);
    regs.forEach((r, i) => {
      assert.deepEqual(Object.keys(r), [...REGISTRANT_COLUMNS]);
      assert.match(r.address!, /^\d+ .+, .+$/);
      assert.match(r.postcode!, UK_POSTCODE_RE);
      const at = registeredAt.get(`ed-${String(i + 1).padStart(7, '0')}`)!;
      const children = r.child_dob === '' ? [] : r.child_dob!.split(';');
      for (const c of children) {
        assert.match(c, /^\d{4}-\d{2}-\d{2}$/);
        assert.ok(c > r.mother_dob! && c < at.slice(0, 10), `child ${c} not between ${r.mother_dob} and ${at}`);
      }
    });
    assert.equal(regs.filter((r) => r.child_dob !== '').length, written.withChildren);
    assert.equal(regs.filter((r) => r.email !== '').length, written.webRegistrants);
  });

  it('documents the files, shares and exact counts in README.md', async () => {
    const readme = await readText('a', 'README.md');
    assert.match(readme, /seed 321/);
    assert.match(readme, /68% of registrants/);
    assert.match(readme, /2% of registrants/);
    const grouped = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
    assert.match(readme, new RegExp(`\\| ${grouped(written.politicalOptIn)} \\|`));
    assert.match(readme, new RegExp(`\\| ${grouped(written.events)} \\|`));
    assert.match(readme, /\| registrants \| \| 4,000 \|/);
    assert.match(readme, /consent-events\.jsonl/);
    assert.doesNotMatch(readme, /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/, 'a run time would break determinism');
  });

  it('keeps the bytes of a given seed stable across versions (ids and people that scripts rely on)', async () => {
    // Changing any of these on purpose changes every demo file: update the hashes knowingly.
    const sha = async (f: string) => createHash('sha256').update(await read('a', f)).digest('hex');
    assert.deepEqual(
      { registrants: await sha('registrants.csv'), events: await sha('consent-events.csv') },
      {
        registrants: 'f72d4a9e57e78d3175b693f3779a4d6c5a11103162f66b569fc5689ad10fb36d',
        events: 'b6e13d3f9a2feb5852996fb8afd7280a1e37e33f3635778d8995204a7aafda0c',
      },
    );
  });

  it('writes identical bytes for the same seed, whatever the workers and block size', async () => {
    await writeCaseFiles(dirOf('b'), { records: RECORDS, seed: SEED, jsonl: true, workers: 2, blockSize: 700 });
    for (const f of ALL_FILES) assert.ok((await read('a', f)).equals(await read('b', f)), f);
  });

  it('writes different people for a different seed, and a smaller run is a prefix', async () => {
    await writeCaseFiles(dirOf('c'), { records: RECORDS, seed: SEED + 1, workers: 0 });
    assert.ok(!(await read('a', 'registrants.csv')).equals(await read('c', 'registrants.csv')));
    assert.ok(!(await read('a', 'consent-events.csv')).equals(await read('c', 'consent-events.csv')));
    assert.ok((await read('a', 'organisations.json')).equals(await read('c', 'organisations.json')));

    await writeCaseFiles(dirOf('d'), { records: 1000, seed: SEED, workers: 0 });
    const small = await readText('d', 'registrants.csv');
    assert.ok((await readText('a', 'registrants.csv')).startsWith(small));
  });

  it('fails cleanly: bad options touch nothing, and a failed write removes its partial files', async () => {
    await assert.rejects(writeCaseFiles(dirOf('e'), { records: -5 }), RangeError);
    await assert.rejects(writeCaseFiles(dirOf('e'), { records: 10, seed: 0.5 }), RangeError);
    await assert.rejects(writeCaseFiles(dirOf('e'), { records: 10, workers: -1 }), RangeError);
    await assert.rejects(readdir(dirOf('e')), { code: 'ENOENT' });

    // A directory where registrants.csv should go makes publishing it fail.
    await mkdir(join(dirOf('f'), 'registrants.csv'), { recursive: true });
    await writeFile(join(dirOf('f'), 'registrants.csv', 'keep'), '');
    await assert.rejects(writeCaseFiles(dirOf('f'), { records: 50, workers: 0 }), { code: 'EISDIR' });
    const left = await listFiles(dirOf('f'));
    assert.deepEqual(left.filter((f) => f.endsWith('.partial')), []);
    assert.ok(!left.includes('README.md'));
  });
});
