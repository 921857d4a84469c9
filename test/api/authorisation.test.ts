/**
 * The authorisation matrix: every route × every kind of caller × own / other organisation.
 * Organisations see and write only their own records and what was disclosed to them;
 * regulators and admins read across organisations and the regulator writes nothing; a person's
 * token reaches only /v1/me, and only that person's data. Expectations are written out here,
 * not derived from the code under test.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { issueApiKey } from '../../src/api/api-keys.ts';
import { call, consentBody, startFixture, type Res } from './fixture.ts';

const f = await startFixture();
const store = f.app.store;

// The two tenants: club and rival. Broker and party receive from club only.
await store.putDataset({ id: 'ds-club', controller: 'club', name: 'Club members', fields: [{ name: 'name', category: 'name' }] });
await store.putDataset({ id: 'ds-rival', controller: 'rival', name: 'Rival members', fields: [{ name: 'name', category: 'name' }] });
const agreement = { role: 'controller', purposes: ['marketing'], fields: ['name'], retentionDays: null, onwardSharing: false, dpiaRef: null, art14NoticeDays: null, art9Condition: null, childJustification: null, transferSafeguard: null, validFrom: Date.UTC(2015, 0, 1), validTo: null } as const;
await store.putAgreement({ id: 'a-club', from: 'club', to: 'broker', onBehalfOf: 'party', ...agreement });
await store.putAgreement({ id: 'a-rival', from: 'rival', to: 'ico', onBehalfOf: null, ...agreement });
const seed = async (key: string, body: Record<string, unknown>): Promise<void> => {
  const r = await call(f, 'POST', '/v1/consent-events', { key, body });
  assert.equal(r.status, 201, JSON.stringify(r.body));
};
await seed(f.keys['collector@club']!, consentBody('jane@example.org', { recipients: ['broker'] }));
await seed(f.keys['collector@rival']!, consentBody('rob@example.org', { notice: 'r1' }));
const commit = async (key: string, q: string, email: string): Promise<string> => {
  const r = await call(f, 'POST', `/v1/transfers/commit?${q}&purpose=marketing&fields=name&at=2020-01-01`, { key, ndjson: [{ email, name: 'X' }] });
  assert.ok(r.status === 201 || r.status === 200, JSON.stringify(r.body));
  return r.body.transfer.id as string;
};
const clubTransfer = await commit(f.keys['collector@club']!, 'from=club&to=broker&onBehalfOf=party', 'jane@example.org');
const rivalTransfer = await commit(f.keys['collector@rival']!, 'from=rival&to=ico', 'rob@example.org');
const leafOf = async (controller: string, id: string): Promise<number> => {
  for (let i = 0; i < (await store.ledger.size()); i++) {
    const e = JSON.parse(Buffer.from((await store.ledger.leaf(i)).data).toString()) as { kind: string; controller?: string; notice?: string };
    if (e.kind === 'notice-published' && e.controller === controller && e.notice === id) return i;
  }
  throw new Error('no leaf');
};
const leaves = { club: await leafOf('club', 'n1'), rival: await leafOf('rival', 'r1') };
const janeToken = (await call(f, 'POST', '/v1/subject-tokens', { key: f.keys['collector@club']!, body: { email: 'jane@example.org' } })).body.token as string;

interface Caller {
  readonly name: string;
  readonly key: string;
  readonly role: 'admin' | 'regulator' | 'collector' | 'discloser' | 'recipient' | 'subject';
  /** The organisation it acts for; the "other" tenant is the one it has no part in. */
  readonly org: string | null;
}

const CALLERS: Caller[] = [
  { name: 'admin', key: f.keys.admin!, role: 'admin', org: null },
  { name: 'regulator@ico', key: f.keys['regulator@ico']!, role: 'regulator', org: 'ico' },
  { name: 'collector@club', key: f.keys['collector@club']!, role: 'collector', org: 'club' },
  { name: 'collector@rival', key: f.keys['collector@rival']!, role: 'collector', org: 'rival' },
  { name: 'discloser@club', key: f.keys['discloser@club']!, role: 'discloser', org: 'club' },
  { name: 'discloser@broker', key: f.keys['discloser@broker']!, role: 'discloser', org: 'broker' },
  { name: 'recipient@party', key: f.keys['recipient@party']!, role: 'recipient', org: 'party' },
  { name: 'recipient@rival', key: f.keys['recipient@rival']!, role: 'recipient', org: 'rival' },
  { name: 'subject:jane', key: janeToken, role: 'subject', org: null },
];

const readsAll = (c: Caller): boolean => c.role === 'admin' || c.role === 'regulator';
/** The tenant a caller must never reach: the other side of club / rival. */
const otherTenant = (c: Caller): string => (c.org === 'rival' || c.org === 'ico' ? 'club' : 'rival');
const ownTenant = (c: Caller): string => c.org ?? 'club';

const ok = (r: Res): boolean => r.status >= 200 && r.status < 300;
const denied = (r: Res): boolean => r.status === 403 || r.status === 404 || r.status === 400;

/** Runs `check` for every caller and reports every mismatch at once. */
async function matrix(check: (c: Caller) => Promise<string | null>): Promise<void> {
  const problems: string[] = [];
  for (const c of CALLERS) {
    const p = await check(c);
    if (p) problems.push(`${c.name}: ${p}`);
  }
  assert.deepEqual(problems, []);
}

function expectWrite(r: Res, allowed: boolean, what: string): string | null {
  if (allowed && !ok(r)) return `${what} should be allowed, got ${r.status} ${JSON.stringify(r.body)}`;
  if (!allowed && !denied(r)) return `${what} should be refused, got ${r.status}`;
  if (!ok(r) && (typeof r.body?.code !== 'string' || !Array.isArray(r.body?.details))) return `${what}: not the error shape`;
  return null;
}

let n = 0;
const uniq = (): string => `m${++n}`;

describe('authorisation matrix: writes, own and other organisation', () => {
  it('POST /v1/organisations: admin only', () =>
    matrix(async (c) => {
      const r = await call(f, 'POST', '/v1/organisations', { key: c.key, body: { id: `org-${uniq()}`, name: 'X', kind: 'other' } });
      return expectWrite(r, c.role === 'admin', 'create organisation');
    }));

  it('POST /v1/organisations/:id/api-keys: admin only, for any organisation', () =>
    matrix(async (c) => {
      const own = await call(f, 'POST', `/v1/organisations/${ownTenant(c)}/api-keys`, { key: c.key, body: {} });
      const other = await call(f, 'POST', `/v1/organisations/${otherTenant(c)}/api-keys`, { key: c.key, body: {} });
      return expectWrite(own, c.role === 'admin', 'own') ?? expectWrite(other, c.role === 'admin', 'other');
    }));

  it('POST /v1/api-keys/:id/revoke: admin, or a key of the same organisation', () =>
    matrix(async (c) => {
      const mine = await issueApiKey(store, { organisation: ownTenant(c), role: 'recipient' });
      const theirs = await issueApiKey(store, { organisation: otherTenant(c), role: 'recipient' });
      const own = await call(f, 'POST', `/v1/api-keys/${mine.key.id}/revoke`, { key: c.key });
      const other = await call(f, 'POST', `/v1/api-keys/${theirs.key.id}/revoke`, { key: c.key });
      return expectWrite(own, c.role !== 'subject', 'own') ?? expectWrite(other, c.role === 'admin', 'other');
    }));

  it('POST /v1/notices: collectors, for their own organisation', () =>
    matrix(async (c) => {
      const body = (controller: string) => ({ id: uniq(), controller, version: '1', language: 'en', title: 'T', text: 'Text', purposes: ['marketing'], effectiveFrom: '2015-01-01' });
      const own = await call(f, 'POST', '/v1/notices', { key: c.key, body: body(ownTenant(c)) });
      const other = await call(f, 'POST', '/v1/notices', { key: c.key, body: body(otherTenant(c)) });
      return expectWrite(own, c.role === 'collector', 'own') ?? expectWrite(other, false, 'other');
    }));

  it('POST /v1/datasets: collectors, disclosers and recipients, for their own organisation', () =>
    matrix(async (c) => {
      const body = (controller: string) => ({ id: uniq(), controller, name: 'D', fields: [{ name: 'name', category: 'name' }] });
      const own = await call(f, 'POST', '/v1/datasets', { key: c.key, body: body(ownTenant(c)) });
      const other = await call(f, 'POST', '/v1/datasets', { key: c.key, body: body(otherTenant(c)) });
      return expectWrite(own, ['collector', 'discloser', 'recipient'].includes(c.role), 'own') ?? expectWrite(other, false, 'other');
    }));

  it('POST /v1/agreements: collectors and disclosers, as the disclosing party', () =>
    matrix(async (c) => {
      const body = (from: string) => ({ id: uniq(), from, to: from === 'party' ? 'broker' : 'party', purposes: ['marketing'], fields: ['name'], validFrom: '2015-01-01' });
      const own = await call(f, 'POST', '/v1/agreements', { key: c.key, body: body(ownTenant(c)) });
      const other = await call(f, 'POST', '/v1/agreements', { key: c.key, body: body(otherTenant(c)) });
      return expectWrite(own, ['collector', 'discloser'].includes(c.role), 'own') ?? expectWrite(other, false, 'other');
    }));

  it('POST /v1/consent-events (single and bulk): collectors, and only as their own organisation', () =>
    matrix(async (c) => {
      const notice = ownTenant(c) === 'rival' ? 'r1' : 'n1';
      const own = await call(f, 'POST', '/v1/consent-events', { key: c.key, body: consentBody(`${uniq()}@example.org`, { notice: c.role === 'collector' ? notice : 'n1' }) });
      const other = await call(f, 'POST', '/v1/consent-events', { key: c.key, body: { ...consentBody(`${uniq()}@example.org`), controller: otherTenant(c) } });
      const bulk = await call(f, 'POST', '/v1/consent-events/bulk', { key: c.key, ndjson: [consentBody(`${uniq()}@example.org`, { notice })] });
      return expectWrite(own, c.role === 'collector', 'own') ?? expectWrite(other, false, 'naming another controller') ?? expectWrite(bulk, c.role === 'collector', 'bulk');
    }));

  it('POST /v1/subject-tokens: collectors, for people who consented to them', () =>
    matrix(async (c) => {
      const person = (org: string) => (org === 'rival' ? 'rob@example.org' : 'jane@example.org');
      const own = await call(f, 'POST', '/v1/subject-tokens', { key: c.key, body: { email: person(ownTenant(c)) } });
      const other = await call(f, 'POST', '/v1/subject-tokens', { key: c.key, body: { email: person(otherTenant(c)) } });
      return expectWrite(own, c.role === 'collector' && (c.org === 'club' || c.org === 'rival'), 'own') ?? expectWrite(other, false, 'other');
    }));

  for (const action of ['check', 'commit'] as const) {
    it(`POST /v1/transfers/${action}: collectors and disclosers, from their own organisation`, () =>
      matrix(async (c) => {
        const url = (from: string) => `/v1/transfers/${action}?from=${from}&to=${from === 'party' ? 'broker' : 'party'}&purpose=marketing&fields=name&at=2020-01-01`;
        const rows = [{ email: 'pat@example.org', name: 'Pat' }];
        const own = await call(f, 'POST', url(ownTenant(c)), { key: c.key, ndjson: rows });
        const other = await call(f, 'POST', url(otherTenant(c)), { key: c.key, ndjson: rows });
        return expectWrite(own, ['collector', 'discloser'].includes(c.role), 'own') ?? expectWrite(other, false, 'other');
      }));
  }
});

describe('authorisation matrix: reads, own and other organisation', () => {
  it('GET /v1/organisations and /v1/organisations/:id: every key, no person', () =>
    matrix(async (c) => {
      const list = await call(f, 'GET', '/v1/organisations', { key: c.key });
      const one = await call(f, 'GET', `/v1/organisations/${otherTenant(c)}`, { key: c.key });
      const allowed = c.role !== 'subject';
      return expectWrite(list, allowed, 'list') ?? expectWrite(one, allowed, 'one');
    }));

  /** A list must hold own items, and another tenant's only for those who read everything. */
  const listCheck = (url: string, ownerOf: (item: any) => string[]) =>
    matrix(async (c) => {
      const r = await call(f, 'GET', url, { key: c.key });
      if (c.role === 'subject') return r.status === 403 ? null : `expected 403, got ${r.status}`;
      if (r.status !== 200) return `got ${r.status}`;
      const owners = (r.body.items as unknown[]).map(ownerOf);
      const leaked = owners.filter((o) => !readsAll(c) && !o.includes(c.org!));
      if (leaked.length > 0) return `sees records of ${JSON.stringify(leaked)}`;
      if (readsAll(c) && !owners.some((o) => o.includes('club')) ) return 'a reader of everything misses club';
      if (readsAll(c) && !owners.some((o) => o.includes('rival'))) return 'a reader of everything misses rival';
      return null;
    });

  it('GET /v1/notices', () => listCheck('/v1/notices', (n) => [n.controller]));
  it('GET /v1/datasets', () => listCheck('/v1/datasets', (d) => [d.controller]));
  it('GET /v1/agreements', () => listCheck('/v1/agreements', (a) => [a.from, a.to, a.onBehalfOf]));
  it('GET /v1/transfers', () => listCheck('/v1/transfers', (t) => [t.request.from, t.request.to, t.request.onBehalfOf]));

  /** One item by id: own (or disclosed) visible, another tenant's a 404 unless reading everything. */
  const oneCheck = (own: (c: Caller) => string | null, other: (c: Caller) => string) =>
    matrix(async (c) => {
      const mine = own(c);
      if (mine) {
        const r = await call(f, 'GET', mine, { key: c.key });
        if (c.role === 'subject' ? r.status !== 403 : r.status !== 200) return `own ${mine}: got ${r.status}`;
      }
      const r = await call(f, 'GET', other(c), { key: c.key });
      const want = c.role === 'subject' ? 403 : readsAll(c) ? 200 : 404;
      return r.status === want ? null : `other ${other(c)}: expected ${want}, got ${r.status}`;
    });

  it('GET /v1/notices/:controller/:id', () =>
    oneCheck(
      (c) => (c.org === 'club' || c.org === 'rival' ? `/v1/notices/${c.org}/${c.org === 'club' ? 'n1' : 'r1'}` : null),
      (c) => (otherTenant(c) === 'club' ? '/v1/notices/club/n1' : '/v1/notices/rival/r1'),
    ));
  it('GET /v1/datasets/:controller/:id', () =>
    oneCheck(
      (c) => (c.org === 'club' || c.org === 'rival' ? `/v1/datasets/${c.org}/ds-${c.org}` : null),
      (c) => `/v1/datasets/${otherTenant(c)}/ds-${otherTenant(c)}`,
    ));
  it('GET /v1/transfers/:id (recipients and end clients see what was disclosed to them)', () =>
    oneCheck(
      (c) => (['club', 'broker', 'party'].includes(c.org ?? '') ? `/v1/transfers/${clubTransfer}` : c.org === 'rival' ? `/v1/transfers/${rivalTransfer}` : null),
      (c) => `/v1/transfers/${otherTenant(c) === 'club' ? clubTransfer : rivalTransfer}`,
    ));
  it('GET /v1/ledger/leaves/:index/proof', () =>
    oneCheck(
      (c) => (c.org === 'club' || c.org === 'rival' ? `/v1/ledger/leaves/${leaves[c.org]}/proof` : null),
      (c) => `/v1/ledger/leaves/${leaves[otherTenant(c) as 'club' | 'rival']}/proof`,
    ));

  it('GET /v1/ledger and /v1/ledger/tree-heads: commitments every key may read', () =>
    matrix(async (c) => {
      const a = await call(f, 'GET', '/v1/ledger', { key: c.key });
      const b = await call(f, 'GET', '/v1/ledger/tree-heads', { key: c.key });
      const allowed = c.role !== 'subject';
      return expectWrite(a, allowed, 'status') ?? expectWrite(b, allowed, 'tree heads');
    }));

  it('GET /v1/api-keys: admin all, others their own organisation’s, never a secret', () =>
    matrix(async (c) => {
      const r = await call(f, 'GET', '/v1/api-keys', { key: c.key });
      if (c.role === 'subject') return r.status === 403 ? null : `expected 403, got ${r.status}`;
      const orgs = new Set((r.body.items as { organisation: string | null }[]).map((k) => k.organisation));
      if (JSON.stringify(r.body).includes('csk_')) return 'a secret was listed';
      if (c.role === 'admin') return orgs.has('club') && orgs.has('rival') ? null : 'admin misses keys';
      return [...orgs].every((o) => o === c.org) ? null : `sees keys of ${[...orgs].join(',')}`;
    }));

  it('GET /v1/me/*: a person only, and only their own', () =>
    matrix(async (c) => {
      const events = await call(f, 'GET', '/v1/me/consent-events', { key: c.key });
      const transfers = await call(f, 'GET', '/v1/me/transfers', { key: c.key });
      const proofOwn = await call(f, 'GET', `/v1/me/transfers/${clubTransfer}/proof`, { key: c.key });
      const proofOther = await call(f, 'GET', `/v1/me/transfers/${rivalTransfer}/proof`, { key: c.key });
      const whoHas = await call(f, 'GET', '/v1/me/who-has?proofs=false', { key: c.key });
      // rectify: passed on, but changes no decision the other rows of this matrix depend on.
      const rights = await call(f, 'POST', '/v1/me/rights-requests', { key: c.key, body: { kind: 'rectify', controller: 'club', note: 'surname misspelt' } });
      const rightsElsewhere = await call(f, 'POST', '/v1/me/rights-requests', { key: c.key, body: { kind: 'rectify', controller: 'rival', note: 'surname misspelt' } });
      if (c.role !== 'subject') return [events, transfers, proofOwn, proofOther, whoHas, rights, rightsElsewhere].every((r) => r.status === 403) ? null : 'an organisation reached /v1/me';
      if (whoHas.status !== 200 || whoHas.body.collectedBy.map((x: { organisation: { id: string } }) => x.organisation.id).join() !== 'club') return `who-has: ${whoHas.status} ${JSON.stringify(whoHas.body)}`;
      if (rights.status !== 201 || rights.body.controller !== 'club' || !Array.isArray(rights.body.passedTo)) return `rights request: ${rights.status} ${JSON.stringify(rights.body)}`;
      // Nothing recorded about this person at another organisation: the same answer as an unknown person.
      if (rightsElsewhere.status !== 404) return `rights request to an organisation holding nothing: ${rightsElsewhere.status}`;
      if (events.body.items.length !== 1 || events.body.items[0].controller !== 'club') return `events: ${JSON.stringify(events.body.items)}`;
      if (transfers.body.items.map((t: { id: string }) => t.id).join() !== clubTransfer) return `transfers: ${JSON.stringify(transfers.body.items)}`;
      if (proofOwn.status !== 200) return `own proof: ${proofOwn.status}`;
      return proofOther.status === 404 ? null : `another person's transfer: ${proofOther.status}`;
    }));
});
