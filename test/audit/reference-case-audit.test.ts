/**
 * The reference case end to end through the real CLI: the audit reproduces the regulator's
 * finding on T1 (political use not disclosed, recipients not named, every record affected,
 * children's data included), finds T1 reported as sent despite the refusal, a count-only report
 * without an agreement, overdue acknowledgements at fixed times; reviews the political parties
 * as JSON and self-contained HTML; writes an evidence pack that verifies offline and fails when
 * tampered with; and lints the case's notices in English and Arabic.
 */
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { runCli } from '../helpers/cli.ts';
import { tmpDir } from '../helpers/tmp.ts';

const RECORDS = 2000;
const dir = tmpDir('consentry-audit-');
const db = join(dir, 'store', 'c.db');
const vkey = join(dir, 'store', 'ledger-signing.vkey');
const caseDir = join(dir, 'case');
const AT = '2026-06-01T00:00:00Z';

const demo = await runCli(['demo', '--records', String(RECORDS), '--db', db, '--out', caseDir]);
assert.equal(demo.code, 0, demo.stderr);
const cli = (...args: string[]) => runCli(['--db', db, ...args]);
const json = async (...args: string[]): Promise<any> => {
  const r = await cli('--json', ...args);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
};

// Counted independently of the code under test: registrants with a child's date of birth.
const rows = parse(readFileSync(join(caseDir, 'registrants.csv')), { columns: true }) as Record<string, string>[];
const children = rows.filter((r) => (r.child_dob ?? '') !== '').length;
assert.equal(rows.length, RECORDS);
assert.ok(children > 0 && children < RECORDS);

const transfers = (await json('transfer', 'list')) as { id: string; leaf: number; request: { at: number } }[];
const t1 = transfers.find((t) => t.request.at === Date.parse('2017-05-05T09:00:00Z'))!;
assert.ok(t1);

type F = { id: string; rule: string; level: string; citation: string; organisations: string[]; affected: number; first: string; last: string; evidence: { leaf: number; kind: string; ref: string }[]; message: string };
const audit = async (...extra: string[]): Promise<F[]> => (await json('audit', '--at', AT, ...extra)).findings as F[];
const ofT1 = (fs: F[], rule: string): F[] => fs.filter((f) => f.rule === rule && f.evidence.some((e) => e.ref === t1.id && e.kind === 'transfer-decision'));

describe('audit of the reference case', () => {
  it("reproduces the regulator's finding on T1 with exact counts and citations", async () => {
    const fs = await audit();
    const political = ofT1(fs, 'political-use-explicit');
    assert.equal(political.length, 1);
    assert.equal(political[0]!.level, 'block');
    assert.equal(political[0]!.affected, RECORDS);
    assert.equal(political[0]!.citation, 'DPA 1998 DPP1 as applied to Emma\'s Diary; Art 5(1)(a) fairness; ICO political campaigning guidance ("individuals should not be surprised")');
    assert.deepEqual(political[0]!.organisations, ['emmas-diary', 'experian-marketing', 'labour-party']);
    assert.equal(political[0]!.first, '2017-05-05T09:00:00.000Z');
    assert.deepEqual(political[0]!.evidence, [{ leaf: t1.leaf, kind: 'transfer-decision', ref: t1.id }]);
    const recipients = ofT1(fs, 'recipient-named');
    assert.equal(recipients.length, 1);
    assert.equal(recipients[0]!.affected, RECORDS);
    assert.equal(recipients[0]!.citation, 'Art 4(11), 6(1)(a), 7; ICO consent guidance: "consent for categories of third-party controllers will not be specific enough"');
    const child = ofT1(fs, 'child-data');
    assert.equal(child.length, 1);
    assert.equal(child[0]!.affected, children);
    assert.equal(child[0]!.citation, 'Art 8, Recital 38');
    assert.equal(ofT1(fs, 'purpose-named')[0]!.affected, RECORDS);
    assert.equal(ofT1(fs, 'dpia-required')[0]!.citation, 'Art 35(1), 35(3)(b)');
    assert.deepEqual(fs.filter((f) => f.rule === 'transfer-despite-refusal'), []);
  });

  it('finds acknowledgements overdue only once their deadline has passed', async () => {
    const before = (await audit('--at', '2026-04-30T00:00:00Z')).filter((f) => f.rule === 'rights-acknowledgement-overdue');
    assert.deepEqual(before, []);
    const after = (await audit()).filter((f) => f.rule === 'rights-acknowledgement-overdue');
    assert.deepEqual(after.map((f) => [f.organisations, f.affected, f.first, f.last, f.citation, f.evidence.length]), [
      [['experian-marketing'], 1, '2026-05-02T18:30:00.000Z', '2026-05-02T18:30:00.000Z', 'Art 19, 17(2)', 1],
      [['labour-party'], 6, '2026-05-01T10:00:00.000Z', '2026-05-02T18:30:00.000Z', 'Art 19, 17(2)', 6],
    ]);
  });

  it('finds T1 reported as sent despite the refusal, and taken in without a provenance receipt', async () => {
    const r = await cli('transfer', 'report', '--from', 'emmas-diary', '--to', 'experian-marketing', '--on-behalf-of', 'labour-party', '--purpose', 'political-campaign',
      '--fields', 'name,address,postcode,mother_dob,child_dob', '--at', '2017-05-05T09:00:00Z', join(caseDir, 'registrants.csv'));
    assert.equal(r.code, 0, r.stderr);
    const fs = await audit();
    const despite = fs.filter((f) => f.rule === 'transfer-despite-refusal');
    assert.equal(despite.length, 1);
    assert.equal(despite[0]!.affected, RECORDS);
    assert.equal(despite[0]!.level, 'block');
    assert.equal(despite[0]!.evidence[1]!.ref, t1.id);
    assert.ok(despite[0]!.citation.includes('DPA 1998 DPP1 as applied to Emma\'s Diary') && despite[0]!.citation.includes('Art 5(1)(b), 6(4)'), despite[0]!.citation);
    const provenance = fs.filter((f) => f.rule === 'source-due-diligence');
    assert.deepEqual(provenance.map((f) => [f.organisations, f.affected]), [[['experian-marketing', 'labour-party'], RECORDS]]);
    // dsa-2017 allowed 60 days; no deletion is recorded.
    const kept = fs.filter((f) => f.rule === 'storage-limitation' && f.first === '2017-05-05T09:00:00.000Z');
    assert.deepEqual(kept.map((f) => [f.affected, f.last]), [[RECORDS, '2017-07-04T09:00:00.000Z']]);
    assert.deepEqual(fs.filter((f) => f.rule === 'transfer-unchecked'), []);
  });

  it('finds a transfer reported by count without any check or agreement', async () => {
    const r = await cli('transfer', 'report', '--from', 'experian-marketing', '--to', 'labour-party', '--purpose', 'political-campaign', '--fields', 'name,address', '--at', '2017-05-20', '--count', '40');
    assert.equal(r.code, 0, r.stderr);
    const fs = (await audit('--org', 'labour-party', '--since', '2017-05-20')).filter((f) => f.first === '2017-05-20T00:00:00.000Z');
    assert.deepEqual(fs.map((f) => [f.rule, f.level, f.affected]).sort(), [
      ['data-sharing-agreement', 'warn', 40],
      ['source-due-diligence', 'block', 40],
      ['transfer-unchecked', 'block', 40],
    ]);
    const none = await cli('transfer', 'report', '--from', 'experian-marketing', '--to', 'labour-party', '--purpose', 'political-campaign', '--fields', 'name', '--at', '2017-05-20');
    assert.equal(none.code, 2);
  });

  it('writes CSV with one row per finding', async () => {
    const r = await cli('audit', '--at', AT, '--format', 'csv', '--kind', 'political-party');
    assert.equal(r.code, 0, r.stderr);
    const csv = parse(r.stdout, { columns: true }) as Record<string, string>[];
    assert.equal(csv.length, (await audit('--kind', 'political-party')).length);
    assert.ok(csv.every((row) => row.organisations!.split(';').includes('labour-party')));
  });
});

describe('review of the political parties', () => {
  it('gives JSON per party: sources, purposes, volumes and findings', async () => {
    const r = await json('audit', 'review', '--kind', 'political-party', '--at', AT, '--format', 'json');
    assert.equal(r.reviews.length, 1);
    const labour = r.reviews[0];
    assert.equal(labour.organisation.id, 'labour-party');
    const allowed2026 = transfers.filter((t) => t.id !== t1.id).reduce((s, t) => s + (t as unknown as { allowed: number }).allowed, 0);
    assert.deepEqual(labour.sources, [
      { from: 'emmas-diary', transfers: 3, records: allowed2026 + RECORDS },
      { from: 'experian-marketing', transfers: 1, records: 40 },
    ]);
    assert.deepEqual(labour.purposes, ['political-campaign']);
    assert.ok(labour.findings.some((f: F) => f.rule === 'political-use-explicit' && f.affected === RECORDS));
  });

  it('writes one self-contained HTML file with inline charts and escaped text', async () => {
    const out = join(dir, 'parties.html');
    const r = await cli('audit', 'review', '--kind', 'political-party', '--at', AT, '--out', out);
    assert.equal(r.code, 0, r.stderr);
    const html = readFileSync(out, 'utf8');
    assert.ok(html.startsWith('<!doctype html>'));
    assert.ok(html.includes('<svg'));
    assert.equal(html.match(/<section /g)?.length, 1);
    assert.ok(html.includes('The Labour Party'));
    // Nothing is fetched when it is read: the only URL is the SVG namespace.
    assert.deepEqual([...new Set(html.match(/https?:\/\/[^"' <]+/g))], ['http://www.w3.org/2000/svg']);
    assert.ok(!/<script|<link|<img/.test(html));
    assert.ok(html.includes('Emma&#39;s Diary') && !html.includes("Emma's Diary"));
  });
});

describe('evidence pack', () => {
  it('verifies offline with the public key, and a tampered pack fails with exit 5', async () => {
    const pack = join(dir, 'pack');
    const w = await cli('audit', 'pack', pack, '--org', 'labour-party', '--at', AT);
    assert.equal(w.code, 0, w.stderr);
    const ok = await runCli(['ledger', 'verify', pack, '--public-key', vkey]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /^verified evidence pack: \d+ ledger leaves/);
    const manifest = JSON.parse(readFileSync(join(pack, 'manifest.json'), 'utf8'));
    assert.deepEqual(manifest.notices.map((n: { id: string }) => n.id).sort(), ['n1', 'n2', 'n2-ar']);
    assert.ok(manifest.proofs.some((p: { leaf: number }) => p.leaf === t1.leaf));

    // The decision's leaf says 1999 records where the log says 2000.
    const bad = join(dir, 'pack-tampered');
    cpSync(pack, bad, { recursive: true });
    const proofFile = join(bad, 'proofs', `leaf-${t1.leaf}.json`);
    const proof = JSON.parse(readFileSync(proofFile, 'utf8'));
    proof.entry = proof.entry.replace(`"requested":${RECORDS}`, `"requested":${RECORDS - 1}`);
    writeFileSync(proofFile, JSON.stringify(proof));
    const failed = await runCli(['ledger', 'verify', bad, '--public-key', vkey]);
    assert.equal(failed.code, 5, failed.stdout);
    assert.match(failed.stdout, new RegExp(`FAILED: proofs/leaf-${t1.leaf}\\.json \\(leaf ${t1.leaf}\\): entry does not match the leaf hash`));

    // A notice text rewritten after the fact (its manifest digest updated too) no longer hashes to the ledger's notice.
    const bad2 = join(dir, 'pack-notice');
    cpSync(pack, bad2, { recursive: true });
    const noticeFile = join(bad2, 'notices', 'emmas-diary--n1.json');
    const n1 = JSON.parse(readFileSync(noticeFile, 'utf8'));
    n1.text = n1.text.replace('marketing purposes', 'marketing and political purposes');
    const text = `${JSON.stringify(n1, null, 2)}\n`;
    writeFileSync(noticeFile, text);
    const m2 = JSON.parse(readFileSync(join(bad2, 'manifest.json'), 'utf8'));
    m2.files['notices/emmas-diary--n1.json'] = (await import('node:crypto')).createHash('sha256').update(text).digest('hex');
    writeFileSync(join(bad2, 'manifest.json'), JSON.stringify(m2));
    const failed2 = await runCli(['ledger', 'verify', bad2, '--public-key', vkey]);
    assert.equal(failed2.code, 5, failed2.stdout);
    assert.match(failed2.stdout, /notices\/emmas-diary--n1\.json: the notice does not hash to/);
  });
});

describe('notice lint on the case notices', () => {
  const lint = async (file: string): Promise<any> => json('notice', 'lint', join(caseDir, 'notices', file));
  const N1_SENTENCE = 'Your information may be used for marketing purposes by us and selected partners.';

  it("flags n1's marketing sentence with its position, and political use the ledger shows", async () => {
    const r = await lint('n1.json');
    const text = JSON.parse(readFileSync(join(caseDir, 'notices', 'n1.json'), 'utf8')).text as string;
    const start = text.indexOf(N1_SENTENCE);
    assert.ok(start > 0);
    const at = (code: string) => r.findings.find((f: { code: string }) => f.code === code);
    for (const code of ['vague-purpose', 'vague-recipients', 'recipients-not-named']) {
      assert.deepEqual([at(code).sentence, at(code).start, at(code).end], [N1_SENTENCE, start, start + N1_SENTENCE.length], code);
    }
    assert.equal(at('must-name-purpose-missing').level, 'block');
    assert.deepEqual(r.comparison, { purposesSeenNotNamed: ['political-campaign'], recipientsSeenNotNamed: ['experian-marketing', 'labour-party'] });
    assert.equal(r.score, 10);
  });

  it('scores n2 better, and finds the same sentence in the Arabic n2-ar', async () => {
    const n1 = await lint('n1.json');
    const n2 = await lint('n2.json');
    assert.ok(n2.score > n1.score, `${n2.score} > ${n1.score}`);
    assert.deepEqual(n2.findings.map((f: { code: string }) => f.code), ['vague-purpose', 'vague-recipients', 'retention-missing']);
    assert.deepEqual(n2.comparison, { purposesSeenNotNamed: [], recipientsSeenNotNamed: [] });
    const ar = await lint('n2-ar.json');
    const text = JSON.parse(readFileSync(join(caseDir, 'notices', 'n2-ar.json'), 'utf8')).text as string;
    const sentence = 'قد نستخدم معلوماتك نحن وشركاء مختارون لأغراض تسويقية.';
    const start = text.indexOf(sentence);
    assert.ok(start > 0);
    assert.deepEqual(
      ar.findings.map((f: { code: string; start: number | null; end: number | null }) => [f.code, f.start, f.end]),
      [['vague-purpose', start, start + sentence.length], ['vague-recipients', start, start + sentence.length], ['retention-missing', null, null]],
    );
    assert.equal(ar.score, n2.score);
  });
});
