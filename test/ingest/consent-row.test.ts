import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkedRowText, type CheckedRow } from '../../src/ingest/consent-row.ts';
import { isoTime } from '../../src/domain/schemas.ts';

describe('consent rows', () => {
  it('a checked row\'s text changes with every one of its fields', () => {
    const row: CheckedRow = {
      id: 'e1', controller: 'emmas-diary', identifier: 'email:a@example.org', purposes: ['marketing'], recipients: ['experian-marketing'],
      status: 'ConsentGiven', notice: 'sha256:aa', at: 1, expiresAt: null, method: 'web-form', consentType: 'expressed', evidence: null,
    };
    const changed: { [K in keyof CheckedRow]: CheckedRow[K] } = {
      id: 'e2', controller: 'other', identifier: 'email:b@example.org', purposes: ['marketing', 'profiling'], recipients: [],
      status: 'ConsentWithdrawn', notice: null, at: 2, expiresAt: 3, method: null, consentType: 'implied', evidence: 'form v2',
    };
    const base = checkedRowText(row);
    for (const k of Object.keys(row) as (keyof CheckedRow)[]) {
      assert.notEqual(checkedRowText({ ...row, [k]: changed[k] }), base, `field ${k}`);
    }
    assert.equal(checkedRowText({ ...row, purposes: ['marketing'] }), base, 'equal content, equal text');
  });

  it('reads ISO 8601 dates and times once, and names what is wrong with the others', () => {
    assert.equal(isoTime.parse('2017-05-05'), Date.UTC(2017, 4, 5));
    assert.equal(isoTime.parse('2017-05-05T09:30:00+01:00'), Date.UTC(2017, 4, 5, 8, 30));
    for (const bad of ['2017-02-30', '05/05/2017', '2017-05-05T25:00:00Z', '']) {
      const r = isoTime.safeParse(bad);
      assert.equal(r.success, false, bad);
      assert.match(r.error!.issues[0]!.message, /not a valid ISO 8601 date or time/);
    }
  });
});
