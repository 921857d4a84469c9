/**
 * Normalising a person's identifiers before they are hashed into a subject key, so that the
 * same person written differently ("Jane  SMITH", "ls62ab", "05/03/1990") gets the same key.
 * Pure functions; each returns null when the value cannot be an identifier.
 */

// Values already in their normal form, as most are, skip the general path: each pattern admits
// only ASCII that the general path would hand back changed at most in case (tests hold the two
// paths to the same results).
/** Lower-case ASCII, one @ neither first nor last, a dot after it, no white space. */
const PLAIN_EMAIL = /^[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+$/;
/** ASCII letters, apostrophes and hyphens in words with single spaces between: only the case changes. */
const PLAIN_NAME = /^[A-Za-z'-]+(?: [A-Za-z'-]+)*$/;
/** A UK postcode already in its "OUT IN" form. */
const PLAIN_POSTCODE = /^[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function normaliseEmail(raw: string): string | null {
  if (PLAIN_EMAIL.test(raw)) return raw;
  const e = raw.normalize('NFC').replace(/\s+/g, '').toLowerCase();
  const at = e.indexOf('@');
  if (at < 1 || at !== e.lastIndexOf('@') || at === e.length - 1 || !e.slice(at + 1).includes('.')) return null;
  return e;
}

export function normaliseName(raw: string): string | null {
  if (PLAIN_NAME.test(raw)) return raw.toLowerCase();
  const n = raw
    .normalize('NFC')
    .toLowerCase()
    .replace(/[.,]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return n.length === 0 ? null : n;
}

/** UK postcodes get their canonical "OUT IN" form; other postal codes are upper-cased, spaces removed. */
export function normalisePostcode(raw: string): string | null {
  if (PLAIN_POSTCODE.test(raw)) return raw;
  const p = raw.normalize('NFC').replace(/\s+/g, '').toUpperCase();
  if (p.length === 0 || !/^[A-Z0-9-]+$/.test(p)) return null;
  if (/^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$/.test(p)) return `${p.slice(0, -3)} ${p.slice(-3)}`;
  return p;
}

/** Accepts YYYY-MM-DD, YYYY/MM/DD and DD/MM/YYYY (UK order); returns YYYY-MM-DD for a real date. */
export function normaliseDate(raw: string): string | null {
  const iso = ISO_DATE.exec(raw);
  // Already YYYY-MM-DD: only whether the day exists is left to check.
  if (iso) return realDate(Number(iso[1]), Number(iso[2]), Number(iso[3])) ? raw : null;
  const s = raw.trim();
  let y: number, m: number, d: number;
  let match = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$/.exec(s);
  if (match) {
    y = Number(match[1]);
    m = Number(match[2]);
    d = Number(match[3]);
  } else if ((match = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(s))) {
    d = Number(match[1]);
    m = Number(match[2]);
    y = Number(match[3]);
  } else {
    return null;
  }
  if (!realDate(y, m, d)) return null;
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** A day that exists, from 1850 on. */
function realDate(y: number, m: number, d: number): boolean {
  if (y < 1850 || m < 1 || m > 12 || d < 1) return false;
  const dt = new Date(Date.UTC(y, m - 1, d));
  return dt.getUTCMonth() === m - 1 && dt.getUTCDate() === d;
}

export interface IdentifierFields {
  readonly email?: string | undefined;
  readonly name?: string | undefined;
  readonly postcode?: string | undefined;
  readonly dob?: string | undefined;
}

export type IdentifierResult =
  | { readonly ok: true; readonly material: string }
  | { readonly ok: false; readonly field: string; readonly message: string };

/**
 * The string that is hashed into a subject key: the email when there is one, otherwise
 * name + postcode + date of birth (paper forms). Messages never echo the values: they are
 * personal data.
 */
export function identifierMaterial(f: IdentifierFields): IdentifierResult {
  const email = f.email?.trim() ?? '';
  if (email !== '') {
    const e = normaliseEmail(email);
    return e ? { ok: true, material: `email:${e}` } : { ok: false, field: 'email', message: 'not an email address' };
  }
  const missing = (['name', 'postcode', 'dob'] as const).filter((k) => (f[k]?.trim() ?? '') === '');
  if (missing.length > 0) {
    return { ok: false, field: missing.join(','), message: 'give an email, or name + postcode + dob to identify the person' };
  }
  const name = normaliseName(f.name!);
  if (!name) return { ok: false, field: 'name', message: 'empty name' };
  const postcode = normalisePostcode(f.postcode!);
  if (!postcode) return { ok: false, field: 'postcode', message: 'not a postcode' };
  const dob = normaliseDate(f.dob!);
  if (!dob) return { ok: false, field: 'dob', message: 'not a real date (use YYYY-MM-DD)' };
  return { ok: true, material: `npd:${name}|${postcode}|${dob}` };
}
