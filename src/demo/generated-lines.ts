/**
 * Fast lines for generated data only, used when writing a million registrants. Generated values are
 * built from fixed lists that never need CSV quoting or JSON escaping (checked below, once, at load);
 * the address is the one field that always needs quotes. Tests compare every line with the general
 * encoders of case-lines.ts, byte for byte.
 */
import { LIST_SEPARATOR } from './case-lines.ts';
import { EVIDENCE } from './consent-events.ts';
import type { ImportRow } from './consent-events.ts';
import { NOTICE_IDS } from './reference-case.ts';
import { EMAIL_DOMAINS } from './registrants.ts';
import type { Registrant } from './registrants.ts';
import { FIRST_NAMES, SURNAMES } from './uk-names.ts';
import { STREET_NAMES, STREET_SUFFIXES, TOWNS } from './uk-places.ts';

// Anything that would need quoting in CSV or escaping in JSON.
const UNSAFE = /[",\\\r\n\u0000-\u001f]/;

/** Throws when a value that generated rows are built from would need quoting or escaping. */
export function assertPlainValues(values: readonly string[]): void {
  for (const v of values) if (UNSAFE.test(v)) throw new Error(`generated value needs quoting: ${JSON.stringify(v)}`);
}

// INVARIANT: every string a generated row is built from is plain; addresses contain ", " and are always quoted.
assertPlainValues([
  ...FIRST_NAMES, ...SURNAMES, ...STREET_NAMES, ...STREET_SUFFIXES, ...TOWNS.map((t) => t.name),
  ...EMAIL_DOMAINS, ...Object.values(EVIDENCE), ...Object.values(NOTICE_IDS),
]);

const csvLists = new Map<readonly string[], string>();
const jsonLists = new Map<readonly string[], string>();

function csvList(values: readonly string[]): string {
  let s = csvLists.get(values);
  if (s === undefined) csvLists.set(values, (s = values.join(LIST_SEPARATOR)));
  return s;
}

function jsonList(values: readonly string[]): string {
  let s = jsonLists.get(values);
  if (s === undefined) jsonLists.set(values, (s = JSON.stringify(values)));
  return s;
}

/** The registrants.csv line of a generated registrant. */
export function generatedRegistrantCsv(r: Registrant): string {
  return `${r.name},${r.email},"${r.address}",${r.postcode},${r.motherDob},${r.childDobs.join(LIST_SEPARATOR)}\n`;
}

/** CSV lines of the generated events of one registrant (`rows[0..count)`), as one string. */
export function generatedEventsCsv(rows: readonly ImportRow[], count: number = rows.length): string {
  if (count === 0) return '';
  const f = rows[0] as ImportRow;
  // The identity columns are the same on every row of one registrant.
  const identity = `,${f.email},${f.name},${f.postcode},${f.dob},`;
  let out = '';
  for (let i = 0; i < count; i++) {
    const e = rows[i] as ImportRow;
    out +=
      `${e.event_id}${identity}${csvList(e.purposes)},${csvList(e.recipients)},${e.status},${e.notice},` +
      `${e.at},${e.expires_at ?? ''},${e.method},${e.consent_type},${e.evidence}\n`;
  }
  return out;
}

/** JSON Lines of the generated events of one registrant (`rows[0..count)`), as one string. */
export function generatedEventsJsonl(rows: readonly ImportRow[], count: number = rows.length): string {
  if (count === 0) return '';
  const f = rows[0] as ImportRow;
  const identity = `","email":"${f.email}","name":"${f.name}","postcode":"${f.postcode}","dob":"${f.dob}","purposes":`;
  let out = '';
  for (let i = 0; i < count; i++) {
    const e = rows[i] as ImportRow;
    out +=
      `{"event_id":"${e.event_id}${identity}${jsonList(e.purposes)},"recipients":${jsonList(e.recipients)},` +
      `"status":"${e.status}","notice":"${e.notice}","at":"${e.at}","expires_at":` +
      `${e.expires_at === null ? 'null' : `"${e.expires_at}"`},"method":"${e.method}",` +
      `"consent_type":"${e.consent_type}","evidence":"${e.evidence}"}\n`;
  }
  return out;
}
