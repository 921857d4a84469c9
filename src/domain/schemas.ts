/** Validation of everything that enters from outside (files, flags, HTTP bodies): unknown in, typed out. */
import { z } from 'zod';
import { categoryById } from './data-categories.ts';
import { isPurposeId } from './purposes.ts';
import { AGREEMENT_ROLES, ORG_KINDS } from './types.ts';

const slug = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'use lower-case letters, digits and hyphens (e.g. emmas-diary)');

const purposeId = z.string().refine(isPurposeId, { message: 'unknown purpose id (see `consentry purposes`)' });

/** ISO 8601 date or date-time; returned as epoch ms. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
// One parse per value (an import reads millions): the check and the conversion are the same step.
export const isoTime = z.string().transform((s, ctx) => {
  const t = ISO_TIME.test(s) ? parseTime(s) : Number.NaN;
  if (Number.isNaN(t)) {
    ctx.addIssue({ code: 'custom', message: 'not a valid ISO 8601 date or time (e.g. 2017-05-05 or 2017-05-05T09:00:00Z)' });
    return z.NEVER;
  }
  return t;
});

/** Dates without a zone are UTC; checks the calendar (no 31 February). */
export function parseTime(s: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(s);
  if (!m) return Number.NaN;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const day = new Date(Date.UTC(y, mo - 1, d));
  if (day.getUTCMonth() !== mo - 1 || day.getUTCDate() !== d) return Number.NaN;
  const withZone = s.length === 10 ? `${s}T00:00:00Z` : /(Z|[+-]\d{2}:?\d{2})$/.test(s) ? s.replace(' ', 'T') : `${s.replace(' ', 'T')}Z`;
  return Date.parse(withZone);
}

export const organisationInput = z.strictObject({
  id: slug,
  name: z.string().min(1).max(300),
  kind: z.enum(ORG_KINDS),
  country: z
    .string()
    .regex(/^[A-Z]{2}$/, 'use an ISO 3166-1 alpha-2 code such as GB')
    .default('GB'),
  rightsContact: z.string().min(3).max(300).nullable().default(null),
});
export type OrganisationInput = z.input<typeof organisationInput>;

export const noticeInput = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'use letters, digits, dot, underscore or hyphen'),
  controller: slug,
  version: z.string().min(1).max(64),
  language: z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'use a BCP 47 language tag such as en or ar'),
  title: z.string().min(1).max(300),
  text: z.string().min(1).max(200_000),
  purposes: z.array(purposeId).min(1),
  recipients: z.array(slug).default([]),
  recipientCategories: z.array(z.string().min(1).max(200)).default([]),
  retentionDays: z.number().int().positive().nullable().default(null),
  effectiveFrom: isoTime,
});
export type NoticeInput = z.input<typeof noticeInput>;

export const datasetInput = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'use letters, digits, dot, underscore or hyphen'),
  controller: slug,
  name: z.string().min(1).max(300),
  fields: z
    .array(
      z.strictObject({
        name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'field names are column names: letters, digits, _ . -'),
        category: z.string().refine((c) => categoryById(c) !== undefined, { message: 'unknown data category (see `consentry categories`)' }),
      }),
    )
    .min(1)
    .refine((fs) => new Set(fs.map((f) => f.name)).size === fs.length, { message: 'field names must be unique' }),
});
export type DatasetInput = z.input<typeof datasetInput>;

export const agreementInput = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/),
  from: slug,
  to: slug,
  onBehalfOf: slug.nullable().default(null),
  role: z.enum(AGREEMENT_ROLES).default('controller'),
  purposes: z.array(purposeId).min(1),
  fields: z.array(z.string().min(1)).min(1),
  retentionDays: z.number().int().positive().nullable().default(null),
  onwardSharing: z.boolean().default(false),
  dpiaRef: z.string().min(1).nullable().default(null),
  art14NoticeDays: z.number().int().nonnegative().nullable().default(null),
  art9Condition: z.string().min(1).nullable().default(null),
  childJustification: z.string().min(1).nullable().default(null),
  transferSafeguard: z.string().min(1).nullable().default(null),
  validFrom: isoTime,
  validTo: isoTime.nullable().default(null),
});
export type AgreementInput = z.input<typeof agreementInput>;

export interface SchemaProblem {
  readonly field: string;
  readonly message: string;
}

/** zod issues as (field, message) pairs, the field as a dotted path. */
export function schemaProblems(error: z.ZodError): SchemaProblem[] {
  return error.issues.map((i) => ({ field: i.path.length ? i.path.join('.') : '(document)', message: i.message }));
}
