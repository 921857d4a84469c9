/** Lineage and people's rights end to end on the reference case: who has my data, withdraw, acknowledge. */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { verifyTransferProof } from '../../src/gateway/transfer-proof.ts';
import { verifyInclusionProof } from '../../src/ledger/inclusion-proof.ts';
import { TARGET_AREAS } from '../../src/demo/reference-case.ts';
import { runCli } from '../helpers/cli.ts';
import { tmpDir } from '../helpers/tmp.ts';

const dir = tmpDir();
const db = join(dir, 'store', 'consentry.db');
const files = join(dir, 'files');
let vkey = '';
/** Registrants who opted in under n2 and live in a target area, with an email: the segment. */
let segment: string[] = [];
let outsider = '';

async function cli(args: string[], code = 0): Promise<string> {
  const r = await runCli([...args, '--db', db]);
  assert.equal(r.code, code, `consentry ${args.join(' ')}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

describe("people's rights through the CLI", () => {
  before(async () => {
    await cli(['demo', '--records', '3000', '--out', files]);
    vkey = readFileSync(join(dir, 'store', 'ledger-signing.vkey'), 'utf8');
    const rows = readFileSync(join(files, 'consent-events.csv'), 'utf8').split('\n').map((l) => l.split(','));
    const area = (postcode: string): string => /^[A-Z]+/.exec(postcode)?.[0] ?? '';
    segment = rows.filter((r) => r[0]?.endsWith('-pol') && r[1] !== '' && TARGET_AREAS.has(area(r[3] ?? ''))).map((r) => r[1]!);
    outsider = rows.find((r) => r[0]?.endsWith('-svc') && r[1] !== '' && !rows.some((x) => x[0] === r[0]!.replace('-svc', '-pol')))![1]!;
    assert.ok(segment.length > 8, `segment has ${segment.length}`);
  });

  it('answers who-has for a parent in T1 and the segment: collector, notice text, holders, decisions, with proofs that verify', async () => {
    const a = JSON.parse(await cli(['who-has', '--email', segment[0]!, '--json'])) as {
      found: boolean;
      collectedBy: { organisation: { id: string }; consents: { notice: { id: string; text: string; language: string } | null; proof?: unknown }[] }[];
      heldBy: { organisation: { id: string }; via: string }[];
      transfers: { decision: string; reasons: string[]; at: string; proof?: unknown }[];
      rights: { kind: string }[];
    };
    assert.equal(a.found, true);
    assert.equal(a.collectedBy[0]!.organisation.id, 'emmas-diary');
    const n1 = a.collectedBy[0]!.consents.find((c) => c.notice?.id === 'n1')!;
    assert.match(n1.notice!.text, /marketing purposes by us and selected partners/);
    assert.deepEqual([...new Set(a.heldBy.map((h) => `${h.organisation.id}:${h.via}`))].sort(), ['experian-marketing:derivation', 'experian-marketing:transfer', 'labour-party:on-behalf-of']);
    assert.deepEqual(a.transfers.map((t) => [t.at.slice(0, 10), t.decision]), [['2017-05-05', 'refused'], ['2026-03-02', 'allowed']]);
    assert.ok(a.transfers[0]!.reasons.includes('purpose-not-named'));
    for (const t of a.transfers) assert.deepEqual(verifyTransferProof(t.proof, vkey).ok, true);
    for (const c of a.collectedBy[0]!.consents) assert.equal(verifyInclusionProof(c.proof, vkey).ok, true);
  });

  it('says "no records" for an unknown person, revealing nothing, and refuses malformed identifiers', async () => {
    const a = JSON.parse(await cli(['who-has', '--email', 'never.registered@example.org', '--json'])) as { found: boolean; collectedBy: unknown[] };
    assert.deepEqual(a, { found: false, collectedBy: [], heldBy: [], transfers: [], rights: [] });
    assert.match(await cli(['who-has', '--email', 'never.registered@example.org']), /^no records/);
    const bad = await runCli(['who-has', '--email', 'not-an-email', '--db', db]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /email: not an email address/);
    const none = JSON.parse(await cli(['withdraw', '--org', 'emmas-diary', '--email', 'never.registered@example.org', '--json'])) as { found: boolean };
    assert.equal(none.found, false);
  });

  it('passes a withdrawal to every downstream holder once, and decisions made after it respect it at once', async () => {
    const person = segment[7]!;
    const first = JSON.parse(await cli(['withdraw', '--org', 'emmas-diary', '--email', person, '--purpose', 'political-campaign', '--json'])) as { created: boolean; request: string; passedTo: { holder: string; due: string }[] };
    assert.equal(first.created, true);
    assert.deepEqual(first.passedTo.map((p) => p.holder), ['experian-marketing', 'labour-party']);
    const again = JSON.parse(await cli(['withdraw', '--org', 'emmas-diary', '--email', person, '--purpose', 'political-campaign', '--json'])) as { created: boolean; request: string };
    assert.equal(again.created, false);
    assert.equal(again.request, first.request);
    // The same transfer asked again now leaves this person out.
    const one = join(dir, 'one.csv');
    const header = readFileSync(join(files, 'registrants.csv'), 'utf8').split('\n')[0];
    const line = readFileSync(join(files, 'registrants.csv'), 'utf8').split('\n').find((l) => l.includes(`,${person},`))!;
    writeFileSync(one, `${header}\n${line}\n`);
    const d = JSON.parse(await cli(['transfer', 'check', '--from', 'emmas-diary', '--to', 'experian-marketing', '--on-behalf-of', 'labour-party', '--purpose', 'political-campaign', '--fields', 'name,address,postcode', '--channel', 'post', one, '--json'], 4)) as { reasons: Record<string, number> };
    assert.equal(d.reasons['consent-withdrawn'], 1);
  });

  it('lets only a holder acknowledge, and shows what is overdue', async () => {
    const list = JSON.parse(await cli(['rights', 'list', '--org', 'labour-party', '--json'])) as { request: string; status: string }[];
    assert.ok(list.length >= 6);
    const req = list[0]!.request;
    const notYours = await runCli(['rights', 'ack', '--org', 'ico', '--request', req, '--db', db]);
    assert.equal(notYours.code, 2);
    assert.match(notYours.stderr, /holds no notice/);
    await cli(['rights', 'ack', '--org', 'labour-party', '--request', req]);
    const again = JSON.parse(await cli(['rights', 'ack', '--org', 'labour-party', '--request', req, '--json'])) as { result: string };
    assert.equal(again.result, 'unchanged');
    const overdue = JSON.parse(await cli(['rights', 'list', '--overdue', '--at', '2026-06-01', '--json'])) as { holder: string; request: string }[];
    assert.ok(overdue.length > 0);
    assert.ok(overdue.every((n) => n.holder === 'labour-party' || n.holder === 'experian-marketing'));
    assert.ok(!overdue.some((n) => n.request === req && n.holder === 'labour-party'));
    const beforeDeadline = JSON.parse(await cli(['rights', 'list', '--overdue', '--at', '2026-04-20', '--json'])) as unknown[];
    assert.equal(beforeDeadline.length, 0);
  });

  it('records a Global Privacy Control signal as an objection to sale and sharing', async () => {
    const r = JSON.parse(await cli(['object', '--org', 'emmas-diary', '--email', outsider, '--gpc', '--json'])) as { scope: string[]; passedTo: unknown[] };
    assert.deepEqual(r.scope, ['sale-sharing']);
    assert.deepEqual(r.passedTo, []);
    const a = JSON.parse(await cli(['who-has', '--email', outsider, '--no-proofs', '--json'])) as { rights: { kind: string; scope: string[] }[] };
    assert.deepEqual(a.rights.map((x) => [x.kind, x.scope]), [['object', ['sale-sharing']]]);
  });

  it('refuses a derived dataset holding people the transfers never delivered', async () => {
    const t = (JSON.parse(await cli(['transfer', 'list', '--json'])) as { id: string; allowed: number }[]).find((x) => x.allowed > 0)!;
    const r = await runCli(['derive', join(files, 'registrants.csv'), '--org', 'experian-marketing', '--id', 'everyone', '--name', 'Everyone', '--purpose', 'political-campaign', '--from', t.id, '--db', db]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /have no provenance/);
    const list = JSON.parse(await cli(['derivations', '--json'])) as { id: string }[];
    assert.deepEqual(list.map((d) => d.id), ['seg-106-target-seats']);
  });
});
