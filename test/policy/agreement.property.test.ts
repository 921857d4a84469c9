/**
 * Random scenarios: the fast engine (fed in two batches, deciding in between) and the reference
 * evaluator must agree on every field of the decision and every record's reasons; and no
 * consent code must mean the consent basis holds, checked against the raw events.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { PURPOSES, coveringPurposes } from '../../src/domain/purposes.ts';
import {
  CHANNELS,
  COLLECTION_METHODS,
  CONSENT_STATUSES,
  CONSENT_TYPES,
  LAWFUL_BASES,
  OBJECTION_SCOPES,
  isValidStatus,
  type Agreement,
  type ConsentEvent,
  type Notice,
  type Objection,
  type Organisation,
  type TransferRequest,
} from '../../src/domain/types.ts';
import { FactsBuilder } from '../../src/policy/facts.ts';
import { FastEngine } from '../../src/policy/fast-engine.ts';
import { loadBuiltinPack } from '../../src/policy/pack-loader.ts';
import { referenceDecide } from '../../src/policy/reference-evaluator.ts';
import { REQUIRED_RULES, ruleSpec } from '../../src/policy/rule-catalogue.ts';
import type { RulePack } from '../../src/policy/rule-pack.ts';
import { DAY, KEY, snapshot } from './fixtures.ts';

const PACKS = [loadBuiltinPack('uk'), loadBuiltinPack('eu')];
const ORGS: Organisation[] = [
  { id: 'c1', name: 'c1', kind: 'collector', country: 'GB', rightsContact: 'a' },
  { id: 'c2', name: 'c2', kind: 'collector', country: 'FR', rightsContact: 'a' },
  { id: 'broker', name: 'broker', kind: 'broker', country: 'GB', rightsContact: 'a' },
  { id: 'party', name: 'party', kind: 'political-party', country: 'GB', rightsContact: 'a' },
  { id: 'abroad', name: 'abroad', kind: 'processor', country: 'US', rightsContact: 'a' },
  { id: 'mute', name: 'mute', kind: 'broker', country: 'GB', rightsContact: null },
];
const ORG_IDS = [...ORGS.map((o) => o.id), 'stranger'];
const PURPOSE_IDS = PURPOSES.map((p) => p.id);
const FIELDS = ['name', 'email', 'phone', 'address', 'postcode', 'mother_dob', 'child_dob', 'children', 'political_opinion', 'health', 'shoe_size'];
const SUBJECTS = 6;

// Few distinct times, so equal timestamps (ties) and boundaries (at == t) are common.
const time = fc.integer({ min: 0, max: 4 }).map((d) => d * DAY);
const controller = fc.constantFrom('c1', 'c1', 'c1', 'c2');
// Mostly purposes that interact (must-name, parent/child, objection scopes), sometimes any.
const FOCUS = ['marketing', 'direct-marketing', 'advertising', 'political-campaign', 'sale-of-data', 'research'];
const purpose = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...FOCUS) }, { weight: 1, arbitrary: fc.constantFrom(...PURPOSE_IDS) });
const purposes = (max: number) => fc.uniqueArray(purpose, { minLength: 1, maxLength: max });
const orgs = (min = 0) => fc.subarray(ORG_IDS, { minLength: min, maxLength: 3 });
// Recipients that often name the usual recipient (and its end client).
const named = fc.oneof(
  { weight: 2, arbitrary: fc.constant(['broker']) },
  { weight: 2, arbitrary: fc.constant(['broker', 'party']) },
  { weight: 1, arbitrary: orgs() },
);
const recipient = fc.oneof({ weight: 3, arbitrary: fc.constantFrom('broker', 'party') }, { weight: 2, arbitrary: fc.constantFrom(...ORG_IDS) });

const noticeArb = fc.record({
  controller,
  purposes: purposes(4),
  recipients: orgs(),
  recipientCategories: fc.subarray(['selected partners', 'broker', 'political-party', 'processor']),
  retentionDays: fc.option(fc.integer({ min: 1, max: 10 })),
  effectiveFrom: time,
});

const eventArb = fc.record({
  subject: fc.integer({ min: 0, max: SUBJECTS - 1 }),
  controller,
  purposes: purposes(2),
  recipients: named,
  status: fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom('ConsentGiven', 'RenewedConsentGiven') as fc.Arbitrary<ConsentEvent['status']> },
    { weight: 2, arbitrary: fc.constantFrom(...CONSENT_STATUSES) },
  ),
  // An index into the notices, or none, or a notice that was never registered.
  notice: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: 3 }) }, { weight: 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constant(-1) }),
  at: time,
  expiresAt: fc.option(time, { freq: 3 }),
  method: fc.option(fc.constantFrom(...COLLECTION_METHODS), { freq: 5 }),
  consentType: fc.constantFrom(...CONSENT_TYPES),
});

const objectionArb = fc.record({
  subject: fc.integer({ min: 0, max: SUBJECTS - 1 }),
  controller,
  scope: fc.constantFrom(...OBJECTION_SCOPES),
  at: time,
});

const agreementArb = fc.record({
  from: controller,
  to: fc.constantFrom(...ORG_IDS),
  onBehalfOf: fc.option(fc.constantFrom(...ORG_IDS)),
  role: fc.constantFrom('controller', 'processor', 'joint-controller') as fc.Arbitrary<Agreement['role']>,
  purposes: purposes(3),
  fields: fc.subarray(FIELDS),
  dpiaRef: fc.option(fc.constant('DPIA-1')),
  art14NoticeDays: fc.option(fc.integer({ min: 0, max: 60 })),
  art9Condition: fc.option(fc.constantFrom('explicit-consent', 'party-condition', 'vital-interests')),
  childJustification: fc.option(fc.constant('documented')),
  transferSafeguard: fc.option(fc.constant('IDTA'), { freq: 3 }),
  validFrom: time,
  validTo: fc.option(time),
});

// Often ask for the child's date of birth, so that channels which strip it (post, email, sms, phone) meet child flags.
const requestFields = fc.oneof(
  { weight: 2, arbitrary: fc.subarray(FIELDS, { minLength: 1 }) },
  { weight: 1, arbitrary: fc.subarray(FIELDS).map((f) => [...new Set([...f, 'child_dob'])]) },
);

const requestArb: fc.Arbitrary<TransferRequest> = fc.record({
  from: fc.constantFrom('c1', 'c1', 'c1', 'c2'),
  to: recipient,
  onBehalfOf: fc.option(recipient, { freq: 2 }),
  purpose,
  channel: fc.constantFrom(...CHANNELS),
  fields: requestFields,
  at: fc.oneof({ weight: 3, arbitrary: time }, { weight: 1, arbitrary: time.map((t) => t + 1) }, { weight: 1, arbitrary: time.map((t) => t - 1) }),
  basis: fc.oneof({ weight: 4, arbitrary: fc.constant('consent' as const) }, { weight: 1, arbitrary: fc.constantFrom(...LAWFUL_BASES) }),
  tpsScreened: fc.boolean(),
});

const recordArb = fc.record({
  ordinal: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: SUBJECTS - 1 }) }, { weight: 1, arbitrary: fc.integer({ min: -1, max: SUBJECTS + 1 }) }),
  flags: fc.oneof({ weight: 2, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 3 }) }),
});

/** A valid variant of a built-in pack: rules reordered, optional ones dropped, levels and params varied. */
const packArb: fc.Arbitrary<RulePack> = fc
  .record({
    base: fc.constantFrom(...PACKS),
    order: fc.array(fc.integer(), { minLength: 19, maxLength: 19 }),
    keep: fc.array(fc.boolean(), { minLength: 19, maxLength: 19 }),
    levelPick: fc.array(fc.nat(), { minLength: 19, maxLength: 19 }),
    dpiaRecordThreshold: fc.integer({ min: 0, max: 12 }),
    childBlockPurposes: fc.subarray(PURPOSE_IDS),
    specialCategoryConditions: fc.subarray(['explicit-consent', 'party-condition']),
    maxDays: fc.integer({ min: 0, max: 40 }),
    lenient: fc.boolean(),
  })
  .map(({ base, order, keep, levelPick, lenient, ...params }) => {
    const rules = base.rules
      .map((r, i) => ({ r, k: order[i]!, keep: keep[i]! || REQUIRED_RULES.includes(r.id) }))
      .filter((x) => x.keep || x.k % 3 !== 0)
      .sort((a, b) => a.k - b.k)
      .map(({ r }, i) => {
        const levels = ruleSpec(r.id).levels;
        const level = lenient && levels.includes('warn') ? 'warn' : levels[levelPick[i]! % levels.length]!;
        return r.id === 'art14-notice-by-recipient' ? { ...r, level, params: { maxDays: params.maxDays } } : { ...r, level };
      });
    return {
      ...base,
      params: {
        ...base.params,
        dpiaRecordThreshold: params.dpiaRecordThreshold,
        childBlockPurposes: params.childBlockPurposes,
        specialCategoryConditions: params.specialCategoryConditions,
      },
      rules,
    };
  });

const scenarioArb = fc.record({
  notices: fc.array(noticeArb, { minLength: 1, maxLength: 4 }),
  events: fc.array(eventArb, { minLength: 4, maxLength: 40 }),
  objections: fc.array(objectionArb, { maxLength: 5 }),
  agreements: fc.array(agreementArb, { maxLength: 3 }),
  request: requestArb,
  warmUp: requestArb,
  records: fc.array(recordArb, { minLength: 1, maxLength: 14 }),
  pack: packArb,
  split: fc.nat(),
  /** Reshape the first agreement to cover the request (random ones rarely do). */
  covering: fc.boolean(),
  /** Consents built to match the request, interleaved with the random events. */
  matching: fc.array(
    fc.record({ subject: fc.integer({ min: 0, max: SUBJECTS - 1 }), at: time, pick: fc.nat(), consentType: fc.constantFrom(...CONSENT_TYPES), position: fc.nat() }),
    { maxLength: 5 },
  ),
});

type Scenario = typeof scenarioArb extends fc.Arbitrary<infer S> ? S : never;

function world(s: Scenario) {
  const notices: Notice[] = s.notices.map((n, i) => ({
    ...n,
    hash: `h${i}`,
    id: `n${i}`,
    version: '1',
    language: 'en',
    title: 'n',
    text: 'n',
  }));
  const hashOf = (k: number | null): string | null => (k === null ? null : k < 0 ? 'unregistered' : (notices[k % Math.max(1, notices.length)]?.hash ?? null));
  const events: [number, ConsentEvent][] = s.events.map((e, i) => [
    e.subject,
    { ...e, id: `e${i}`, subject: KEY, notice: hashOf(e.notice), evidence: null },
  ]);
  const r = s.request;
  const cover = coveringPurposes(r.purpose);
  s.matching.forEach((m, i) => {
    const event: ConsentEvent = {
      id: `m${i}`,
      controller: r.from,
      subject: KEY,
      purposes: [cover[m.pick % cover.length]!],
      recipients: r.onBehalfOf === null ? [r.to] : [r.to, r.onBehalfOf],
      status: 'ConsentGiven',
      notice: notices[0]!.hash,
      at: m.at,
      expiresAt: null,
      method: 'web-form',
      consentType: m.consentType,
      evidence: null,
    };
    events.splice(m.position % (events.length + 1), 0, [m.subject, event]);
  });
  const objections: [number, Objection][] = s.objections.map((o, i) => [o.subject, { ...o, id: `o${i}`, subject: KEY, source: 'request' }]);
  const agreements: Agreement[] = s.agreements.map((a, i) => ({ ...a, id: `a${i}`, retentionDays: null, onwardSharing: false }));
  if (s.covering && agreements[0]) {
    const a = agreements[0];
    agreements[0] = { ...a, from: r.from, to: r.to, onBehalfOf: r.onBehalfOf, purposes: [...a.purposes, r.purpose], dpiaRef: 'DPIA-1', validTo: null };
  }
  return { notices, events, objections, agreements };
}

function facts(w: ReturnType<typeof world>): FactsBuilder {
  const f = new FactsBuilder(16);
  for (const o of ORGS) f.addOrganisation(o);
  for (const n of w.notices) f.addNotice(n);
  for (const a of w.agreements) f.addAgreement(a);
  return f;
}

const CONSENT_CODES = new Set(['no-consent-record', 'purpose-not-named', 'consent-withdrawn', 'consent-expired', 'consent-not-given', 'recipient-not-named', 'consent-not-demonstrable']);

/** Straight from the events: ∃ Q in cover(P) whose latest row is valid, names the recipients and is demonstrable. */
function basisHolds(events: readonly [number, ConsentEvent][], subject: number, r: TransferRequest): boolean {
  return coveringPurposes(r.purpose).some((q) => {
    let latest: ConsentEvent | undefined;
    for (const [s, e] of events) {
      if (s === subject && e.controller === r.from && e.at <= r.at && e.purposes.includes(q) && (!latest || e.at >= latest.at)) latest = e;
    }
    return (
      latest !== undefined &&
      isValidStatus(latest.status) &&
      (latest.expiresAt === null || latest.expiresAt > r.at) &&
      latest.recipients.includes(r.to) &&
      (r.onBehalfOf === null || latest.recipients.includes(r.onBehalfOf)) &&
      latest.notice !== null &&
      latest.method !== null
    );
  });
}

it('fast engine and reference evaluator agree on random scenarios', () => {
  // Runs, per channel, in which a child's date of birth was asked for, stripped, and reported.
  const childStripped = new Map<string, number>();
  fc.assert(
    fc.property(scenarioArb, (s) => {
      const w = world(s);
      const records = { ordinals: Int32Array.from(s.records, (r) => r.ordinal), flags: Uint8Array.from(s.records, (r) => r.flags) };

      // Fast engine: half the facts, a decision (filling its caches), then the rest appended.
      const live = facts(w);
      const engine = new FastEngine(live);
      const cut = s.split % (w.events.length + 1);
      w.events.slice(0, cut).forEach(([o, e]) => live.addConsent(o, e));
      w.objections.slice(0, 2).forEach(([o, x]) => live.addObjection(o, x));
      engine.decide(s.warmUp, records, s.pack);
      engine.decide(s.request, records, s.pack);
      w.events.slice(cut).forEach(([o, e]) => live.addConsent(o, e));
      w.objections.slice(2).forEach(([o, x]) => live.addObjection(o, x));
      const fast = engine.decide(s.request, records, s.pack);

      const whole = facts(w);
      w.events.forEach(([o, e]) => whole.addConsent(o, e));
      w.objections.forEach(([o, x]) => whole.addObjection(o, x));
      const reference = referenceDecide(s.request, records, whole, s.pack);

      assert.deepEqual(snapshot(fast), snapshot(reference));
      // Records with equal reason keys have equal reasons (the reference's, which the fast engine matched above).
      const byKey = new Map<number, string>();
      for (let i = 0; i < records.ordinals.length; i++) {
        const key = fast.recordReasonKey(i);
        assert.ok(key >= 0, `record ${i} has a reason key`);
        const joined = reference.recordReasons(i).join(';');
        assert.equal(byKey.get(key) ?? joined, joined, `record ${i}: key ${key} stands for two lists`);
        byKey.set(key, joined);
      }
      if (reference.fields.stripped.includes('child_dob') && (reference.warnings['child-data'] ?? 0) > 0) {
        childStripped.set(s.request.channel, (childStripped.get(s.request.channel) ?? 0) + 1);
      }

      if (s.request.basis === 'consent' && s.pack.rules.some((r) => r.id === 'consent-demonstrable')) {
        for (let i = 0; i < records.ordinals.length; i++) {
          const o = records.ordinals[i]!;
          const noConsentCode = !reference.recordReasons(i).some((c) => CONSENT_CODES.has(c));
          assert.equal(noConsentCode, o >= 0 && basisHolds(w.events, o, s.request), `record ${i} (subject ${o}): ${reference.recordReasons(i).join(', ')}`);
        }
      }
    }),
    { numRuns: 400 },
  );
  // The generator must keep reaching the stripped-child case under every channel that strips it.
  for (const channel of ['post', 'email', 'sms', 'phone']) assert.ok((childStripped.get(channel) ?? 0) > 0, `no run stripped a child's data under ${channel}`);
});
