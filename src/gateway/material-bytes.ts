/**
 * A record's identifier material written straight from its bytes, for the common case: every
 * identifier field it reads is plain ASCII and unescaped. The result is the UTF-8 of what
 * recordMaterial (record-material.ts) gives through identifierMaterial, without a string per
 * field. Anything else (non-ASCII, doubled quotes, material longer than the output) answers
 * FALLBACK, and the caller takes the string path, which stays the one definition.
 */
import type { RowView } from './csv-scan.ts';
import type { MaterialColumns } from './record-material.ts';

/** The identifiers are unusable: the record gets no key. */
export const NO_MATERIAL = -1;
/** Not decided here: use recordMaterial. */
export const FALLBACK = -2;
/** A scratch of this size takes the material of any record with ordinary field lengths. */
export const MATERIAL_ROOM = 1024;

const SPACE = 0x20;
const AT = 0x40;
const DOT = 0x2e;
const COMMA = 0x2c;
const DASH = 0x2d;
const SLASH = 0x2f;
const BAR = 0x7c;
const ZERO = 0x30;

/** What String#trim and /\s/ treat as white space, among ASCII bytes. */
const isSpace = (c: number): boolean => c === SPACE || (c >= 0x09 && c <= 0x0d);
const isDigit = (c: number): boolean => c >= ZERO && c <= 0x39;
const isUpper = (c: number): boolean => c >= 0x41 && c <= 0x5a;
const isLower = (c: number): boolean => c >= 0x61 && c <= 0x7a;
const alnum = (c: number): boolean => isUpper(c) || isDigit(c);

/** The bytes [from, to) of the field range() last read (module state: no allocation per field). */
let from = 0;
let to = 0;
/** Reads field k's range (k < 0: an absent column, read as empty); false when it is not plain ASCII. */
function range(r: RowView, k: number): boolean {
  if (k < 0) {
    from = 0;
    to = 0;
    return true;
  }
  if (r.escaped[k] === 1) return false;
  from = r.starts[k]!;
  to = r.ends[k]!;
  const b = r.buf;
  for (let i = from; i < to; i++) if (b[i]! >= 0x80) return false;
  return true;
}

function blank(b: Uint8Array, s: number, e: number): boolean {
  for (let i = s; i < e; i++) if (!isSpace(b[i]!)) return false;
  return true;
}

function put(out: Uint8Array, at: number, text: string): number {
  for (let i = 0; i < text.length; i++) out[at + i] = text.charCodeAt(i);
  return at + text.length;
}

/**
 * Writes the material into `out` from 0 and returns its length; NO_MATERIAL when the record
 * has none; FALLBACK when the string path must decide.
 */
export function materialInto(r: RowView, c: MaterialColumns, out: Uint8Array): number {
  const b = r.buf;
  if (!range(r, c.email)) return FALLBACK;
  if (!blank(b, from, to)) return emailInto(b, from, to, out);
  // Name + postcode + date of birth; the date is mother_dob when dob is empty (not just blank).
  if (!range(r, c.name)) return FALLBACK;
  const ns = from;
  const ne = to;
  if (!range(r, c.postcode)) return FALLBACK;
  const ps = from;
  const pe = to;
  if (!range(r, c.dob)) return FALLBACK;
  if (from === to && !range(r, c.motherDob)) return FALLBACK;
  const ds = from;
  const de = to;
  if (blank(b, ns, ne) || blank(b, ps, pe) || blank(b, ds, de)) return NO_MATERIAL;
  if (out.length < 4 + (ne - ns) + 1 + (pe - ps) + 1 + 1 + 10) return FALLBACK;
  let at = put(out, 0, 'npd:');
  const afterName = nameInto(b, ns, ne, out, at);
  if (afterName === at) return NO_MATERIAL;
  out[afterName] = BAR;
  at = postcodeInto(b, ps, pe, out, afterName + 1);
  if (at < 0) return NO_MATERIAL;
  out[at] = BAR;
  at = dateInto(b, ds, de, out, at + 1);
  return at < 0 ? NO_MATERIAL : at;
}

/** `email:` + the address without white space, lower-cased; NO_MATERIAL when it is not one. */
function emailInto(b: Uint8Array, s: number, e: number, out: Uint8Array): number {
  if (out.length < 6 + (e - s)) return FALLBACK;
  let at = put(out, 0, 'email:');
  const start = at;
  let firstAt = -1;
  let ats = 0;
  let dotAfterAt = false;
  for (let i = s; i < e; i++) {
    let ch = b[i]!;
    if (isSpace(ch)) continue;
    if (isUpper(ch)) ch += 0x20;
    if (ch === AT) {
      if (ats++ === 0) firstAt = at;
    } else if (ch === DOT && ats > 0) dotAfterAt = true;
    out[at++] = ch;
  }
  // As normaliseEmail: one @, not first, not last, and a dot somewhere after it.
  if (ats !== 1 || firstAt === start || firstAt === at - 1 || !dotAfterAt) return NO_MATERIAL;
  return at;
}

/** Lower case; runs of white space, dots and commas become one space; trimmed. */
function nameInto(b: Uint8Array, s: number, e: number, out: Uint8Array, at: number): number {
  const start = at;
  let gap = false;
  for (let i = s; i < e; i++) {
    let ch = b[i]!;
    if (isSpace(ch) || ch === DOT || ch === COMMA) {
      gap = true;
      continue;
    }
    if (gap && at > start) out[at++] = SPACE;
    gap = false;
    if (isUpper(ch)) ch += 0x20;
    out[at++] = ch;
  }
  return at;
}

/**
 * Upper case without white space; a UK postcode as "OUT IN", another postal code as it is;
 * -1 unless every character is a letter, a digit or a dash.
 */
function postcodeInto(b: Uint8Array, s: number, e: number, out: Uint8Array, at: number): number {
  const start = at;
  for (let i = s; i < e; i++) {
    let ch = b[i]!;
    if (isSpace(ch)) continue;
    if (isLower(ch)) ch -= 0x20;
    if (!(isUpper(ch) || isDigit(ch) || ch === DASH)) return -1;
    out[at++] = ch;
  }
  const n = at - start;
  if (n === 0) return -1;
  if (!ukPostcode(out, start, n)) return at;
  // Room for the space: the caller sized `out` for one more byte per part.
  for (let i = at; i > at - 3; i--) out[i] = out[i - 1]!;
  out[at - 3] = SPACE;
  return at + 1;
}

/** /^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$/ over out[s..s+n). */
function ukPostcode(p: Uint8Array, s: number, n: number): boolean {
  if (n < 5 || n > 7) return false;
  if (!isUpper(p[s + n - 1]!) || !isUpper(p[s + n - 2]!) || !isDigit(p[s + n - 3]!)) return false;
  const q = n - 3; // the outward code: [A-Z]{1,2}[0-9][A-Z0-9]?
  const c0 = p[s]!;
  const c1 = p[s + 1]!;
  if (!isUpper(c0)) return false;
  if (q === 2) return isDigit(c1);
  const c2 = p[s + 2]!;
  if (q === 3) return (isDigit(c1) && alnum(c2)) || (isUpper(c1) && isDigit(c2));
  return isUpper(c1) && isDigit(c2) && alnum(p[s + 3]!);
}

/** Digits b[s..e) as a number; -1 unless 1..4 digits. */
function digits(b: Uint8Array, s: number, e: number): number {
  if (e <= s || e - s > 4) return -1;
  let v = 0;
  for (let i = s; i < e; i++) {
    if (!isDigit(b[i]!)) return -1;
    v = v * 10 + b[i]! - ZERO;
  }
  return v;
}

/**
 * A date as normaliseDate reads it (YYYY-MM-DD, YYYY/MM/DD, or day first: DD/MM/YYYY with
 * `/`, `.` or `-`), written as YYYY-MM-DD; -1 for anything else or a day that does not exist.
 */
function dateInto(b: Uint8Array, s: number, e: number, out: Uint8Array, at: number): number {
  while (s < e && isSpace(b[s]!)) s++;
  while (e > s && isSpace(b[e - 1]!)) e--;
  // Split on the two separators: the parts must be digits only.
  let p1 = -1;
  let p2 = -1;
  for (let i = s; i < e; i++) {
    const ch = b[i]!;
    if (isDigit(ch)) continue;
    if (ch !== DASH && ch !== SLASH && ch !== DOT) return -1;
    if (p1 < 0) p1 = i;
    else if (p2 < 0) p2 = i;
    else return -1;
  }
  if (p2 < 0) return -1;
  const l0 = p1 - s;
  const l1 = p2 - p1 - 1;
  const l2 = e - p2 - 1;
  let y: number;
  let m: number;
  let d: number;
  if (l0 === 4) {
    // Year first: separators - or / only, month and day of one or two digits.
    if (b[p1] === DOT || b[p2] === DOT || l1 < 1 || l1 > 2 || l2 < 1 || l2 > 2) return -1;
    y = digits(b, s, p1);
    m = digits(b, p1 + 1, p2);
    d = digits(b, p2 + 1, e);
  } else {
    if (l0 < 1 || l0 > 2 || l1 < 1 || l1 > 2 || l2 !== 4) return -1;
    d = digits(b, s, p1);
    m = digits(b, p1 + 1, p2);
    y = digits(b, p2 + 1, e);
  }
  if (y < 1850 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m)) return -1;
  out[at++] = ZERO + Math.floor(y / 1000);
  out[at++] = ZERO + (Math.floor(y / 100) % 10);
  out[at++] = ZERO + (Math.floor(y / 10) % 10);
  out[at++] = ZERO + (y % 10);
  out[at++] = DASH;
  out[at++] = ZERO + Math.floor(m / 10);
  out[at++] = ZERO + (m % 10);
  out[at++] = DASH;
  out[at++] = ZERO + Math.floor(d / 10);
  out[at++] = ZERO + (d % 10);
  return at;
}

function daysIn(y: number, m: number): number {
  if (m === 2) return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}
