import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { downstreamHoldings, holders } from '../../src/lineage/holders.ts';
import { oneMonthAfter } from '../../src/lineage/rights.ts';
import type { StoredDerivation, StoredTransfer, SubjectHistory } from '../../src/store/store.ts';

function transfer(id: string, from: string, to: string, onBehalfOf: string | null, at: number): StoredTransfer {
  return {
    id,
    decidedAt: at,
    request: { from, to, onBehalfOf, purpose: 'marketing', channel: 'post', fields: ['name'], at, basis: 'consent', tpsScreened: false },
    pack: { id: 'uk-gdpr', version: '1' },
    requested: 1,
    allowed: 1,
    refused: 0,
    reasons: {},
    warnings: {},
    findings: [],
    fields: { sent: ['name'], stripped: [] },
    subjects: { count: 1, root: '' },
    allowedSubjects: { count: 1, root: '' },
    leaf: 0,
  };
}

const consent = { id: 'e', controller: 'club', subject: new Uint8Array(32), purposes: ['marketing'], recipients: [], status: 'ConsentGiven' as const, notice: null, at: 10, expiresAt: null, method: null, consentType: 'expressed' as const, evidence: null, seq: 1, ordinal: 0, leaf: 0 };

describe('lineage', () => {
  it('follows the data three hops: club → broker → party, and into a derived dataset', () => {
    const seg: StoredDerivation = { id: 'seg', controller: 'party', name: 'Segment', purpose: 'marketing', sources: ['t2'], at: 40, subjects: { count: 1, root: '' }, leaf: 0 };
    const h: SubjectHistory = {
      consents: [consent],
      objections: [],
      transfers: [
        { transfer: transfer('t1', 'club', 'broker', null, 20), allowed: true, reasons: [] },
        { transfer: transfer('t2', 'broker', 'party', null, 30), allowed: true, reasons: [] },
        { transfer: transfer('t3', 'club', 'other', null, 25), allowed: false, reasons: ['purpose-not-named'] },
      ],
      derivations: [seg],
      rights: [],
    };
    const hs = downstreamHoldings(h, 'club');
    assert.deepEqual(hs.map((x) => [x.organisation, x.via]), [['broker', 'transfer'], ['party', 'transfer'], ['party', 'derivation']]);
    assert.deepEqual([...holders(hs)], [['broker', 20], ['party', 30]]);
    // A refused transfer delivered nothing: 'other' holds nothing.
    assert.ok(!hs.some((x) => x.organisation === 'other'));
    // From the broker, only what it passed on.
    assert.deepEqual([...holders(downstreamHoldings(h, 'broker'))], [['party', 30]]);
  });

  it('counts an end client as a holder of what was sent on its behalf', () => {
    const h: SubjectHistory = { consents: [consent], objections: [], transfers: [{ transfer: transfer('t', 'club', 'broker', 'party', 5), allowed: true, reasons: [] }], derivations: [], rights: [] };
    assert.deepEqual([...holders(downstreamHoldings(h))].map(([o]) => o), ['broker', 'party']);
  });

  it('gives one calendar month to acknowledge, ending on the last day of a shorter month', () => {
    assert.equal(new Date(oneMonthAfter(Date.parse('2026-04-01T10:00:00Z'))).toISOString(), '2026-05-01T10:00:00.000Z');
    assert.equal(new Date(oneMonthAfter(Date.parse('2026-01-31T00:00:00Z'))).toISOString(), '2026-02-28T00:00:00.000Z');
    assert.equal(new Date(oneMonthAfter(Date.parse('2026-12-15T00:00:00Z'))).toISOString(), '2027-01-15T00:00:00.000Z');
  });
});
