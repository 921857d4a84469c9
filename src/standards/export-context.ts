/** What a standard consent record needs beside the event: the parties and notices it names. */
import type { Notice, Organisation } from '../domain/types.ts';

export interface ExportContext {
  readonly controller: Organisation;
  /** Every registered organisation by id (recipients are named by id in events). */
  readonly organisations: ReadonlyMap<string, Organisation>;
  /** The controller's notices by hash. */
  readonly notices: ReadonlyMap<string, Notice>;
}

/** People are known by subject key only: records name them by this URN, never by an identifier. */
export const SUBJECT_URN = 'urn:consentry:subject:';
export const NOTICE_URN = 'urn:consentry:notice:';

export const hexOf = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

/**
 * A principal id from a record as our identifier columns: an email, or a subject key from one
 * of our own exports. Anything else cannot be tied to a person.
 */
export function principalColumns(id: string): { ok: true; columns: Record<string, string> } | { ok: false; message: string } {
  const t = id.trim();
  if (t.startsWith(SUBJECT_URN)) return { ok: true, columns: { subject_key: t.slice(SUBJECT_URN.length) } };
  if (t.includes('@')) return { ok: true, columns: { email: t.replace(/^mailto:/i, '') } };
  return { ok: false, message: `give the person's email, or a subject key as ${SUBJECT_URN}<64 hex>` };
}

/** ISO 8601 durations as used for validity (PnYnMnWnDTnHnMnS), added to a time in UTC. */
export function addIsoDuration(at: number, duration: string): number | null {
  const m = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(duration.trim());
  if (!m || duration.trim() === 'P' || duration.trim().endsWith('T')) return null;
  const [y, mo, w, d, h, mi, s] = m.slice(1).map((v) => (v === undefined ? 0 : Number(v))) as [number, number, number, number, number, number, number];
  const t = new Date(at);
  t.setUTCFullYear(t.getUTCFullYear() + y, t.getUTCMonth() + mo, t.getUTCDate() + w * 7 + d);
  return t.getTime() + ((h * 60 + mi) * 60 + s) * 1000;
}

/** The span from `at` to `until` as an ISO 8601 duration: whole days when it is, else seconds. */
export function isoDurationBetween(at: number, until: number): string {
  const ms = until - at;
  return ms % 86_400_000 === 0 ? `P${ms / 86_400_000}D` : `PT${ms / 1000}S`;
}
