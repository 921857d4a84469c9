/** Lines of the case files: the import format (CSV and JSON Lines) and the registrants register. */
import type { ImportRow } from './consent-events.ts';
import { csvField, csvLine } from './csv-line.ts';
import type { Registrant } from './registrants.ts';

export const CONSENT_EVENT_COLUMNS = [
  'event_id', 'email', 'name', 'postcode', 'dob', 'purposes', 'recipients', 'status', 'notice', 'at',
  'expires_at', 'method', 'consent_type', 'evidence',
] as const satisfies readonly (keyof ImportRow)[];

export const REGISTRANT_COLUMNS = ['name', 'email', 'address', 'postcode', 'mother_dob', 'child_dob'] as const;

/** Separator of list values (purposes, recipients, children's dates) inside one CSV field. */
export const LIST_SEPARATOR = ';';

export const CONSENT_EVENTS_CSV_HEADER = csvLine(CONSENT_EVENT_COLUMNS);
export const REGISTRANTS_CSV_HEADER = csvLine(REGISTRANT_COLUMNS);

// Rows share a few frozen lists; joining each once saves millions of joins.
const joined = new WeakMap<readonly string[], string>();
function list(values: readonly string[]): string {
  let s = joined.get(values);
  if (s === undefined) {
    s = csvField(values.join(LIST_SEPARATOR));
    if (Object.isFrozen(values)) joined.set(values, s);
  }
  return s;
}

// Consecutive rows of one registrant share the same identity strings; quote them once per registrant.
// Comparing with === is a pointer check when the strings are the very same objects.
let lastEmail = '';
let lastName = '';
let lastPostcode = '';
let lastDob = '';
let lastIdentity = ',,,';
let lastAt = '';
let lastAtCsv = '';
let lastEvidence = '';
let lastEvidenceCsv = '';

function identity(r: ImportRow): string {
  if (r.email !== lastEmail || r.name !== lastName || r.postcode !== lastPostcode || r.dob !== lastDob) {
    lastEmail = r.email;
    lastName = r.name;
    lastPostcode = r.postcode;
    lastDob = r.dob;
    lastIdentity = `${csvField(r.email)},${csvField(r.name)},${csvField(r.postcode)},${csvField(r.dob)}`;
  }
  return lastIdentity;
}

export function importRowCsv(r: ImportRow): string {
  if (r.at !== lastAt) {
    lastAt = r.at;
    lastAtCsv = csvField(r.at);
  }
  if (r.evidence !== lastEvidence) {
    lastEvidence = r.evidence;
    lastEvidenceCsv = csvField(r.evidence);
  }
  // status, method and consent_type are closed vocabularies without commas or quotes: written as is.
  return (
    `${csvField(r.event_id)},${identity(r)},${list(r.purposes)},${list(r.recipients)},${r.status},` +
    `${csvField(r.notice)},${lastAtCsv},${r.expires_at === null ? '' : csvField(r.expires_at)},` +
    `${r.method},${r.consent_type},${lastEvidenceCsv}\n`
  );
}

/** One JSON object per line; keys in column order, lists as arrays, no expiry as null. */
export function importRowJson(r: ImportRow): string {
  // Rebuilt so the key order is the column order whatever object the caller passes.
  const o: ImportRow = {
    event_id: r.event_id, email: r.email, name: r.name, postcode: r.postcode, dob: r.dob,
    purposes: r.purposes, recipients: r.recipients, status: r.status, notice: r.notice, at: r.at,
    expires_at: r.expires_at, method: r.method, consent_type: r.consent_type, evidence: r.evidence,
  };
  return `${JSON.stringify(o)}\n`;
}

export function registrantCsv(r: Registrant): string {
  return (
    `${csvField(r.name)},${csvField(r.email)},${csvField(r.address)},${csvField(r.postcode)},` +
    `${csvField(r.motherDob)},${csvField(r.childDobs.join(LIST_SEPARATOR))}\n`
  );
}
