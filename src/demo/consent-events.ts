/**
 * Consent events of one registrant, in the flat import format that `consent import` reads.
 * A registrant's events depend only on (seed, registrant), never on the registrants before it.
 */
import type { CollectionMethod, ConsentStatus, ConsentType, OrgId, PurposeId } from '../domain/types.ts';
import { DAY_MS, isoDateTime, msOf } from './iso-dates.ts';
import {
  ARABIC_SHARE,
  MARKETING_SHARE,
  NOTICE_IDS,
  ORG_IDS,
  POLITICAL_OPT_IN_SHARE,
  TIMELINE,
  WITHDRAW_SHARE,
} from './reference-case.ts';
import type { Registrant } from './registrants.ts';
import { Rng } from './rng.ts';

/** One consent event as a flat import record (field names as in the file header). */
export interface ImportRow {
  readonly event_id: string;
  /** Identifies the person when non-empty; otherwise name + postcode + dob do. */
  readonly email: string;
  readonly name: string;
  readonly postcode: string;
  /** The registrant's own date of birth, YYYY-MM-DD. */
  readonly dob: string;
  readonly purposes: readonly PurposeId[];
  readonly recipients: readonly OrgId[];
  readonly status: ConsentStatus;
  /** Notice id, e.g. "n1". */
  readonly notice: string;
  /** ISO 8601 date-time. */
  readonly at: string;
  readonly expires_at: string | null;
  readonly method: CollectionMethod;
  readonly consent_type: ConsentType;
  /** Free text; empty when none. */
  readonly evidence: string;
}

/** Event id suffixes; `ed-0000001-mkt` is registrant 1's marketing choice. */
export const EVENT_SUFFIX = { service: 'svc', marketing: 'mkt', withdrawal: 'wd', political: 'pol' } as const;

const SVC = `-${EVENT_SUFFIX.service}`;
const MKT = `-${EVENT_SUFFIX.marketing}`;
const WD = `-${EVENT_SUFFIX.withdrawal}`;
const POL = `-${EVENT_SUFFIX.political}`;

/** Stream domain of consent-event randomness (registrants use their own). */
export const EVENTS_DOMAIN = 2;

// Shared, frozen arrays: millions of rows point at the same few lists.
const SERVICE: readonly PurposeId[] = Object.freeze(['service-provision']);
const MARKETING: readonly PurposeId[] = Object.freeze(['marketing']);
const POLITICAL: readonly PurposeId[] = Object.freeze(['political-campaign']);
const NO_RECIPIENTS: readonly OrgId[] = Object.freeze([]);
const POLITICAL_RECIPIENTS: readonly OrgId[] = Object.freeze([ORG_IDS.broker, ORG_IDS.party]);

const WITHDRAWALS_TO = msOf(TIMELINE.withdrawalsTo);
const OPT_IN_FROM = msOf(TIMELINE.politicalOptInFrom);
const OPT_IN_TO = msOf(TIMELINE.politicalOptInTo);

/** Evidence texts of generated rows. INVARIANT: none needs CSV quoting or JSON escaping (checked in generated-lines.ts). */
export const EVIDENCE = {
  web: 'online registration form',
  /** Followed by the date the batch was keyed in, e.g. "PF-2016-07-14". */
  paperBatch: 'paper registration form batch PF-',
  unsubscribe: 'unsubscribe link in newsletter',
  preferenceCentre: 'preference centre',
  phone: 'telephone request to member services',
  letter: 'letter to member services',
  politicalWeb: 'preference centre: political campaigning box ticked',
  politicalEmail: 'reply to preference email: political campaigning box ticked',
} as const;

/**
 * Consent events of `registrant` in time order: service and marketing choices at registration under n1,
 * sometimes a later marketing withdrawal, sometimes a political-campaign opt-in under n2 (or n2-ar).
 * Pass `rng` to reuse one generator across registrants (it is reseeded here).
 */
export function* consentEventsFor(registrant: Registrant, seed: number, rng: Rng = new Rng(seed)): Generator<ImportRow> {
  const rows: ImportRow[] = [];
  appendConsentEvents(registrant, seed, rng, rows);
  yield* rows;
}

/**
 * What one registrant chose after registering, as numbers: the one place the events' randomness
 * is drawn, read by appendConsentEvents (import rows) and by the bulk load (columns alike).
 * Times are epoch ms as drawn; the files carry them to the second.
 */
export interface ConsentChoices {
  marketing: boolean;
  /** NaN when the registrant never withdrew marketing consent. */
  withdrawalAt: number;
  /** Index into WITHDRAWAL_CHANNELS. */
  withdrawalChannel: number;
  /** NaN when the registrant did not opt in to political campaigning. */
  politicalAt: number;
  /** The opt-in came by email (otherwise through the website). */
  politicalByEmail: boolean;
  /** The opt-in was made on the Arabic notice n2-ar. */
  arabic: boolean;
}

/** How a withdrawal reached the club: online members mostly use the unsubscribe link; paper members phone or write. */
export const WITHDRAWAL_CHANNELS: readonly (readonly [CollectionMethod, string])[] = [
  ['email', EVIDENCE.unsubscribe],
  ['web-form', EVIDENCE.preferenceCentre],
  ['phone', EVIDENCE.phone],
  ['paper-form', EVIDENCE.letter],
];

export function newConsentChoices(): ConsentChoices {
  return { marketing: false, withdrawalAt: Number.NaN, withdrawalChannel: 0, politicalAt: Number.NaN, politicalByEmail: false, arabic: false };
}

const MARKETS = 1;
const WITHDRAWS = 2;
const OPTS_IN = 4;

/**
 * The first draws for registrant `ordinal` (reseeding `rng`), which decide how many events it
 * has: MARKETS, WITHDRAWS and OPTS_IN bits. Every draw is made whatever the outcome, so each
 * decision depends only on the registrant.
 */
function firstDraws(seed: number, ordinal: number, rng: Rng): number {
  rng.reseed(seed, ordinal, EVENTS_DOMAIN);
  const marketing = rng.chance(MARKETING_SHARE);
  const withdraws = rng.chance(WITHDRAW_SHARE) && marketing;
  const optsIn = rng.chance(POLITICAL_OPT_IN_SHARE);
  return (marketing ? MARKETS : 0) | (withdraws ? WITHDRAWS : 0) | (optsIn ? OPTS_IN : 0);
}

/**
 * How many events appendConsentEvents gives registrant `ordinal`: it depends on the ordinal alone,
 * so a bulk load knows where each block's leaves will fall in the log.
 */
export function consentEventCount(seed: number, ordinal: number, rng: Rng): number {
  const drawn = firstDraws(seed, ordinal, rng);
  return 2 + (drawn & WITHDRAWS ? 1 : 0) + (drawn & OPTS_IN ? 1 : 0);
}

/** Fills `out` with the choices of `registrant` (reseeding `rng`); returns it. */
export function consentChoices(registrant: Registrant, seed: number, rng: Rng, out: ConsentChoices): ConsentChoices {
  const drawn = firstDraws(seed, registrant.ordinal, rng);
  const web = registrant.method === 'web-form';
  const marketing = (drawn & MARKETS) !== 0;
  const withdraws = (drawn & WITHDRAWS) !== 0;
  const optsIn = (drawn & OPTS_IN) !== 0;
  const wdU = rng.next();
  const polU = rng.next();
  const wdChannel = rng.next();
  const polChannel = rng.next();
  const arabic = rng.chance(ARABIC_SHARE);
  out.marketing = marketing;
  const wdFrom = registrant.registeredAt + DAY_MS;
  out.withdrawalAt = withdraws ? wdFrom + Math.floor(wdU * (WITHDRAWALS_TO - wdFrom)) : Number.NaN;
  out.withdrawalChannel = web ? (wdChannel < 0.6 ? 0 : 1) : wdChannel < 0.5 ? 2 : 3;
  out.politicalAt = optsIn ? OPT_IN_FROM + Math.floor(polU * (OPT_IN_TO - OPT_IN_FROM)) : Number.NaN;
  // Paper members have no email address on file, so their opt-in came through the website.
  out.politicalByEmail = web && polChannel >= 0.7;
  out.arabic = arabic;
  return out;
}

const choices = newConsentChoices();

/** Same events as consentEventsFor, pushed onto `out` (no generator per registrant on the hot path). */
export function appendConsentEvents(registrant: Registrant, seed: number, rng: Rng, out: ImportRow[]): void {
  const c = consentChoices(registrant, seed, rng, choices);
  const { id, email, name, postcode, motherDob: dob, method } = registrant;
  const at = isoDateTime(registrant.registeredAt);
  const evidence = method === 'web-form' ? EVIDENCE.web : EVIDENCE.paperBatch + at.slice(0, 10);

  out.push({
    event_id: id + SVC, email, name, postcode, dob,
    purposes: SERVICE, recipients: NO_RECIPIENTS, status: 'ConsentGiven', notice: NOTICE_IDS.n1,
    at, expires_at: null, method, consent_type: 'expressed', evidence,
  });
  out.push({
    event_id: id + MKT, email, name, postcode, dob,
    purposes: MARKETING, recipients: NO_RECIPIENTS, status: c.marketing ? 'ConsentGiven' : 'ConsentRefused',
    notice: NOTICE_IDS.n1, at, expires_at: null, method, consent_type: 'expressed', evidence,
  });
  const withdraws = !Number.isNaN(c.withdrawalAt);
  const optsIn = !Number.isNaN(c.politicalAt);
  // A withdrawal may fall before or after the opt-in; rows stay in time order.
  if (withdraws && (!optsIn || c.withdrawalAt <= c.politicalAt)) out.push(withdrawalRow(registrant, c));
  if (optsIn) out.push(politicalRow(registrant, c));
  if (withdraws && optsIn && c.withdrawalAt > c.politicalAt) out.push(withdrawalRow(registrant, c));
}

function withdrawalRow(r: Registrant, c: ConsentChoices): ImportRow {
  const [method, evidence] = WITHDRAWAL_CHANNELS[c.withdrawalChannel]!;
  return {
    event_id: r.id + WD, email: r.email, name: r.name, postcode: r.postcode, dob: r.motherDob,
    purposes: MARKETING, recipients: NO_RECIPIENTS, status: 'ConsentWithdrawn', notice: NOTICE_IDS.n1,
    at: isoDateTime(c.withdrawalAt), expires_at: null, method, consent_type: 'expressed', evidence,
  };
}

function politicalRow(r: Registrant, c: ConsentChoices): ImportRow {
  return {
    event_id: r.id + POL, email: r.email, name: r.name, postcode: r.postcode, dob: r.motherDob,
    purposes: POLITICAL, recipients: POLITICAL_RECIPIENTS, status: 'ConsentGiven',
    notice: c.arabic ? NOTICE_IDS.n2Arabic : NOTICE_IDS.n2,
    at: isoDateTime(c.politicalAt), expires_at: null, method: c.politicalByEmail ? 'email' : 'web-form', consent_type: 'explicit',
    evidence: c.politicalByEmail ? EVIDENCE.politicalEmail : EVIDENCE.politicalWeb,
  };
}
