/** RFC 4180 fields and lines. Lines end with LF, which every CSV reader we target accepts. */

const NEEDS_QUOTES = /[",\r\n]/;

/** The field as written: quoted (with quotes doubled) only when it contains a comma, quote or line break. */
export function csvField(value: string): string {
  return NEEDS_QUOTES.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** One CSV line, newline included. */
export function csvLine(fields: readonly string[]): string {
  let out = '';
  for (let i = 0; i < fields.length; i++) out += (i === 0 ? '' : ',') + csvField(fields[i] as string);
  return `${out}\n`;
}
