/**
 * Date formatting for millions of rows: table lookups instead of a Date object per value.
 * Days are counted from 1970-01-01 (UTC), like epoch milliseconds / 86,400,000.
 */

export const DAY_MS = 86_400_000;

// Covers every date the reference case can produce (mothers born from 1972, events up to 2026).
const FIRST_DAY = Date.UTC(1960, 0, 1) / DAY_MS;
const LAST_DAY = Date.UTC(2040, 11, 31) / DAY_MS;

let dayStrings: string[] | null = null;
const TWO_DIGITS: readonly string[] = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));

function table(): string[] {
  if (dayStrings === null) {
    dayStrings = [];
    for (let d = FIRST_DAY; d <= LAST_DAY; d++) dayStrings.push(new Date(d * DAY_MS).toISOString().slice(0, 10));
  }
  return dayStrings;
}

/** Day number of an ISO date or date-time string (UTC). */
export function dayOf(iso: string): number {
  const ms = Date.parse(iso.length === 10 ? `${iso}T00:00:00Z` : iso);
  if (Number.isNaN(ms)) throw new RangeError(`not an ISO date: ${iso}`);
  return Math.floor(ms / DAY_MS);
}

/** Epoch ms of an ISO date-time string; throws on anything Date.parse rejects. */
export function msOf(iso: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new RangeError(`not an ISO date-time: ${iso}`);
  return ms;
}

/** `YYYY-MM-DD` for a day number. */
export function isoDate(day: number): string {
  if (day >= FIRST_DAY && day <= LAST_DAY) return table()[day - FIRST_DAY] as string;
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** `YYYY-MM-DDTHH:MM:SSZ` for epoch ms (whole seconds; milliseconds are dropped). */
export function isoDateTime(ms: number): string {
  const day = Math.floor(ms / DAY_MS);
  const sec = Math.floor((ms - day * DAY_MS) / 1000);
  const h = Math.floor(sec / 3600);
  const m = Math.floor((sec - h * 3600) / 60);
  const s = sec - h * 3600 - m * 60;
  return `${isoDate(day)}T${TWO_DIGITS[h]}:${TWO_DIGITS[m]}:${TWO_DIGITS[s]}Z`;
}

/** 0 = Monday … 6 = Sunday (1970-01-01 was a Thursday). */
export function weekday(day: number): number {
  return (((day + 3) % 7) + 7) % 7;
}
