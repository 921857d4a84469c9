import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FIELD_CATEGORIES } from '../../src/domain/data-categories.ts';
import { isPurposeId } from '../../src/domain/purposes.ts';
import { AGREEMENT_ROLES, ORG_KINDS } from '../../src/domain/types.ts';
import {
  AGREEMENTS,
  ARABIC_SHARE,
  DEFAULT_RECORDS,
  MARKETING_SHARE,
  NOTICES,
  ORGANISATIONS,
  POLITICAL_OPT_IN_SHARE,
  T1_TRANSFER,
  T2026_TRANSFER,
  TIMELINE,
  WITHDRAW_SHARE,
} from '../../src/demo/reference-case.ts';

const org = (id: string) => ORGANISATIONS.find((o) => o.id === id);
const notice = (id: string) => NOTICES.find((n) => n.id === id)!;

describe('reference case constants', () => {
  it('keeps the stable organisation ids, kinds and contacts', () => {
    assert.deepEqual(
      ORGANISATIONS.map((o) => [o.id, o.kind, o.country, o.rightsContact]),
      [
        ['emmas-diary', 'collector', 'GB', 'privacy@emmasdiary.example'],
        ['experian-marketing', 'broker', 'GB', 'dpo@experian.example'],
        ['labour-party', 'political-party', 'GB', 'dataprotection@labour.example'],
        ['ico', 'regulator', 'GB', 'casework@ico.example'],
      ],
    );
    for (const o of ORGANISATIONS) assert.ok((ORG_KINDS as readonly string[]).includes(o.kind));
    assert.equal(org('emmas-diary')!.name, "Lifecycle Marketing (Mother and Baby) Ltd t/a Emma's Diary");
  });

  it('n1 says only "marketing ... by us and selected partners"; n2 names political campaigning and both organisations', () => {
    const n1 = notice('n1');
    assert.match(n1.text, /may be used for marketing purposes by us and selected partners/);
    assert.doesNotMatch(n1.text, /politic|Labour|Experian/i);
    assert.deepEqual([n1.version, n1.language, n1.effectiveFrom], ['2014-01', 'en', '2014-01-01T00:00:00Z']);
    assert.deepEqual(n1.purposes, ['service-provision', 'marketing']);
    assert.deepEqual(n1.recipients, []);

    const n2 = notice('n2');
    assert.match(n2.text, /political campaigns/);
    assert.match(n2.text, /Experian Marketing Services/);
    assert.match(n2.text, /Labour Party/);
    assert.deepEqual([n2.version, n2.language, n2.effectiveFrom], ['2018-01', 'en', '2018-01-15T00:00:00Z']);
    assert.deepEqual(n2.purposes, ['service-provision', 'marketing', 'political-campaign']);
    assert.deepEqual(n2.recipients, ['experian-marketing', 'labour-party']);
  });

  it('n2-ar is an Arabic n2 with the same purposes, recipients and dates', () => {
    const n2 = notice('n2');
    const ar = notice('n2-ar');
    assert.equal(ar.language, 'ar');
    const arabicLetters = ar.text.match(/[\u0621-\u064a]/g) ?? [];
    assert.ok(arabicLetters.length > 300, `only ${arabicLetters.length} Arabic letters`);
    assert.match(ar.text, /حملاته السياسية/);
    for (const k of ['controller', 'version', 'purposes', 'recipients', 'recipientCategories', 'retentionDays', 'effectiveFrom'] as const) {
      assert.deepEqual(ar[k], n2[k], k);
    }
  });

  it('every notice uses known purposes and organisations and has no hash field', () => {
    for (const n of NOTICES) {
      assert.equal('hash' in n, false);
      assert.equal(n.controller, 'emmas-diary');
      for (const p of n.purposes) assert.ok(isPurposeId(p), p);
      for (const r of n.recipients) assert.ok(org(r), r);
      assert.deepEqual(n.recipientCategories, ['selected partners']);
      assert.equal(n.retentionDays, null);
      assert.ok(!Number.isNaN(Date.parse(n.effectiveFrom)));
    }
  });

  it('agreements match the case: 2017 without DPIA and with every DOB, 2026 with DPIA and postal fields only', () => {
    const [a17, a26] = AGREEMENTS;
    assert.deepEqual(
      [a17!.id, a17!.from, a17!.to, a17!.onBehalfOf, a17!.role, a17!.dpiaRef, a17!.art14NoticeDays, a17!.validFrom, a17!.validTo],
      ['dsa-2017', 'emmas-diary', 'experian-marketing', 'labour-party', 'processor', null, null, '2017-04-01T00:00:00Z', '2017-12-31T00:00:00Z'],
    );
    assert.deepEqual(a17!.fields, ['name', 'address', 'postcode', 'mother_dob', 'child_dob']);
    assert.deepEqual(
      [a26!.id, a26!.dpiaRef, a26!.art14NoticeDays, a26!.validFrom, a26!.validTo],
      ['dsa-2026', 'DPIA-2026-014', 30, '2026-01-01T00:00:00Z', null],
    );
    assert.deepEqual(a26!.fields, ['name', 'address', 'postcode']);
    for (const a of AGREEMENTS) {
      assert.deepEqual(a.purposes, ['political-campaign']);
      assert.equal(a.retentionDays, 60);
      assert.equal(a.onwardSharing, false);
      assert.ok((AGREEMENT_ROLES as readonly string[]).includes(a.role));
      for (const f of a.fields) assert.ok(f in FIELD_CATEGORIES, f);
    }
  });

  it('pins the timeline, sizes and shares', () => {
    assert.equal(TIMELINE.t1, '2017-05-05T09:00:00Z');
    assert.equal(T1_TRANSFER.at, Date.UTC(2017, 4, 5, 9));
    assert.equal(T1_TRANSFER.purpose, 'political-campaign');
    assert.equal(T1_TRANSFER.onBehalfOf, 'labour-party');
    assert.ok(T2026_TRANSFER.at >= Date.parse(AGREEMENTS[1]!.validFrom));
    assert.ok(Date.parse(TIMELINE.registrationsTo) < T1_TRANSFER.at);
    assert.equal(DEFAULT_RECORDS, 1_065_200);
    assert.deepEqual([MARKETING_SHARE, WITHDRAW_SHARE, POLITICAL_OPT_IN_SHARE, ARABIC_SHARE], [0.68, 0.01, 0.02, 0.05]);
  });
});
