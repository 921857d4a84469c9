import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FactsBuilder } from '../../src/policy/facts.ts';
import { consent, objection } from './fixtures.ts';

describe('FactsBuilder', () => {
  it('stores one row per (event, purpose) and decodes them back', () => {
    const f = new FactsBuilder(16);
    const e = consent('club', { purposes: ['marketing', 'research'], recipients: ['b', 'a', 'b'], notice: 'h1', at: 5, expiresAt: 9, consentType: 'explicit' });
    f.addConsent(3, e);
    f.addConsent(1, consent('club', { recipients: ['a', 'b'], notice: null, method: null, status: 'ConsentRefused' }));
    assert.equal(f.consentCount, 3);
    assert.equal(f.subjectCount, 4);
    assert.deepEqual(f.consentRow(0), {
      subject: 3,
      controller: 'club',
      purpose: 'marketing',
      status: 'ConsentGiven',
      at: 5,
      expiresAt: 9,
      notice: 'h1',
      recipients: ['b', 'a'].sort((x, y) => f.orgIndex(x) - f.orgIndex(y)),
      method: 'web-form',
      consentType: 'explicit',
      seq: 0,
    });
    assert.equal(f.consentRow(1).purpose, 'research');
    const last = f.consentRow(2);
    assert.equal(last.notice, null);
    assert.equal(last.method, null);
    assert.equal(last.expiresAt, null);
    // The same recipient set, however written, is interned once.
    assert.equal(f.consents.recipients[0], f.consents.recipients[2]);
  });

  it('grows its columns and keeps every row', () => {
    const f = new FactsBuilder(16);
    for (let i = 0; i < 1000; i++) f.addConsent(i % 37, consent('c' + (i % 3), { at: i, recipients: i % 2 ? ['x'] : [] }));
    for (let i = 0; i < 40; i++) f.addObjection(i, objection('c0', 'all', i));
    assert.equal(f.consentCount, 1000);
    assert.equal(f.objectionCount, 40);
    assert.equal(f.subjectCount, 40);
    assert.equal(f.consentRow(999).at, 999);
    assert.equal(f.consentRow(999).controller, 'c0');
    assert.deepEqual(f.consentRow(999).recipients, ['x']);
    assert.equal(f.objectionRow(39).scope, 'all');
    assert.equal(f.recipientSetCount, 2);
  });

  it('refuses unknown purposes, statuses and bad ordinals', () => {
    const f = new FactsBuilder();
    assert.throws(() => f.addConsent(0, consent('c', { purposes: ['politics'] })), /unknown purpose "politics"/);
    assert.throws(() => f.addConsent(0, consent('c', { status: 'Maybe' as never })), /unknown consent status/);
    assert.throws(() => f.addConsent(-1, consent('c')), /ordinal/);
    f.reserveSubjects(10);
    assert.equal(f.subjectCount, 10);
  });
});
