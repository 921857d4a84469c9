/**
 * One case table, run against both evaluators: each case states what the decision must say,
 * and the two evaluators must also agree with each other on everything.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Agreement, ConsentEvent, Notice, Objection, Organisation, TransferRequest } from '../../src/domain/types.ts';
import { decide, type Decision } from '../../src/policy/decision.ts';
import { FactsBuilder } from '../../src/policy/facts.ts';
import { FastEngine } from '../../src/policy/fast-engine.ts';
import { loadBuiltinPack } from '../../src/policy/pack-loader.ts';
import { RECORD_CHILD, RECORD_SPECIAL, type TransferRecords } from '../../src/policy/record-flags.ts';
import { referenceDecide } from '../../src/policy/reference-evaluator.ts';
import type { RulePack } from '../../src/policy/rule-pack.ts';
import { DAY, agreement, consent, notice, objection, org, records, request, snapshot, utc } from './fixtures.ts';

const UK = loadBuiltinPack('uk');
const EU = loadBuiltinPack('eu');

type Evaluate = (req: TransferRequest, recs: TransferRecords, pack: RulePack) => Decision;
/** Each evaluator is created once per case, so the fast engine's caches see every step. */
const EVALUATORS: readonly [string, (facts: FactsBuilder) => Evaluate][] = [
  ['reference', (facts) => (req, recs, pack) => referenceDecide(req, recs, facts, pack)],
  [
    'fast',
    (facts) => {
      const engine = new FastEngine(facts);
      return (req, recs, pack) => engine.decide(req, recs, pack);
    },
  ],
  // The public entry point: one cached engine per facts object.
  ['decide()', (facts) => (req, recs, pack) => decide(req, recs, facts, pack)],
];

interface World {
  orgs?: Organisation[];
  notices?: Notice[];
  agreements?: Agreement[];
  consents?: [number, ConsentEvent][];
  objections?: [number, Objection][];
}

function build(world: World): FactsBuilder {
  const f = new FactsBuilder();
  for (const o of world.orgs ?? []) f.addOrganisation(o);
  for (const n of world.notices ?? []) f.addNotice(n);
  for (const a of world.agreements ?? []) f.addAgreement(a);
  for (const [s, e] of world.consents ?? []) f.addConsent(s, e);
  for (const [s, o] of world.objections ?? []) f.addObjection(s, o);
  return f;
}

interface Expect {
  allowed?: number[];
  reasons?: Record<string, number>;
  warnings?: Record<string, number>;
  /** Exactly these findings, as "rule code level". */
  findings?: string[];
  /** These findings among others. */
  includesFindings?: string[];
  recordReasons?: string[][];
  /** A finding ("rule code level") with its record count and message. */
  finding?: { is: string; affected: number; message: RegExp };
  sent?: string[];
  stripped?: string[];
}

interface Step {
  request: TransferRequest;
  records: TransferRecords;
  pack?: RulePack;
  /** Facts appended before this step (after the previous decisions). */
  append?: World;
  expect: Expect;
}

interface Case {
  name: string;
  world: World;
  steps: Step[];
}

// --- the reference case in miniature ------------------------------------------------------

const ED = 'emmas-diary';
const EXP = 'experian-marketing';
const LAB = 'labour-party';
const CASE_ORGS = [org(ED, 'collector'), org(EXP, 'broker'), org(LAB, 'political-party')];
const N1 = notice('n1', ED, { purposes: ['service-provision', 'marketing'], recipientCategories: ['selected partners'], effectiveFrom: utc('2014-01-01') });
const N2 = notice('n2', ED, {
  purposes: ['service-provision', 'marketing', 'political-campaign'],
  recipients: [EXP, LAB],
  recipientCategories: ['selected partners'],
  effectiveFrom: utc('2018-01-15'),
});
const DSA_2017 = agreement(ED, EXP, {
  id: 'dsa-2017',
  onBehalfOf: LAB,
  role: 'processor',
  purposes: ['political-campaign'],
  fields: ['name', 'address', 'postcode', 'mother_dob', 'child_dob'],
  art14NoticeDays: null,
  validFrom: utc('2017-04-01'),
  validTo: utc('2017-12-31'),
});
const DSA_2026 = agreement(ED, EXP, {
  id: 'dsa-2026',
  onBehalfOf: LAB,
  role: 'processor',
  purposes: ['political-campaign'],
  fields: ['name', 'address', 'postcode'],
  dpiaRef: 'DPIA-2026-014',
  art14NoticeDays: 30,
  validFrom: utc('2026-01-01'),
});
const OPTED_IN = [1, 4, 6];
const WITH_CHILD = [0, 1, 2, 5];
function registrants(): [number, ConsentEvent][] {
  const out: [number, ConsentEvent][] = [];
  for (let s = 0; s < 8; s++) {
    const at = utc('2015-03-01') + s * DAY;
    out.push([s, consent(ED, { purposes: ['service-provision'], notice: N1.hash, at })]);
    out.push([s, consent(ED, { purposes: ['marketing'], status: s < 5 ? 'ConsentGiven' : 'ConsentRefused', notice: N1.hash, at })]);
  }
  out.push([3, consent(ED, { purposes: ['marketing'], status: 'ConsentWithdrawn', notice: N1.hash, at: utc('2019-06-01') })]);
  for (const s of OPTED_IN) {
    out.push([s, consent(ED, { purposes: ['political-campaign'], recipients: [EXP, LAB], notice: N2.hash, at: utc('2018-02-01') + s * DAY })]);
  }
  return out;
}
const T1 = request(ED, EXP, {
  onBehalfOf: LAB,
  purpose: 'political-campaign',
  // A data supply for "postal information and insight": no contact channel of its own.
  channel: 'none',
  fields: ['name', 'address', 'postcode', 'children', 'mother_dob', 'child_dob'],
  at: utc('2017-05-05T09:00:00Z'),
});
// T1 as delivered: postal data for a direct-mail campaign, with the mothers' and children's dates of birth.
const T1_POST: TransferRequest = { ...T1, channel: 'post', fields: ['name', 'address', 'postcode', 'mother_dob', 'child_dob'] };
const caseRecords = records(
  [0, 1, 2, 3, 4, 5, 6, 7],
  [0, 1, 2, 3, 4, 5, 6, 7].map((s) => (WITH_CHILD.includes(s) ? RECORD_CHILD : 0)),
);

const GIVEN = (s: number, over: Partial<ConsentEvent> = {}): [number, ConsentEvent] => [
  s,
  consent('club', { recipients: ['broker'], notice: 'hash-club-n', ...over }),
];
// A small world in which transfer-level rules pass for club → broker, so record rules show alone.
const SMALL: World = {
  orgs: [
    org('club', 'collector'),
    org('broker', 'broker'),
    org('client', 'other'),
    org('party', 'political-party'),
    org('abroad', 'processor', { country: 'US' }),
  ],
  notices: [
    notice('n', 'club', {
      purposes: ['service-provision', 'marketing', 'political-campaign', 'research'],
      recipients: ['broker'],
      recipientCategories: ['processor'],
    }),
  ],
  agreements: [agreement('club', 'broker', { purposes: ['marketing', 'research'], dpiaRef: 'DPIA-1' })],
};
const toBroker = (over: Partial<TransferRequest> = {}): TransferRequest => request('club', 'broker', { at: 10 * DAY, ...over });

const CASES: Case[] = [
  {
    name: 'reference case: T1 (2017) is refused record by record and at the transfer level',
    world: { orgs: CASE_ORGS, notices: [N1, N2], agreements: [DSA_2017, DSA_2026], consents: registrants() },
    steps: [
      {
        request: T1,
        records: caseRecords,
        expect: {
          allowed: [],
          reasons: { 'child-data': 4, 'purpose-not-named': 8, 'recipient-not-named': 8, 'transfer-blocked': 8 },
          warnings: {},
          findings: [
            'purpose-named purpose-not-named block',
            'recipient-named recipient-not-named block',
            'child-data child-data block',
            'political-use-explicit political-use-not-disclosed block',
            'recipient-disclosed-in-notice recipient-not-in-notice warn',
            'data-minimisation fields-stripped strip',
            'dpia-required dpia-missing block',
            'art14-notice-by-recipient art14-notice-missing warn',
          ],
          stripped: ['children'],
          sent: ['name', 'address', 'postcode', 'mother_dob', 'child_dob'],
          recordReasons: [0, 1, 2, 3, 4, 5, 6, 7].map((s) => [
            'purpose-not-named',
            'recipient-not-named',
            ...(WITH_CHILD.includes(s) ? ['child-data'] : []),
            'transfer-blocked',
          ]),
        },
      },
      {
        // The same transfer today, under N2 and an agreement with a DPIA: exactly the opted-in go, without DOBs.
        request: { ...T1, at: utc('2026-03-01T09:00:00Z') },
        records: caseRecords,
        expect: {
          allowed: OPTED_IN,
          reasons: { 'purpose-not-named': 5, 'recipient-not-named': 5 },
          // The agreement leaves the children's dates of birth out: reported, but nobody is refused for them.
          warnings: { 'child-data': 4 },
          findings: [
            'purpose-named purpose-not-named block',
            'recipient-named recipient-not-named block',
            'child-data child-data warn',
            'data-minimisation fields-stripped strip',
          ],
          sent: ['name', 'address', 'postcode'],
          stripped: ['children', 'mother_dob', 'child_dob'],
        },
      },
    ],
  },
  {
    name: "reference case by post: T1 (2017) reports the children's dates of birth it asked for, though post strips them",
    world: { orgs: CASE_ORGS, notices: [N1, N2], agreements: [DSA_2017, DSA_2026], consents: registrants() },
    steps: [
      {
        request: T1_POST,
        records: caseRecords,
        expect: {
          allowed: [],
          reasons: { 'purpose-not-named': 8, 'recipient-not-named': 8, 'transfer-blocked': 8 },
          warnings: { 'child-data': WITH_CHILD.length },
          findings: [
            'purpose-named purpose-not-named block',
            'recipient-named recipient-not-named block',
            'child-data child-data warn',
            'political-use-explicit political-use-not-disclosed block',
            'recipient-disclosed-in-notice recipient-not-in-notice warn',
            'data-minimisation fields-stripped strip',
            'dpia-required dpia-missing block',
            'art14-notice-by-recipient art14-notice-missing warn',
          ],
          finding: { is: 'child-data child-data warn', affected: WITH_CHILD.length, message: /^4 records: children's data was requested \(child_dob\) but stripped/ },
          sent: ['name', 'address', 'postcode'],
          stripped: ['mother_dob', 'child_dob'],
          recordReasons: [0, 1, 2, 3, 4, 5, 6, 7].map((s) => [
            'purpose-not-named',
            'recipient-not-named',
            ...(WITH_CHILD.includes(s) ? ['child-data'] : []),
            'transfer-blocked',
          ]),
        },
      },
      {
        // Today, under N2 and an agreement with a DPIA: exactly the opted-in go, without the DOBs.
        request: { ...T1_POST, at: utc('2026-03-01T09:00:00Z') },
        records: caseRecords,
        expect: {
          allowed: OPTED_IN,
          reasons: { 'purpose-not-named': 5, 'recipient-not-named': 5 },
          warnings: { 'child-data': WITH_CHILD.length },
          findings: [
            'purpose-named purpose-not-named block',
            'recipient-named recipient-not-named block',
            'child-data child-data warn',
            'data-minimisation fields-stripped strip',
          ],
          sent: ['name', 'address', 'postcode'],
          stripped: ['mother_dob', 'child_dob'],
          recordReasons: [0, 1, 2, 3, 4, 5, 6, 7].map((s) => [
            ...(OPTED_IN.includes(s) ? [] : ['purpose-not-named', 'recipient-not-named']),
            ...(WITH_CHILD.includes(s) ? ['child-data'] : []),
          ]),
        },
      },
    ],
  },
  {
    name: 'marketing consent never covers a must-name purpose, but covers narrower purposes',
    world: { ...SMALL, consents: [GIVEN(0, { purposes: ['marketing'] })] },
    steps: [
      { request: toBroker({ purpose: 'political-campaign' }), records: records([0]), expect: { allowed: [], recordReasons: [['purpose-not-named']], findings: ['purpose-named purpose-not-named block'] } },
      { request: toBroker({ purpose: 'direct-marketing' }), records: records([0]), expect: { allowed: [0], reasons: {} } },
      { request: toBroker({ purpose: 'sale-of-data' }), records: records([0]), expect: { allowed: [], recordReasons: [['purpose-not-named']] } },
    ],
  },
  {
    name: 'unknown subjects and subjects with no row by the discloser carry only no-consent-record',
    world: { ...SMALL, consents: [GIVEN(0), [1, consent('broker', { recipients: ['broker'] })]] },
    steps: [
      {
        request: toBroker(),
        records: records([-1, 0, 1, 7, 99], [RECORD_CHILD, 0, 0, RECORD_SPECIAL, 0]),
        expect: {
          allowed: [1],
          reasons: { 'no-consent-record': 4 },
          recordReasons: [['no-consent-record'], [], ['no-consent-record'], ['no-consent-record'], ['no-consent-record']],
        },
      },
    ],
  },
  {
    name: 'status codes follow the latest covering row; equal timestamps go to the later insertion',
    world: {
      ...SMALL,
      consents: [
        GIVEN(0, { at: DAY }),
        GIVEN(0, { status: 'ConsentWithdrawn', at: DAY }),
        GIVEN(1, { status: 'ConsentWithdrawn', at: DAY }),
        GIVEN(1, { at: DAY }),
        GIVEN(2, { status: 'ConsentRefused', at: DAY }),
        GIVEN(3, { status: 'ConsentExpired', at: DAY }),
        GIVEN(4, { at: DAY, expiresAt: 5 * DAY }),
        GIVEN(5, { at: DAY, expiresAt: 20 * DAY }),
        GIVEN(6, { status: 'ConsentRevoked', at: DAY }),
        GIVEN(7, { at: 20 * DAY }),
      ],
    },
    steps: [
      {
        request: toBroker(),
        records: records([0, 1, 2, 3, 4, 5, 6, 7]),
        expect: {
          allowed: [1, 5],
          recordReasons: [['consent-withdrawn'], [], ['consent-not-given'], ['consent-expired'], ['consent-expired'], [], ['consent-withdrawn'], ['no-consent-record']],
        },
      },
      // Time travel: before the expiry and before subject 7 existed.
      { request: toBroker({ at: 2 * DAY }), records: records([4, 7]), expect: { allowed: [0], recordReasons: [[], ['no-consent-record']] } },
    ],
  },
  {
    name: 'with several covering purposes, the status code comes from the latest of their rows',
    world: {
      ...SMALL,
      consents: [
        GIVEN(0, { purposes: ['marketing'], status: 'ConsentWithdrawn', at: DAY }),
        GIVEN(0, { purposes: ['direct-marketing'], status: 'ConsentRefused', at: 2 * DAY }),
        GIVEN(1, { purposes: ['direct-marketing'], status: 'ConsentRefused', at: DAY }),
        GIVEN(1, { purposes: ['marketing'], status: 'ConsentWithdrawn', at: 2 * DAY }),
        GIVEN(2, { purposes: ['direct-marketing'], status: 'ConsentRefused', at: DAY }),
        GIVEN(2, { purposes: ['marketing'], status: 'ConsentExpired', at: DAY }),
      ],
    },
    steps: [
      {
        request: toBroker({ purpose: 'direct-marketing' }),
        records: records([0, 1, 2]),
        expect: { allowed: [], recordReasons: [['consent-not-given'], ['consent-withdrawn'], ['consent-expired']] },
      },
    ],
  },
  {
    name: 'the latest row of a broader purpose counts; a narrower refusal does not cancel it',
    world: {
      ...SMALL,
      consents: [GIVEN(0, { purposes: ['marketing'], at: DAY }), GIVEN(0, { purposes: ['direct-marketing'], status: 'ConsentRefused', at: 2 * DAY })],
    },
    steps: [
      { request: toBroker({ purpose: 'direct-marketing' }), records: records([0]), expect: { allowed: [0] } },
      { request: toBroker({ purpose: 'direct-marketing', at: DAY }), records: records([0]), expect: { allowed: [0] } },
    ],
  },
  {
    name: 'recipient-named: categories do not name; the end client must be named too; refusals still show who was named',
    world: {
      ...SMALL,
      agreements: [...SMALL.agreements!, agreement('club', 'broker', { onBehalfOf: 'client', role: 'processor', dpiaRef: 'DPIA-2' })],
      consents: [
        GIVEN(0, { recipients: [] }),
        GIVEN(1, { recipients: ['broker', 'client'] }),
        GIVEN(2, { recipients: ['broker'] }),
        GIVEN(3, { status: 'ConsentRefused', recipients: ['broker'] }),
        GIVEN(4, { status: 'ConsentRefused', recipients: [] }),
        GIVEN(5, { purposes: ['research'], recipients: ['broker'], status: 'ConsentRefused' }),
      ],
    },
    steps: [
      {
        request: toBroker(),
        records: records([0, 1, 2, 3, 4, 5]),
        expect: {
          allowed: [1, 2],
          recordReasons: [['recipient-not-named'], [], [], ['consent-not-given'], ['consent-not-given', 'recipient-not-named'], ['purpose-not-named']],
        },
      },
      {
        request: toBroker({ onBehalfOf: 'client' }),
        records: records([1, 2]),
        expect: { allowed: [0], recordReasons: [[], ['recipient-not-named']] },
      },
    ],
  },
  {
    name: 'consent-demonstrable: a valid naming consent needs a notice and a collection method',
    world: {
      ...SMALL,
      consents: [GIVEN(0, { notice: null }), GIVEN(1, { method: null }), GIVEN(2), GIVEN(3, { notice: null, recipients: [] })],
    },
    steps: [
      {
        request: toBroker(),
        records: records([0, 1, 2, 3]),
        expect: { allowed: [2], recordReasons: [['consent-not-demonstrable'], ['consent-not-demonstrable'], [], ['recipient-not-named']] },
      },
    ],
  },
  {
    name: 'another lawful basis: consent data cannot switch; the consent rules are not applied',
    world: { ...SMALL, consents: [GIVEN(0), GIVEN(1, { status: 'ConsentRefused' })] },
    steps: [
      {
        request: toBroker({ basis: 'legitimate-interest' }),
        records: records([0, 1, -1]),
        expect: { allowed: [], reasons: { 'basis-switch': 2, 'no-consent-record': 1 }, recordReasons: [['basis-switch'], ['basis-switch'], ['no-consent-record']] },
      },
    ],
  },
  {
    name: 'objections: all, direct marketing (political campaigning included), sale and sharing; later ones do not count yet',
    world: {
      ...SMALL,
      consents: [0, 1, 2, 3].map((s) => GIVEN(s, { purposes: ['marketing', 'political-campaign', 'research'], recipients: ['broker', 'party'] })),
      objections: [
        [0, objection('club', 'all', DAY)],
        [1, objection('club', 'direct-marketing', DAY)],
        [2, objection('club', 'sale-sharing', DAY)],
        [3, objection('club', 'all', 50 * DAY)],
        [3, objection('broker', 'all', DAY)],
      ],
    },
    steps: [
      { request: toBroker({ purpose: 'research', channel: 'none' }), records: records([0, 1, 2, 3]), expect: { allowed: [1, 2, 3] } },
      { request: toBroker({ purpose: 'political-campaign' }), records: records([0, 1, 2, 3]), expect: { allowed: [3], reasons: { objection: 3 } } },
      { request: toBroker({ purpose: 'advertising' }), records: records([0, 1, 2, 3]), expect: { allowed: [3], reasons: { objection: 3 } } },
      { request: toBroker({ purpose: 'research', channel: 'none', at: 60 * DAY }), records: records([3]), expect: { allowed: [], recordReasons: [['objection']] } },
    ],
  },
  {
    name: "child data: blocks marketing, warns otherwise, and only warns once the child's fields are stripped",
    world: {
      ...SMALL,
      agreements: [agreement('club', 'broker', { purposes: ['marketing', 'research'], fields: ['name', 'address', 'postcode', 'child_dob'], dpiaRef: 'DPIA-1' })],
      consents: [GIVEN(0, { purposes: ['marketing', 'research'] }), GIVEN(1, { purposes: ['marketing', 'research'] })],
    },
    steps: [
      {
        request: toBroker({ channel: 'none', fields: ['name', 'child_dob'] }),
        records: records([0, 1], [RECORD_CHILD, 0]),
        expect: { allowed: [1], reasons: { 'child-data': 1 }, recordReasons: [['child-data'], []] },
      },
      {
        request: toBroker({ channel: 'none', purpose: 'research', fields: ['name', 'child_dob'] }),
        records: records([0, 1], [RECORD_CHILD, 0]),
        expect: { allowed: [0, 1], reasons: {}, warnings: { 'child-data': 1 }, recordReasons: [['child-data'], []] },
      },
      {
        // Post does not need the child's date of birth: stripped, so the record goes, with a warning that it was asked for.
        request: toBroker({ fields: ['name', 'address', 'child_dob'] }),
        records: records([0, 1], [RECORD_CHILD, 0]),
        expect: {
          allowed: [0, 1],
          reasons: {},
          warnings: { 'child-data': 1 },
          recordReasons: [['child-data'], []],
          findings: ['child-data child-data warn', 'data-minimisation fields-stripped strip'],
          finding: { is: 'child-data child-data warn', affected: 1, message: /^1 record: children's data was requested \(child_dob\) but stripped/ },
          stripped: ['child_dob'],
          sent: ['name', 'address'],
        },
      },
      {
        // Email strips the child's date of birth (and the agreement the email address): a warning, whatever the purpose.
        request: toBroker({ channel: 'email', fields: ['name', 'email', 'child_dob'] }),
        records: records([0, 1], [RECORD_CHILD, RECORD_CHILD]),
        expect: { allowed: [0, 1], reasons: {}, warnings: { 'child-data': 2 }, stripped: ['email', 'child_dob'], sent: ['name'] },
      },
      {
        // Something else stripped, the child's date of birth still sent: the block stands.
        request: toBroker({ channel: 'none', fields: ['name', 'child_dob', 'email'] }),
        records: records([0, 1], [RECORD_CHILD, 0]),
        expect: { allowed: [1], reasons: { 'child-data': 1 }, recordReasons: [['child-data'], []] },
      },
      {
        // Flag set because the subject is a child (no child field sent): it stays.
        request: toBroker({ fields: ['name', 'address'] }),
        records: records([0], [RECORD_CHILD]),
        expect: { allowed: [], reasons: { 'child-data': 1 } },
      },
    ],
  },
  {
    name: 'a documented justification lets children’s data go for marketing, with a warning',
    world: {
      ...SMALL,
      agreements: [agreement('club', 'broker', { childJustification: 'parental consent verified', dpiaRef: 'DPIA-1' })],
      consents: [GIVEN(0)],
    },
    steps: [{ request: toBroker(), records: records([0], [RECORD_CHILD]), expect: { allowed: [0], warnings: { 'child-data': 1 } } }],
  },
  {
    name: 'special-category data needs an accepted Art 9 condition; explicit consent must be explicit',
    world: {
      ...SMALL,
      agreements: [
        agreement('club', 'broker', { fields: ['name', 'political_opinion'], art9Condition: 'explicit-consent', dpiaRef: 'D1' }),
        agreement('club', 'party', { fields: ['name', 'political_opinion'], art9Condition: 'party-condition', dpiaRef: 'D2' }),
        agreement('club', 'abroad', { fields: ['name', 'political_opinion'], art9Condition: 'vital-interests', transferSafeguard: 'IDTA', dpiaRef: 'D3' }),
      ],
      consents: [
        GIVEN(0, { consentType: 'explicit', recipients: ['broker', 'party', 'abroad'] }),
        GIVEN(1, { recipients: ['broker', 'party', 'abroad'] }),
      ],
    },
    steps: [
      {
        request: toBroker({ channel: 'none', fields: ['name', 'political_opinion'] }),
        records: records([0, 1], [RECORD_SPECIAL, RECORD_SPECIAL]),
        expect: { allowed: [0], reasons: { 'special-category': 1 }, recordReasons: [[], ['special-category']] },
      },
      {
        request: request('club', 'party', { at: 10 * DAY, channel: 'none', fields: ['name', 'political_opinion'] }),
        records: records([0, 1], [RECORD_SPECIAL, RECORD_SPECIAL]),
        expect: { allowed: [0, 1], reasons: {} },
      },
      {
        request: request('club', 'abroad', { at: 10 * DAY, channel: 'none', fields: ['name', 'political_opinion'] }),
        records: records([0, 1], [RECORD_SPECIAL, RECORD_SPECIAL]),
        expect: { allowed: [], reasons: { 'special-category': 2 } },
      },
    ],
  },
  {
    name: 'storage limitation: the first consent’s notice retention runs from the first consent',
    world: {
      orgs: SMALL.orgs!,
      agreements: SMALL.agreements!,
      notices: [notice('n', 'club', { recipients: ['broker'], retentionDays: 30 })],
      consents: [GIVEN(0, { at: 0 }), GIVEN(0, { at: 20 * DAY }), GIVEN(1, { at: 5 * DAY })],
    },
    steps: [
      { request: toBroker({ at: 31 * DAY }), records: records([0, 1]), expect: { allowed: [1], recordReasons: [['retention-expired'], []] } },
      { request: toBroker({ at: 30 * DAY - 1 }), records: records([0, 1]), expect: { allowed: [0, 1] } },
    ],
  },
  {
    name: 'transfer rules: PECR, TPS, international transfers, reachability, provenance, agreements',
    world: {
      orgs: [...SMALL.orgs!, org('mute', 'broker', { rightsContact: null }), org('fresh', 'collector')],
      notices: SMALL.notices!,
      agreements: [agreement('club', 'broker', { fields: ['name', 'email', 'phone'] }), agreement('club', 'abroad', { transferSafeguard: 'IDTA' })],
      consents: [GIVEN(0, { recipients: ['broker', 'abroad', 'mute', 'party'] }), [0, consent('fresh', { recipients: ['broker'] })]],
    },
    steps: [
      { request: toBroker({ channel: 'email', fields: ['name', 'email'], basis: 'contract' }), records: records([0]), expect: { includesFindings: ['pecr-channel pecr-consent-required block'] } },
      { request: toBroker({ channel: 'phone', fields: ['name', 'phone'] }), records: records([0]), expect: { allowed: [], findings: ['pecr-channel tps-not-screened block'] } },
      { request: toBroker({ channel: 'phone', fields: ['name', 'phone'], tpsScreened: true }), records: records([0]), expect: { allowed: [0], findings: [] } },
      { request: toBroker({ channel: 'phone', fields: ['name', 'phone'] }), pack: EU, records: records([0]), expect: { allowed: [0], findings: [] } },
      // Disclosed by category (processor); abroad, but under an IDTA.
      { request: request('club', 'abroad', { at: 10 * DAY }), records: records([0]), expect: { allowed: [0], findings: [] } },
      {
        request: request('club', 'mute', { at: 10 * DAY }),
        records: records([0]),
        expect: {
          allowed: [],
          findings: [
            'recipient-disclosed-in-notice recipient-not-in-notice warn',
            'data-sharing-agreement agreement-missing warn',
            'art14-notice-by-recipient art14-notice-missing warn',
            'recipient-propagation recipient-unreachable block',
          ],
        },
      },
      {
        request: toBroker({ onBehalfOf: 'party' }),
        records: records([0]),
        expect: { allowed: [], includesFindings: ['data-sharing-agreement agreement-missing block', 'dpia-required dpia-missing block'] },
      },
      {
        request: request('fresh', 'broker', { at: 10 * DAY }),
        records: records([0]),
        expect: { allowed: [], includesFindings: ['source-due-diligence provenance-missing block'] },
      },
    ],
  },
  {
    name: 'EU pack: a US recipient without a safeguard is blocked under Chapter V',
    world: { ...SMALL, agreements: [agreement('club', 'abroad')], consents: [GIVEN(0, { recipients: ['abroad'] })] },
    steps: [
      {
        request: request('club', 'abroad', { at: 10 * DAY }),
        pack: EU,
        records: records([0]),
        expect: { allowed: [], reasons: { 'transfer-blocked': 1 }, includesFindings: ['intl-transfer no-transfer-safeguard block'] },
      },
    ],
  },
  {
    name: 'appends after a decision are seen by the next one (current and past states)',
    world: { ...SMALL, consents: [GIVEN(0, { at: DAY }), GIVEN(1, { at: DAY })] },
    steps: [
      { request: toBroker(), records: records([0, 1, 2]), expect: { allowed: [0, 1] } },
      { request: toBroker({ at: 3 * DAY }), records: records([0, 1, 2]), expect: { allowed: [0, 1] } },
      {
        append: {
          consents: [GIVEN(0, { status: 'ConsentWithdrawn', at: 5 * DAY }), GIVEN(2, { at: 2 * DAY }), GIVEN(1, { purposes: ['research'], at: 2 * DAY })],
          objections: [[1, objection('club', 'direct-marketing', 2 * DAY)]],
        },
        request: toBroker(),
        records: records([0, 1, 2]),
        expect: { allowed: [2], recordReasons: [['consent-withdrawn'], ['objection'], []] },
      },
      { request: toBroker({ at: 3 * DAY }), records: records([0, 1, 2]), expect: { allowed: [0, 2] } },
    ],
  },
];

const code = (f: { rule: string; code: string; level: string }): string => `${f.rule} ${f.code} ${f.level}`;

function check(d: Decision, e: Expect): void {
  if (e.allowed) assert.deepEqual([...d.allowedMask].flatMap((v, i) => (v ? [i] : [])), e.allowed, 'allowed records');
  if (e.reasons) assert.deepEqual(d.reasons, e.reasons, 'reasons');
  if (e.warnings) assert.deepEqual(d.warnings, e.warnings, 'warnings');
  if (e.findings) assert.deepEqual(d.findings.map(code), e.findings, 'findings');
  if (e.includesFindings) for (const f of e.includesFindings) assert.ok(d.findings.map(code).includes(f), `finding ${f} in ${d.findings.map(code).join(', ')}`);
  if (e.recordReasons) assert.deepEqual(e.recordReasons.map((_, i) => d.recordReasons(i)), e.recordReasons, 'record reasons');
  if (e.finding) {
    const { is, affected, message } = e.finding;
    const f = d.findings.find((x) => code(x) === is);
    assert.ok(f, `finding ${is} in ${d.findings.map(code).join(', ')}`);
    assert.equal(f.affected, affected, `${is}: affected`);
    assert.match(f.message, message, `${is}: message`);
  }
  if (e.sent) assert.deepEqual(d.fields.sent, e.sent, 'fields sent');
  if (e.stripped) assert.deepEqual(d.fields.stripped, e.stripped, 'fields stripped');
  assert.equal(d.allowed + d.refused, d.requested);
}

describe('policy contract: both evaluators', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const results = EVALUATORS.map(([name, make]) => {
        const facts = build(c.world);
        const evaluate = make(facts);
        return c.steps.map((step, k) => {
          if (step.append) {
            for (const [s, e] of step.append.consents ?? []) facts.addConsent(s, e);
            for (const [s, o] of step.append.objections ?? []) facts.addObjection(s, o);
          }
          const d = evaluate(step.request, step.records, step.pack ?? UK);
          try {
            check(d, step.expect);
          } catch (err) {
            const said = `findings: ${d.findings.map(code).join('; ')}; reasons: ${JSON.stringify(d.reasons)}`;
            (err as Error).message = `${name} evaluator, step ${k + 1}: ${(err as Error).message}\n${said}`;
            throw err;
          }
          return snapshot(d);
        });
      });
      for (let k = 1; k < results.length; k++) assert.deepEqual(results[k], results[0], `${EVALUATORS[k]![0]} and the reference evaluator disagree`);
    });
  }

  it('a rule that throws blocks the transfer with rule-error, never allows', () => {
    const broken: RulePack = { ...UK, params: { ...UK.params, childBlockPurposes: null as unknown as string[] } };
    const noChannels: RulePack = { ...UK, params: { ...UK.params, channelFields: {} as RulePack['params']['channelFields'] } };
    for (const [name, make] of EVALUATORS) {
      const evaluate = make(build({ ...SMALL, consents: [GIVEN(0, { purposes: ['research'] }), GIVEN(1, { purposes: ['research'] })] }));
      const ok = evaluate(toBroker({ purpose: 'research' }), records([0, 1], [RECORD_CHILD, RECORD_CHILD]), UK);
      assert.equal(ok.allowed, 2, name);
      for (const [pack, rule] of [
        [broken, 'child-data'],
        [noChannels, 'data-minimisation'],
      ] as const) {
        const d = evaluate(toBroker({ purpose: 'research' }), records([0, 1], [RECORD_CHILD, RECORD_CHILD]), pack);
        assert.equal(d.allowed, 0, name);
        assert.equal(d.reasons['transfer-blocked'], 2, name);
        assert.deepEqual(d.recordReasons(0).at(-1), 'transfer-blocked', name);
        const errors = d.findings.filter((f) => f.code === 'rule-error');
        assert.deepEqual(errors.map((f) => [f.rule, f.level, f.affected]), [[rule, 'block', 2]], name);
      }
    }
  });

  it('decisions are deterministic and report the pack version', () => {
    const facts = build({ orgs: CASE_ORGS, notices: [N1, N2], agreements: [DSA_2017, DSA_2026], consents: registrants() });
    const a = snapshot(new FastEngine(facts).decide(T1, caseRecords, UK));
    const b = snapshot(new FastEngine(facts).decide(T1, caseRecords, UK));
    assert.deepEqual(a, b);
    assert.deepEqual(a['pack'], { id: 'uk-gdpr', version: '2026.1' });
    assert.deepEqual(a['reasonKeys'], [...(a['reasonKeys'] as string[])].sort());
  });
});
