/**
 * The audit routes over a real server and store: exact shapes, exact counts, and who may call
 * them (regulator and admin keys only; notice lint for any key that may read the notice).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { call, consentBody, startFixture } from '../api/fixture.ts';

const NOW = Date.parse('2026-06-01T00:00:00Z');
const f = await startFixture({ now: () => NOW });
const k = f.keys;

const seeded = await call(f, 'POST', '/v1/consent-events', { key: k['collector@club']!, body: consentBody('jane@example.org', { recipients: ['broker'] }) });
assert.equal(seeded.status, 201, JSON.stringify(seeded.body));
const flowQuery = 'from=club&to=broker&onBehalfOf=party&purpose=marketing&fields=name';
const committed = await call(f, 'POST', `/v1/transfers/commit?${flowQuery}&at=2020-01-01`, {
  key: k['collector@club']!,
  ndjson: [{ email: 'jane@example.org', name: 'J' }, { email: 'bob@example.org', name: 'B' }],
});
assert.equal(committed.status, 201, JSON.stringify(committed.body));
const transfer = committed.body.transfer as { id: string; leaf: number };

const reported = await call(f, 'POST', `/v1/transfers/reports?${flowQuery}&at=2020-01-02`, {
  key: k['discloser@club']!,
  ndjson: [{ email: 'jane@example.org', name: 'J' }, { email: 'bob@example.org', name: 'B' }, { email: 'carol@example.org', name: 'C' }],
});

describe('POST /v1/transfers/reports', () => {
  it('records the report as a ledger leaf, once', async () => {
    assert.equal(reported.status, 201, JSON.stringify(reported.body));
    assert.equal(reported.body.count, 3);
    assert.equal(reported.body.subjects.count, 3);
    assert.equal(reported.body.reportedBy, 'club');
    assert.equal(reported.body.request.at, '2020-01-02T00:00:00.000Z');
    const leaf = await f.app.store.ledger.leaf(reported.body.leaf);
    const entry = JSON.parse(Buffer.from(leaf.data).toString('utf8'));
    assert.equal(entry.kind, 'transfer-reported');
    assert.equal(entry.report, reported.body.id);
    const again = await call(f, 'POST', `/v1/transfers/reports?${flowQuery}&at=2020-01-02`, {
      key: k['discloser@club']!,
      ndjson: [{ email: 'carol@example.org', name: 'C' }, { email: 'jane@example.org', name: 'J' }, { email: 'bob@example.org', name: 'B' }],
    });
    assert.equal(again.status, 200);
    assert.equal(again.body.id, reported.body.id);
  });

  it('refuses a key of another organisation or role', async () => {
    const other = await call(f, 'POST', `/v1/transfers/reports?${flowQuery}&at=2020-01-02&count=5`, { key: k['discloser@broker']!, ndjson: '' });
    assert.equal(other.status, 403);
    const recipient = await call(f, 'POST', `/v1/transfers/reports?${flowQuery}&at=2020-01-02&count=5`, { key: k['recipient@party']!, ndjson: '' });
    assert.equal(recipient.status, 403);
  });
});

describe('GET /v1/audit/flows', () => {
  it('gives one link per flow with its counts, and the organisations in it', async () => {
    const r = await call(f, 'GET', '/v1/audit/flows', { key: k['regulator@ico']! });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, {
      nodes: [
        { id: 'broker', name: 'List Broker Ltd', kind: 'broker' },
        { id: 'club', name: 'Parenting Club Ltd', kind: 'collector' },
        { id: 'party', name: 'A Party', kind: 'political-party' },
      ],
      links: [{ from: 'club', to: 'broker', onBehalfOf: 'party', purpose: 'marketing', transfers: 1, requested: 2, allowed: 0, refused: 2 }],
    });
    const later = await call(f, 'GET', '/v1/audit/flows?since=2021-01-01', { key: k.admin! });
    assert.deepEqual(later.body, { nodes: [], links: [] });
  });
});

describe('GET /v1/audit/findings', () => {
  it('finds the report made despite the refusal, the unchecked record and the missing agreement', async () => {
    const r = await call(f, 'GET', '/v1/audit/findings', { key: k['regulator@ico']! });
    assert.equal(r.status, 200);
    assert.equal(r.body.generatedAt, '2026-06-01T00:00:00.000Z');
    assert.equal(r.body.treeSize, await f.app.store.ledger.size());
    const byRule = (rule: string) => r.body.findings.filter((x: { rule: string }) => x.rule === rule);
    const despite = byRule('transfer-despite-refusal');
    assert.equal(despite.length, 1);
    assert.deepEqual(Object.keys(despite[0]).sort(), ['affected', 'citation', 'evidence', 'first', 'id', 'last', 'level', 'message', 'organisations', 'rule']);
    assert.equal(despite[0].level, 'block');
    assert.equal(despite[0].affected, 2);
    assert.deepEqual(despite[0].organisations, ['club', 'broker', 'party']);
    assert.equal(despite[0].first, '2020-01-02T00:00:00.000Z');
    assert.equal(despite[0].last, '2020-01-02T00:00:00.000Z');
    assert.deepEqual(despite[0].evidence, [
      { leaf: reported.body.leaf, kind: 'transfer-reported', ref: reported.body.id },
      { leaf: transfer.leaf, kind: 'transfer-decision', ref: transfer.id },
    ]);
    const unchecked = byRule('transfer-unchecked');
    assert.equal(unchecked.length, 1);
    assert.equal(unchecked[0].affected, 1);
    assert.equal(unchecked[0].citation, 'Art 7(1)');
    const agreement = byRule('data-sharing-agreement').filter((x: { evidence: { kind: string }[] }) => x.evidence[0]!.kind === 'transfer-reported');
    assert.equal(agreement.length, 1);
    assert.equal(agreement[0].level, 'block');
    assert.equal(agreement[0].affected, 3);
    assert.equal(agreement[0].citation, 'ICO Data Sharing Code (s.121 DPA 2018); Art 26, 28(3)');
    const provenance = byRule('source-due-diligence');
    assert.equal(provenance.length, 1);
    assert.equal(provenance[0].affected, 3);
    assert.deepEqual(provenance[0].organisations, ['broker', 'party']);
    assert.equal(provenance[0].citation, 'Democracy disrupted? §3.8.2; ICO guidance on bought-in lists');
  });

  it('filters by organisation, kind and time', async () => {
    const all = (await call(f, 'GET', '/v1/audit/findings', { key: k.admin! })).body.findings.length;
    const rival = await call(f, 'GET', '/v1/audit/findings?org=rival', { key: k.admin! });
    assert.deepEqual(rival.body.findings, []);
    const parties = await call(f, 'GET', '/v1/audit/findings?kind=political-party', { key: k.admin! });
    assert.equal(parties.body.findings.length, all);
    const later = await call(f, 'GET', '/v1/audit/findings?since=2020-01-02', { key: k.admin! });
    assert.ok(later.body.findings.every((x: { last: string }) => x.last >= '2020-01-02'));
    assert.equal(later.body.findings.length, 4);
    const bad = await call(f, 'GET', '/v1/audit/findings?kind=nobody', { key: k.admin! });
    assert.equal(bad.status, 400);
  });
});

describe('GET /v1/audit/organisations/:id/review', () => {
  it('reviews the party: its sources, purposes, findings and no notices', async () => {
    const r = await call(f, 'GET', '/v1/audit/organisations/party/review', { key: k['regulator@ico']! });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.organisation, { id: 'party', name: 'A Party', kind: 'political-party', country: 'GB', rightsContact: 'dpo@party.example' });
    assert.deepEqual(r.body.sources, [{ from: 'club', transfers: 2, records: 3 }]);
    assert.deepEqual(r.body.recipients, []);
    assert.deepEqual(r.body.purposes, ['marketing']);
    assert.ok(r.body.findings.length > 0 && r.body.findings.every((x: { organisations: string[] }) => x.organisations.includes('party')));
    assert.deepEqual(r.body.notices, []);
  });

  it('reviews the club with its notice scored', async () => {
    const r = await call(f, 'GET', '/v1/audit/organisations/club/review', { key: k.admin! });
    assert.deepEqual(r.body.recipients, [{ to: 'broker', transfers: 2, records: 3 }]);
    assert.equal(r.body.notices.length, 1);
    assert.equal(r.body.notices[0].id, 'n1');
    assert.equal(r.body.notices[0].language, 'en');
    assert.equal(r.body.notices[0].score, 50);
    const missing = await call(f, 'GET', '/v1/audit/organisations/nobody/review', { key: k.admin! });
    assert.equal(missing.status, 404);
  });
});

describe('notice lint routes', () => {
  it('lints a published notice for a key that may read it, sentence by sentence', async () => {
    const r = await call(f, 'GET', '/v1/notices/club/n1/lint', { key: k['collector@club']! });
    assert.equal(r.status, 200);
    const sentence = 'We may use your data for marketing purposes by us and selected partners.';
    assert.deepEqual(
      r.body.findings.map((x: { code: string; level: string; sentence: string | null; start: number | null; end: number | null }) => [x.code, x.level, x.sentence, x.start, x.end]),
      [
        ['vague-purpose', 'warn', sentence, 0, sentence.length],
        ['vague-recipients', 'warn', sentence, 0, sentence.length],
        ['retention-missing', 'warn', null, null, null],
        ['rights-missing', 'warn', null, null, null],
        ['contact-missing', 'warn', null, null, null],
      ],
    );
    assert.equal(r.body.score, 50);
    assert.deepEqual(r.body.comparison, { purposesSeenNotNamed: [], recipientsSeenNotNamed: [] });
    assert.equal((await call(f, 'GET', '/v1/notices/club/n1/lint', { key: k['collector@rival']! })).status, 404);
  });

  it('lints a notice in the body and compares it with the ledger for its controller', async () => {
    const body = {
      id: 'n9', controller: 'club', version: '9', language: 'en', title: 'T',
      text: 'We share your name with List Broker Ltd for marketing. Write to privacy@club.example to withdraw. We keep your data for two years.',
      purposes: ['marketing'], recipients: ['broker'], recipientCategories: [], retentionDays: 730, effectiveFrom: '2020-01-01',
    };
    const r = await call(f, 'POST', '/v1/notices/lint', { key: k['collector@club']!, body });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.comparison, { purposesSeenNotNamed: [], recipientsSeenNotNamed: ['party'] });
    assert.deepEqual(r.body.findings.map((x: { code: string }) => x.code), ['vague-purpose', 'must-name-purpose-missing', 'recipients-seen-not-named']);
    assert.equal(r.body.score, 55);
    // Another organisation's key gets the lint without the ledger comparison.
    const rival = await call(f, 'POST', '/v1/notices/lint', { key: k['collector@rival']!, body });
    assert.deepEqual(rival.body.findings.map((x: { code: string }) => x.code), ['vague-purpose']);
  });
});

describe('who may read audits', () => {
  it('refuses organisation keys (403) and callers without a key (401)', async () => {
    for (const url of ['/v1/audit/flows', '/v1/audit/findings', '/v1/audit/organisations/club/review']) {
      for (const name of ['collector@club', 'discloser@broker', 'recipient@party']) {
        const r = await call(f, 'GET', url, { key: k[name]! });
        assert.equal(r.status, 403, `${name} ${url}`);
        assert.equal(r.body.code, 'forbidden');
      }
      assert.equal((await call(f, 'GET', url)).status, 401);
    }
  });
});
