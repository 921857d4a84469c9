import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { summariseCase } from '../../src/demo/case-summary.ts';
import { appendConsentEvents, consentEventsFor } from '../../src/demo/consent-events.ts';
import type { ImportRow } from '../../src/demo/consent-events.ts';
import { DAY_MS } from '../../src/demo/iso-dates.ts';
import {
  ARABIC_SHARE,
  DEFAULT_RECORDS,
  MARKETING_SHARE,
  POLITICAL_OPT_IN_SHARE,
  TIMELINE,
  WITHDRAW_SHARE,
} from '../../src/demo/reference-case.ts';
import { generateRegistrants } from '../../src/demo/registrants.ts';
import type { Registrant } from '../../src/demo/registrants.ts';
import { Rng } from '../../src/demo/rng.ts';
import { COLLECTION_METHODS, CONSENT_STATUSES } from '../../src/domain/types.ts';

const SEED = 5;
const people: Registrant[] = [...generateRegistrants({ records: 40_000, seed: SEED })];
const eventsOf = (r: Registrant): ImportRow[] => [...consentEventsFor(r, SEED)];
const ISO_AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

describe('consentEventsFor', () => {
  it('gives everyone service and a marketing choice at registration under n1, in time order', () => {
    for (const r of people) {
      const rows = eventsOf(r);
      const [svc, mkt] = rows;
      assert.ok(rows.length >= 2 && rows.length <= 4);
      assert.equal(svc!.event_id, `${r.id}-svc`);
      assert.deepEqual([svc!.purposes, svc!.status, svc!.notice], [['service-provision'], 'ConsentGiven', 'n1']);
      assert.equal(mkt!.event_id, `${r.id}-mkt`);
      assert.deepEqual(mkt!.purposes, ['marketing']);
      assert.ok(mkt!.status === 'ConsentGiven' || mkt!.status === 'ConsentRefused');
      assert.equal(new Date(svc!.at).getTime(), r.registeredAt);
      assert.equal(mkt!.at, svc!.at);
      for (let i = 1; i < rows.length; i++) assert.ok(rows[i - 1]!.at <= rows[i]!.at, 'events out of time order');
      for (const e of rows) {
        assert.deepEqual([e.email, e.name, e.postcode, e.dob], [r.email, r.name, r.postcode, r.motherDob]);
        assert.match(e.at, ISO_AT);
        assert.equal(e.expires_at, null);
        assert.ok((CONSENT_STATUSES as readonly string[]).includes(e.status));
        assert.ok((COLLECTION_METHODS as readonly string[]).includes(e.method));
        assert.notEqual(e.evidence, '');
      }
      assert.equal(svc!.method, r.method);
    }
  });

  it('withdraws marketing only after it was given, between registration and 2019-12-31', () => {
    const end = Date.parse(TIMELINE.withdrawalsTo);
    let seen = 0;
    for (const r of people) {
      const rows = eventsOf(r);
      const wd = rows.find((e) => e.event_id === `${r.id}-wd`);
      if (!wd) continue;
      seen++;
      assert.equal(rows[1]!.status, 'ConsentGiven');
      assert.deepEqual([wd.purposes, wd.status, wd.notice, wd.recipients], [['marketing'], 'ConsentWithdrawn', 'n1', []]);
      const at = Date.parse(wd.at);
      assert.ok(at >= r.registeredAt + DAY_MS - 1000 && at <= end, wd.at);
      assert.ok(r.method === 'web-form' ? ['email', 'web-form'].includes(wd.method) : ['phone', 'paper-form'].includes(wd.method));
    }
    assert.ok(seen > 100);
  });

  it('opts in to political campaigning under n2 or n2-ar, naming Experian and Labour, Jan–Jun 2018', () => {
    const from = Date.parse(TIMELINE.politicalOptInFrom);
    const to = Date.parse(TIMELINE.politicalOptInTo);
    let seen = 0;
    for (const r of people) {
      const pol = eventsOf(r).find((e) => e.event_id === `${r.id}-pol`);
      if (!pol) continue;
      seen++;
      assert.deepEqual(pol.purposes, ['political-campaign']);
      assert.deepEqual(pol.recipients, ['experian-marketing', 'labour-party']);
      assert.equal(pol.status, 'ConsentGiven');
      assert.ok(pol.notice === 'n2' || pol.notice === 'n2-ar');
      assert.equal(pol.consent_type, 'explicit');
      const at = Date.parse(pol.at);
      assert.ok(at >= from && at <= to, pol.at);
      assert.ok(r.method === 'web-form' ? ['web-form', 'email'].includes(pol.method) : pol.method === 'web-form');
    }
    assert.ok(seen > 500);
  });

  it('depends only on (seed, registrant): any Rng may be passed, and the array form agrees', () => {
    const shared = new Rng(999, 4, 4);
    const out: ImportRow[] = [];
    for (const r of people.slice(0, 3000)) {
      const expected = eventsOf(r);
      assert.deepEqual([...consentEventsFor(r, SEED, shared)], expected);
      out.length = 0;
      appendConsentEvents(r, SEED, shared, out);
      assert.deepEqual(out, expected);
    }
    const differs = people.slice(0, 3000).filter((r) => eventsOf(r)[1]!.status !== [...consentEventsFor(r, SEED + 1)][1]!.status);
    assert.ok(differs.length > 500, 'marketing choices do not change with the seed');
  });

  it('matches the documented shares, with exact counts that add up and ≈2.2M events at full size', () => {
    // 300,000 registrants keep the test quick; the benchmark writes the full 1,065,200.
    const n = 300_000;
    const s = summariseCase({ records: n, seed: SEED });
    const tol = (count: number, p: number) => 5 * Math.sqrt(count * p * (1 - p));
    assert.equal(s.registrants, n);
    assert.equal(s.serviceGiven, n);
    assert.equal(s.marketingGiven + s.marketingRefused, n);
    assert.equal(s.webRegistrants + s.paperRegistrants, n);
    assert.equal(s.withChildren + s.expecting, n);
    assert.equal(s.events, 2 * n + s.marketingWithdrawn + s.politicalOptIn);
    const fullSize = (s.events / n) * DEFAULT_RECORDS;
    assert.ok(fullSize > 2_100_000 && fullSize < 2_250_000, `${fullSize} events at full size`);
    assert.ok(Math.abs(s.marketingGiven - MARKETING_SHARE * n) < tol(n, MARKETING_SHARE), `${s.marketingGiven} marketing`);
    assert.ok(Math.abs(s.marketingWithdrawn - WITHDRAW_SHARE * s.marketingGiven) < tol(s.marketingGiven, WITHDRAW_SHARE));
    assert.ok(Math.abs(s.politicalOptIn - POLITICAL_OPT_IN_SHARE * n) < tol(n, POLITICAL_OPT_IN_SHARE));
    assert.ok(Math.abs(s.politicalOptInArabic - ARABIC_SHARE * s.politicalOptIn) < tol(s.politicalOptIn, ARABIC_SHARE));
    assert.ok(Math.abs(s.expecting - 0.15 * n) < tol(n, 0.15));
  });
});
