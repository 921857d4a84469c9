/** One row of a consent-events file → a ConsentEvent, or the problems with it. Pure. */
import { z } from 'zod';
import { identifierMaterial } from '../domain/identifiers.ts';
import { isPurposeId } from '../domain/purposes.ts';
import { isoTime } from '../domain/schemas.ts';
import { COLLECTION_METHODS, CONSENT_STATUSES, CONSENT_TYPES, isValidStatus, type ConsentEvent, type ConsentStatus, type Notice } from '../domain/types.ts';

/** Columns of the import format (README, "Consent events"). */
export const CONSENT_COLUMNS = ['event_id', 'email', 'name', 'postcode', 'dob', 'purposes', 'recipients', 'status', 'notice', 'at', 'expires_at', 'method', 'consent_type', 'evidence'] as const;
export const REQUIRED_CONSENT_COLUMNS = ['event_id', 'purposes', 'status', 'at'] as const;

const STATUS_BY_LOWER = new Map(CONSENT_STATUSES.map((s) => [s.toLowerCase(), s]));

/** Empty strings and null mean "not given". */
const blank = (v: unknown): boolean => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');
const optionalText = (max: number) =>
  z.preprocess((v) => (blank(v) ? null : typeof v === 'string' ? v.trim() : v), z.string().max(max).nullable());

/** A list is a JSON array or a ';'-separated string (CSV). */
const list = z.preprocess(
  (v) => (blank(v) ? [] : typeof v === 'string' ? v.split(';').map((s) => s.trim()).filter((s) => s !== '') : v),
  z.array(z.string().min(1)),
);

const rowSchema = z.object({
  event_id: z.preprocess((v) => (typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim() : v), z.string().min(1, 'event_id is required').max(128)),
  email: optionalText(320),
  name: optionalText(300),
  postcode: optionalText(16),
  dob: optionalText(20),
  purposes: list.pipe(z.array(z.string().refine(isPurposeId, { message: 'unknown purpose id' })).min(1, 'name at least one purpose')),
  recipients: list,
  status: z.preprocess(
    (v) => (typeof v === 'string' ? STATUS_BY_LOWER.get(v.trim().replace(/^dpv:/i, '').toLowerCase()) ?? v : v),
    z.enum(CONSENT_STATUSES, { message: `use a DPV status: ${CONSENT_STATUSES.join(', ')}` }),
  ),
  notice: optionalText(128),
  at: z.preprocess((v) => (typeof v === 'string' ? v.trim() : v), isoTime),
  expires_at: z.preprocess((v) => (blank(v) ? null : typeof v === 'string' ? v.trim() : v), isoTime.nullable()),
  method: z.preprocess((v) => (blank(v) ? null : v), z.enum(COLLECTION_METHODS).nullable()),
  consent_type: z.preprocess((v) => (blank(v) ? 'expressed' : v), z.enum(CONSENT_TYPES)),
  evidence: optionalText(2000),
  subject_key: optionalText(64),
});

export interface RowProblem {
  readonly field: string;
  readonly message: string;
}

export interface RowContext {
  readonly controller: string;
  readonly organisations: ReadonlySet<string>;
  /** Notices of this controller by id and by hash. */
  readonly notices: ReadonlyMap<string, Notice>;
  /**
   * Accept `subject_key` (64 hex) in place of identifiers: only for records exported by this
   * deployment (standard formats carry no plaintext identifier), never for HTTP bodies.
   */
  readonly allowSubjectKey?: boolean;
}

/** Prefix of identifier material that is already a subject key (hex), not an identifier. */
export const SUBJECT_KEY_MATERIAL = 'key:';

/** A validated row: everything but the subject key, which needs the secret. */
export type CheckedRow = Omit<ConsentEvent, 'subject'> & { readonly identifier: string };

/**
 * Everything a checked row says, as one string: two rows with the same id are the same event
 * exactly when these are equal. Fields in a fixed order (a test holds it to every field).
 */
export function checkedRowText(r: CheckedRow): string {
  return JSON.stringify([r.id, r.controller, r.identifier, r.purposes, r.recipients, r.status, r.notice, r.at, r.expiresAt, r.method, r.consentType, r.evidence]);
}

export function checkConsentRow(fields: Record<string, unknown>, ctx: RowContext): { ok: true; row: CheckedRow } | { ok: false; problems: RowProblem[] } {
  const parsed = rowSchema.safeParse(fields);
  const problems: RowProblem[] = [];
  if (!parsed.success) {
    for (const i of parsed.error.issues) problems.push({ field: i.path.map(String).join('.') || '(row)', message: i.message });
    return { ok: false, problems };
  }
  const r = parsed.data;
  const byKey = ctx.allowSubjectKey === true && r.subject_key !== null && r.email === null && r.name === null;
  if (r.subject_key !== null && !byKey) problems.push({ field: 'subject_key', message: ctx.allowSubjectKey ? 'give either a subject key or identifiers, not both' : 'not accepted here; give email, or name + postcode + dob' });
  if (byKey && !/^[0-9a-f]{64}$/.test(r.subject_key!)) problems.push({ field: 'subject_key', message: 'a subject key is 64 lower-case hex digits' });
  const id: ReturnType<typeof identifierMaterial> = byKey
    ? { ok: true, material: `${SUBJECT_KEY_MATERIAL}${r.subject_key}` }
    : identifierMaterial({ email: r.email ?? undefined, name: r.name ?? undefined, postcode: r.postcode ?? undefined, dob: r.dob ?? undefined });
  if (!id.ok) problems.push({ field: id.field, message: id.message });
  for (const org of r.recipients) {
    if (!ctx.organisations.has(org)) problems.push({ field: 'recipients', message: `unknown organisation "${org}" (register it with \`consentry org add\`)` });
  }
  let notice: Notice | undefined;
  if (r.notice !== null) {
    notice = ctx.notices.get(r.notice);
    if (!notice) problems.push({ field: 'notice', message: `unknown notice "${r.notice}" of ${ctx.controller} (add it with \`consentry notice add\`)` });
  }
  if (r.expires_at !== null && r.expires_at <= r.at) problems.push({ field: 'expires_at', message: 'expires before the event itself' });
  // INVARIANT: a consent is to what the notice said; it cannot name purposes or recipients the notice did not.
  if (notice && isValidStatus(r.status as ConsentStatus)) {
    for (const p of r.purposes) if (!notice.purposes.includes(p)) problems.push({ field: 'purposes', message: `purpose "${p}" is not in notice ${notice.id}` });
    for (const o of r.recipients) if (!notice.recipients.includes(o)) problems.push({ field: 'recipients', message: `recipient "${o}" is not named in notice ${notice.id}` });
    if (r.at < notice.effectiveFrom) problems.push({ field: 'at', message: `before notice ${notice.id} took effect` });
  }
  if (problems.length > 0 || !id.ok) return { ok: false, problems };
  return {
    ok: true,
    row: {
      id: r.event_id,
      controller: ctx.controller,
      identifier: id.material,
      purposes: [...new Set(r.purposes)].sort(),
      recipients: [...new Set(r.recipients)].sort(),
      status: r.status,
      notice: notice ? notice.hash : null,
      at: r.at,
      expiresAt: r.expires_at,
      method: r.method,
      consentType: r.consent_type,
      evidence: r.evidence,
    },
  };
}
