import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FactsBuilder } from '../../src/policy/facts.ts';
import { BROKER, CLUB, consent, key } from '../helpers/fixtures.ts';

function sample(): FactsBuilder {
  const f = new FactsBuilder(16);
  f.addOrganisation(CLUB);
  f.addOrganisation(BROKER);
  f.reserveSubjects(40);
  for (let i = 0; i < 30; i++) {
    f.addConsent(i, consent(key(), { purposes: i % 2 ? ['marketing', 'political-campaign'] : ['marketing'], recipients: i % 3 ? ['broker', 'other-org'] : [], notice: i % 4 ? `hash-${i % 3}` : null, expiresAt: i % 5 ? null : 1e12, method: i % 6 ? 'web-form' : null }));
  }
  return f;
}

describe('FactsBuilder columns export', () => {
  it('rebuilds the same rows and interned values, and keeps accepting appends', () => {
    const a = sample();
    const b = FactsBuilder.fromConsentColumns(a.exportConsentColumns());
    assert.equal(b.consentCount, a.consentCount);
    assert.equal(b.subjectCount, 40);
    for (let i = 0; i < a.consentCount; i++) assert.deepEqual(b.consentRow(i), a.consentRow(i));
    assert.equal(b.orgIndex('other-org'), a.orgIndex('other-org'));
    assert.equal(b.recipientSetCount, a.recipientSetCount);
    b.addConsent(41, consent(key(), { recipients: ['broker', 'other-org'] }));
    assert.equal(b.consentRow(a.consentCount).recipients.join(), 'broker,other-org');
    assert.equal(b.recipientSetCount, a.recipientSetCount, 'an existing recipient set is found again');
    assert.equal(b.subjectCount, 42);
  });

  it('refuses columns that point outside what is interned', () => {
    const x = sample().exportConsentColumns();
    const bad = (patch: (c: typeof x.consents) => void): void => {
      const consents = Object.fromEntries(Object.entries(x.consents).map(([k, v]) => [k, v.slice()])) as unknown as typeof x.consents;
      patch(consents);
      assert.throws(() => FactsBuilder.fromConsentColumns({ ...x, consents }), RangeError);
    };
    bad((c) => (c.controller[3] = 9));
    bad((c) => (c.notice[0] = 99));
    bad((c) => (c.recipients[1] = 50));
    bad((c) => (c.purpose[2] = 200));
    bad((c) => (c.subject[4] = -1));
    bad((c) => (c.controller[0] = -1));
    bad((c) => (c.status[1] = 99));
    bad((c) => (c.method[1] = -2));
    bad((c) => (c.consentType[2] = 9));
    // The message names the first row out of range.
    const consents = Object.fromEntries(Object.entries(x.consents).map(([k, v]) => [k, v.slice()])) as unknown as typeof x.consents;
    consents.notice[5] = 77;
    consents.notice[2] = 78;
    assert.throws(() => FactsBuilder.fromConsentColumns({ ...x, consents }), /consent row 2: bad notice/);
    assert.throws(() => FactsBuilder.fromConsentColumns({ ...x, consentCount: x.consents.subject.length + 1 }), RangeError);
    assert.throws(() => FactsBuilder.fromConsentColumns({ ...x, recipientSets: [Int32Array.of(1), ...x.recipientSets.slice(1)] }), RangeError);
    assert.throws(() => FactsBuilder.fromConsentColumns({ ...x, orgIds: ['club', 'club'] }), RangeError);
  });
});
