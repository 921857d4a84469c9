import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DAY_MS, dayOf, weekday } from '../../src/demo/iso-dates.ts';
import { TIMELINE } from '../../src/demo/reference-case.ts';
import {
  EMAIL_DOMAINS,
  MAX_RECORDS,
  generateRegistrants,
  registrantAt,
  registrantId,
  registrantRange,
} from '../../src/demo/registrants.ts';
import type { Registrant } from '../../src/demo/registrants.ts';
import { TOWNS, UK_POSTCODE_RE } from '../../src/demo/uk-places.ts';

const SEED = 11;
const N = 30_000;
const sample: Registrant[] = [...generateRegistrants({ records: N, seed: SEED })];

const REG_FROM = Date.parse(TIMELINE.registrationsFrom);
const REG_TO = Date.parse(TIMELINE.registrationsTo);
const yearsBetween = (fromDay: number, toDay: number) => (toDay - fromDay) / 365.25;
const within = (actual: number, expected: number, tolerance: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} not within ${expected} ± ${tolerance}`);

describe('generateRegistrants', () => {
  it('numbers registrants 1..records with stable ids', () => {
    assert.equal(sample.length, N);
    sample.forEach((r, i) => assert.equal(r.ordinal, i + 1));
    assert.equal(sample[0]!.id, 'ed-0000001');
    assert.equal(sample[N - 1]!.id, 'ed-0030000');
    assert.equal(registrantId(1_065_200), 'ed-1065200');
  });

  it('writes valid UK postcodes in the postcode area of the town', () => {
    for (const r of sample) {
      assert.match(r.postcode, UK_POSTCODE_RE, r.postcode);
      const [, area, district] = /^([A-Z]{1,2})(\d+) /.exec(r.postcode)!;
      const d = Number(district);
      assert.ok(
        TOWNS.some((t) => t.name === r.town && t.area === area && d >= t.districts[0] && d <= t.districts[1]),
        `${r.postcode} is not in ${r.town}`,
      );
      assert.match(r.address, new RegExp(`^\\d{1,3} [A-Z][A-Za-z ]+, ${r.town.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
    }
  });

  it('gives emails only on reserved example domains, unique, and only to web registrants', () => {
    const seen = new Set<string>();
    for (const r of sample) {
      if (r.method === 'paper-form') {
        assert.equal(r.email, '');
        continue;
      }
      assert.equal(r.method, 'web-form');
      assert.match(r.email, /^[a-z]+\.[a-z]+\.\d+@example\.(org|com|net)$/);
      assert.ok(EMAIL_DOMAINS.includes(r.email.split('@')[1]!));
      assert.ok(r.email.includes(`.${r.ordinal}@`));
      assert.ok(!seen.has(r.email), `duplicate ${r.email}`);
      seen.add(r.email);
    }
  });

  it('keeps people distinct when identified by name + postcode + date of birth', () => {
    const keys = new Set(sample.map((r) => `${r.name}|${r.postcode}|${r.motherDob}`));
    assert.equal(keys.size, N);
  });

  it('registers between 2014-01-01 and 2017-04-30; paper forms on weekdays in office hours', () => {
    for (const r of sample) {
      assert.ok(r.registeredAt >= REG_FROM && r.registeredAt <= REG_TO, new Date(r.registeredAt).toISOString());
      if (r.method === 'paper-form') {
        const day = Math.floor(r.registeredAt / DAY_MS);
        assert.ok(weekday(day) < 5, 'paper form keyed in at a weekend');
        const hour = new Date(r.registeredAt).getUTCHours();
        assert.ok(hour >= 9 && hour < 17, `paper form keyed in at ${hour}h`);
      }
    }
  });

  it('has mothers born 1972–2000 aged 17–43 at registration, and children born in the 5 years before it', () => {
    for (const r of sample) {
      const mother = dayOf(r.motherDob);
      const reg = Math.floor(r.registeredAt / DAY_MS);
      assert.ok(r.motherDob >= '1972-01-01' && r.motherDob <= '2000-12-31', r.motherDob);
      const age = yearsBetween(mother, reg);
      assert.ok(age >= 17 && age <= 43.01, `mother aged ${age}`);
      assert.ok(r.childDobs.length <= 3);
      let previous = -Infinity;
      for (const c of r.childDobs) {
        const child = dayOf(c);
        assert.ok(child < reg, `child ${c} born on or after registration`);
        assert.ok(reg - child <= Math.floor(5 * 365.25), `child ${c} older than 5 at registration`);
        assert.ok(yearsBetween(mother, child) >= 16, 'mother younger than 16 at birth');
        assert.ok(child - previous >= 330, 'siblings less than 11 months apart');
        previous = child;
      }
    }
  });

  it('matches the documented shares within tolerance (5 standard deviations)', () => {
    const sd = (p: number) => 5 * Math.sqrt(N * p * (1 - p));
    const web = sample.filter((r) => r.method === 'web-form').length;
    const none = sample.filter((r) => r.childDobs.length === 0).length;
    within(web, 0.7 * N, sd(0.7), 'web registrants');
    within(none, 0.15 * N, sd(0.15), 'registrants without children');
    const children = sample.reduce((s, r) => s + r.childDobs.length, 0);
    within(children / N, 1.19, 0.05, 'children per registrant');
    assert.ok(new Set(sample.map((r) => r.town)).size > 200, 'towns used');
    assert.ok(new Set(sample.map((r) => r.name)).size > 10_000, 'distinct names');
  });

  it('is deterministic, a prefix of any larger run, and registrant n can be made alone', () => {
    const again = [...generateRegistrants({ records: 2000, seed: SEED })];
    assert.deepEqual(again, sample.slice(0, 2000));
    assert.deepEqual([...registrantRange(SEED, 12_001, 500)], sample.slice(12_000, 12_500));
    for (const n of [1, 777, N]) assert.deepEqual(registrantAt(n, SEED), sample[n - 1]);
    const other = [...generateRegistrants({ records: 2000, seed: SEED + 1 })];
    const same = other.filter((r, i) => r.name === sample[i]!.name && r.postcode === sample[i]!.postcode).length;
    assert.ok(same < 20, `${same} of 2000 identical across seeds`);
  });

  it('refuses bad sizes, seeds and ordinals before generating anything', () => {
    assert.throws(() => generateRegistrants({ records: -1 }), RangeError);
    assert.throws(() => generateRegistrants({ records: 1.5 }), RangeError);
    assert.throws(() => generateRegistrants({ records: MAX_RECORDS + 1 }), RangeError);
    assert.throws(() => generateRegistrants({ records: 10, seed: -3 }), RangeError);
    assert.throws(() => registrantAt(0), RangeError);
    assert.throws(() => registrantRange(1, MAX_RECORDS, 2).next(), RangeError);
    assert.deepEqual([...generateRegistrants({ records: 0 })], []);
  });
});
