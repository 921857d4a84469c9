/**
 * Synthetic registrants of the parenting club: invented people built from common UK names, streets
 * and towns. Registrant n depends only on (seed, n), so any prefix of a run is a smaller run and any
 * one registrant can be regenerated on its own.
 */
import { DAY_MS, dayOf, isoDate, weekday } from './iso-dates.ts';
import { DEFAULT_RECORDS, DEFAULT_SEED, NO_CHILD_SHARE, TIMELINE, WEB_SHARE } from './reference-case.ts';
import { Rng, assertSeed } from './rng.ts';
import { FIRST_NAMES, SURNAMES } from './uk-names.ts';
import { POSTCODE_UNIT_LETTERS, STREET_NAMES, STREET_SUFFIXES, STREET_SUFFIX_WEIGHTS, TOWNS } from './uk-places.ts';
import { pick, rankWeights, weightedTable } from './weighted-table.ts';

export type RegistrationMethod = 'web-form' | 'paper-form';

export interface Registrant {
  /** 1-based position in the file; the registrant's stable number. */
  readonly ordinal: number;
  /** Stable id, e.g. "ed-0000001"; consent event ids extend it. */
  readonly id: string;
  /** The parent who joined (always the mother in this data set). */
  readonly name: string;
  /** Empty for paper registrants. */
  readonly email: string;
  /** House number, street and town, e.g. "14 Church Road, Leeds". */
  readonly address: string;
  readonly town: string;
  readonly postcode: string;
  /** YYYY-MM-DD. */
  readonly motherDob: string;
  /** YYYY-MM-DD, oldest first; empty when expecting a first child. */
  readonly childDobs: readonly string[];
  /** Epoch ms. */
  readonly registeredAt: number;
  readonly method: RegistrationMethod;
}

export interface RegistrantOptions {
  /** How many registrants; default 1,065,200. */
  readonly records?: number;
  readonly seed?: number;
}

/** Ids are zero-padded to this width; larger runs would break their fixed width. */
export const MAX_RECORDS = 9_999_999;
/** Stream domain of the registrant sequence (consent events use their own). */
export const REGISTRANT_DOMAIN = 1;

export const EMAIL_DOMAINS: readonly string[] = ['example.org', 'example.com', 'example.net'];

const FIRST_TABLE = weightedTable(rankWeights(FIRST_NAMES.length));
const SURNAME_TABLE = weightedTable(rankWeights(SURNAMES.length, 0.9));
const TOWN_TABLE = weightedTable(TOWNS.map((t) => t.weight));
const SUFFIX_TABLE = weightedTable(STREET_SUFFIX_WEIGHTS);

// Everything that can be built once is built once: the hot loop only concatenates.
const emailPart = (s: string): string => s.toLowerCase().replace(/[^a-z]/g, '');
const FIRST_EMAIL = FIRST_NAMES.map(emailPart);
const SURNAME_EMAIL = SURNAMES.map(emailPart);
const OUTWARD: readonly (readonly string[])[] = TOWNS.map((t) => {
  const out: string[] = [];
  for (let d = t.districts[0]; d <= t.districts[1]; d++) out.push(`${t.area}${d}`);
  return out;
});
const UNITS: readonly string[] = Array.from(POSTCODE_UNIT_LETTERS).flatMap((a) =>
  Array.from(POSTCODE_UNIT_LETTERS, (b) => a + b),
);
const STREETS: readonly (readonly string[])[] = STREET_NAMES.map((n) => STREET_SUFFIXES.map((s) => `${n} ${s}`));
const TOWN_SUFFIX: readonly string[] = TOWNS.map((t) => `, ${t.name}`);
const MAX_HOUSE = 160;
const HOUSE_PREFIX: readonly string[] = Array.from({ length: MAX_HOUSE + 1 }, (_, i) => `${i} `);
// "LS6 " + "2" + "AB": the space and sector digit are folded into one lookup.
const SECTOR: readonly string[] = Array.from({ length: 10 }, (_, i) => ` ${i}`);

const REG_FIRST_DAY = dayOf(TIMELINE.registrationsFrom);
const REG_LAST_DAY = dayOf(TIMELINE.registrationsTo);
const MOTHER_DOB_MIN = dayOf('1972-01-01');
const MOTHER_DOB_MAX = dayOf('2000-12-31');
const YEAR = 365.25;
const MOTHER_AGE_MIN = Math.ceil(17 * YEAR);
const MOTHER_AGE_MAX = Math.floor(43 * YEAR);
/** Mothers are at least 16 at a child's birth. */
const MOTHER_AGE_AT_BIRTH_MIN = Math.ceil(16 * YEAR);
/** Children are born in the five years before registration. */
const CHILD_WINDOW = Math.floor(5 * YEAR);
/** Share of registrants with 1, 2 or 3 children among those with any (before sibling spacing). */
const CHILD_COUNT_SPLIT = [0.55, 0.32, 0.13] as const;
/** Online sign-ups by hour of day (UTC): quiet at night, busiest in the evening. */
const WEB_HOUR_TABLE = weightedTable([
  1, 0.5, 0.3, 0.3, 0.4, 0.8, 2, 4, 5, 6, 6, 6, 7, 7, 6, 6, 6, 6, 7, 9, 10, 10, 8, 3,
]);

function assertRecords(records: number): void {
  if (!Number.isSafeInteger(records) || records < 0 || records > MAX_RECORDS) {
    throw new RangeError(`records must be an integer in 0..${MAX_RECORDS}, got ${String(records)}`);
  }
}

const ID_WIDTH = 7;
const ID_PREFIX: readonly string[] = Array.from({ length: ID_WIDTH + 1 }, (_, n) => `ed-${'0'.repeat(ID_WIDTH - n)}`);

/** `ed-0000001` for ordinal 1. */
export function registrantId(ordinal: number): string {
  return `ed-${String(ordinal).padStart(ID_WIDTH, '0')}`;
}

/** Registrant `ordinal` (1-based) of the run with `seed`, using (and reseeding) `rng`. */
function build(ordinal: number, seed: number, rng: Rng): Registrant {
  rng.reseed(seed, ordinal, REGISTRANT_DOMAIN);
  const first = pick(FIRST_TABLE, rng.u32());
  const last = pick(SURNAME_TABLE, rng.u32());
  const web = rng.chance(WEB_SHARE);

  // Registration: online at any hour; paper forms keyed in on weekdays, office hours.
  let regDay = rng.between(REG_FIRST_DAY, REG_LAST_DAY);
  let secondOfDay: number;
  if (web) {
    secondOfDay = pick(WEB_HOUR_TABLE, rng.u32()) * 3600 + rng.int(3600);
  } else {
    const wd = weekday(regDay);
    if (wd >= 5) regDay = regDay + 7 - wd <= REG_LAST_DAY ? regDay + 7 - wd : regDay - (wd - 4);
    secondOfDay = 9 * 3600 + rng.int(8 * 3600);
  }
  const registeredAt = regDay * DAY_MS + secondOfDay * 1000;

  // Mother aged 17–43 at registration (triangular, peak near 30), born 1972–2000.
  const dobLo = Math.max(MOTHER_DOB_MIN, regDay - MOTHER_AGE_MAX);
  const dobHi = Math.min(MOTHER_DOB_MAX, regDay - MOTHER_AGE_MIN);
  const motherDay = dobLo + Math.floor(((rng.next() + rng.next()) / 2) * (dobHi - dobLo + 1));

  const childDobs = children(rng, regDay, motherDay);

  const town = pick(TOWN_TABLE, rng.u32());
  const outward = OUTWARD[town] as readonly string[];
  const u = rng.next();
  const house = 1 + Math.floor(u * u * MAX_HOUSE);
  const streetRow = STREETS[rng.int(STREETS.length)] as readonly string[];
  const street = streetRow[pick(SUFFIX_TABLE, rng.u32())] as string;
  const postcode = `${outward[rng.int(outward.length)]}${SECTOR[rng.int(10)]}${UNITS[rng.int(UNITS.length)]}`;

  const firstName = FIRST_NAMES[first] as string;
  const surname = SURNAMES[last] as string;
  // INVARIANT: emails are unique within a run: the ordinal is part of the local part.
  const digits = String(ordinal);
  const email = web
    ? `${FIRST_EMAIL[first]}.${SURNAME_EMAIL[last]}.${digits}@${EMAIL_DOMAINS[rng.int(EMAIL_DOMAINS.length)]}`
    : '';

  return {
    ordinal,
    id: ID_PREFIX[digits.length] + digits,
    name: `${firstName} ${surname}`,
    email,
    address: `${HOUSE_PREFIX[house]}${street}${TOWN_SUFFIX[town]}`,
    town: TOWNS[town]!.name,
    postcode,
    motherDob: isoDate(motherDay),
    childDobs,
    registeredAt,
    method: web ? 'web-form' : 'paper-form',
  };
}

/** Children's dates of birth, oldest first: youngest drawn first, older siblings spaced 11–36 months. */
function children(rng: Rng, regDay: number, motherDay: number): string[] {
  const r = rng.next();
  if (r < NO_CHILD_SHARE) return [];
  const share = (r - NO_CHILD_SHARE) / (1 - NO_CHILD_SHARE);
  const wanted = share < CHILD_COUNT_SPLIT[0] ? 1 : share < CHILD_COUNT_SPLIT[0] + CHILD_COUNT_SPLIT[1] ? 2 : 3;
  const start = Math.max(regDay - CHILD_WINDOW, motherDay + MOTHER_AGE_AT_BIRTH_MIN);
  const end = regDay - 1;
  // Most members join around a birth, so the youngest child skews young.
  const v = rng.next();
  let day = end - Math.floor(v * v * (end - start + 1));
  const days = [day];
  for (let k = 1; k < wanted; k++) {
    day -= rng.between(330, 1100);
    if (day < start) break;
    days.push(day);
  }
  const out: string[] = new Array(days.length);
  for (let i = 0; i < days.length; i++) out[i] = isoDate(days[days.length - 1 - i] as number);
  return out;
}

/** One registrant of a run, without generating the others. */
export function registrantAt(ordinal: number, seed: number = DEFAULT_SEED): Registrant {
  assertSeed(seed);
  if (!Number.isSafeInteger(ordinal) || ordinal < 1 || ordinal > MAX_RECORDS) {
    throw new RangeError(`ordinal must be an integer in 1..${MAX_RECORDS}, got ${String(ordinal)}`);
  }
  return build(ordinal, seed, new Rng(seed));
}

/** Streams registrants 1..records in order; constant memory. */
export function generateRegistrants(options: RegistrantOptions = {}): Generator<Registrant> {
  const records = options.records ?? DEFAULT_RECORDS;
  const seed = options.seed ?? DEFAULT_SEED;
  assertRecords(records);
  assertSeed(seed);
  return registrantRange(seed, 1, records);
}

/** Registrants first..first+count-1 of the run with `seed` (the same as in the whole run). */
export function* registrantRange(seed: number, first: number, count: number): Generator<Registrant> {
  assertSeed(seed);
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(count) || first < 1 || count < 0 || first + count - 1 > MAX_RECORDS) {
    throw new RangeError(`registrant range ${first}+${count} is outside 1..${MAX_RECORDS}`);
  }
  const rng = new Rng(seed);
  for (let ordinal = first, end = first + count; ordinal < end; ordinal++) yield build(ordinal, seed, rng);
}
