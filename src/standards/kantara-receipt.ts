/**
 * Kantara Initiative Consent Receipts v1.1 (`KI-CR-v1.1.0`). We emit one spelling (`policyUrl`,
 * `onBehalf`, `consentTimestamp` in seconds) and accept the others implementations use
 * (`policyURL`, `on_behalf`, milliseconds). A receipt has no consent status, so ours carries a
 * `consentry` object with the event exactly as recorded; foreign receipts are read from the
 * standard fields. Pure.
 */
import { z } from 'zod';
import { PURPOSES, purposeById } from '../domain/purposes.ts';
import type { ConsentEvent, Organisation } from '../domain/types.ts';
import type { AdaptedRecord } from '../ingest/consent-import.ts';
import { hexOf, NOTICE_URN, principalColumns, SUBJECT_URN, type ExportContext } from './export-context.ts';
import { stableUuid } from './stable-uuid.ts';

export const KANTARA_VERSION = 'KI-CR-v1.1.0';

/** Kantara v1.1 default purpose categories and our purposes (docs/standards.md). */
export const KANTARA_PURPOSE_CATEGORIES: readonly { readonly name: string; readonly ours: string | null }[] = [
  { name: 'Core Function', ours: 'service-provision' },
  { name: 'Contracted Service', ours: 'service-provision' },
  { name: 'Delivery', ours: 'service-provision' },
  { name: 'Contact Requested', ours: 'service-provision' },
  { name: 'Personalized Experience', ours: 'profiling' },
  { name: 'Marketing', ours: 'marketing' },
  { name: 'Marketing Third Parties', ours: 'marketing' },
  { name: 'Sharing for Delivery', ours: null },
  { name: 'Sharing for Marketing', ours: 'marketing' },
  { name: '3rd Party Sharing for Core Function', ours: null },
  { name: '3rd Party Sharing for Others', ours: null },
  { name: 'Legally Required Data Retention', ours: 'legal-obligation' },
  { name: 'Required by Law Enforcement or Government', ours: 'legal-obligation' },
  { name: 'Protecting Your Health', ours: null },
  { name: 'Protecting Our Interests', ours: null },
  { name: 'Improve Performance', ours: 'research' },
];

const CATEGORY_BY_LOWER = new Map(KANTARA_PURPOSE_CATEGORIES.map((c) => [c.name.toLowerCase(), c]));
/** Our purpose's category on the way out: the first category that maps to it (none for must-name purposes). */
const CATEGORY_OF = new Map<string, string>();
for (const c of KANTARA_PURPOSE_CATEGORIES) if (c.ours && !CATEGORY_OF.has(c.ours)) CATEGORY_OF.set(c.ours, c.name);
const PURPOSE_BY_TEXT = new Map<string, string>();
for (const p of PURPOSES) {
  PURPOSE_BY_TEXT.set(p.id, p.id);
  PURPOSE_BY_TEXT.set(p.label.toLowerCase(), p.id);
}

/** Kantara wants a UUID; ours is derived from (controller, event id) so the same event gives the same receipt id. */
export function receiptUuid(controller: string, eventId: string): string {
  return stableUuid(controller, eventId);
}

const METHOD_TEXT: Record<string, string> = { 'web-form': 'web form', 'paper-form': 'paper form', email: 'email', phone: 'telephone', 'in-person': 'in person', api: 'api', signal: 'privacy signal' };

function controllerEntry(o: Organisation) {
  return { piiController: o.name, onBehalf: false, contact: o.rightsContact ?? '', email: o.rightsContact?.includes('@') ? o.rightsContact : '', phone: '', address: { addressCountry: o.country } };
}

export interface KantaraReceipt {
  readonly version: string;
  readonly jurisdiction: string;
  readonly consentTimestamp: number;
  readonly collectionMethod: string;
  readonly consentReceiptID: string;
  readonly publicKey?: string;
  readonly language: string;
  readonly piiPrincipalId: string;
  readonly piiControllers: readonly ReturnType<typeof controllerEntry>[];
  readonly policyUrl: string;
  readonly services: readonly { readonly service: string; readonly purposes: readonly Record<string, unknown>[] }[];
  readonly sensitive: boolean;
  readonly spiCat: readonly string[];
  readonly consentry: {
    readonly eventId: string;
    readonly controller: string;
    readonly status: string;
    readonly purposes: readonly string[];
    readonly recipients: readonly string[];
    readonly notice: string | null;
    readonly at: string;
    readonly expiresAt: string | null;
    readonly method: string | null;
    readonly consentType: string;
    readonly evidence: string | null;
  };
}

/** One of our consent events as a Kantara v1.1 receipt. */
export function toKantaraReceipt(e: ConsentEvent, ctx: ExportContext, publicKey?: string): KantaraReceipt {
  const notice = e.notice ? ctx.notices.get(e.notice) : undefined;
  const thirdParties = e.recipients.map((id) => ctx.organisations.get(id)?.id ?? id);
  return {
    version: KANTARA_VERSION,
    jurisdiction: ctx.controller.country,
    consentTimestamp: Math.floor(e.at / 1000),
    collectionMethod: e.method ? METHOD_TEXT[e.method]! : 'unknown',
    consentReceiptID: receiptUuid(e.controller, e.id),
    ...(publicKey ? { publicKey } : {}),
    language: notice?.language ?? 'en',
    piiPrincipalId: `${SUBJECT_URN}${hexOf(e.subject)}`,
    piiControllers: [controllerEntry(ctx.controller)],
    policyUrl: e.notice ? `${NOTICE_URN}${e.notice}` : '',
    services: [
      {
        service: ctx.controller.name,
        purposes: e.purposes.map((id, i) => ({
          purpose: purposeById(id)?.label ?? id,
          purposeCategory: CATEGORY_OF.has(id) ? [CATEGORY_OF.get(id)!] : [],
          consentType: e.consentType === 'explicit' ? 'EXPLICIT' : e.consentType === 'implied' ? 'IMPLIED' : 'EXPRESSED',
          piiCategory: [],
          primaryPurpose: i === 0,
          termination: e.expiresAt === null ? 'on withdrawal' : new Date(e.expiresAt).toISOString(),
          thirdPartyDisclosure: thirdParties.length > 0,
          ...(thirdParties.length > 0 ? { thirdPartyName: thirdParties.join(', ') } : {}),
        })),
      },
    ],
    sensitive: false,
    spiCat: [],
    consentry: {
      eventId: e.id,
      controller: e.controller,
      status: e.status,
      purposes: [...e.purposes],
      recipients: [...e.recipients],
      notice: e.notice,
      at: new Date(e.at).toISOString(),
      expiresAt: e.expiresAt === null ? null : new Date(e.expiresAt).toISOString(),
      method: e.method,
      consentType: e.consentType,
      evidence: e.evidence,
    },
  };
}

// ---- reading ----

/**
 * consentTimestamp in seconds or milliseconds: 10^11 seconds is the year 5138, while 10^11
 * milliseconds is March 1973, before any consent receipt; so at or above it, milliseconds.
 */
export const MILLISECONDS_FROM = 1e11;

export function timestampMs(v: number): number {
  return v >= MILLISECONDS_FROM ? v : v * 1000;
}

const text = z.string({ error: (i) => (i.input === undefined ? 'is required' : 'expected text') }).trim().min(1, 'is empty');
const purposeSchema = z.looseObject({
  purpose: z.string().optional(),
  purposeCategory: z.array(z.string()).optional(),
  consentType: z.string().optional(),
  termination: z.string().optional(),
  thirdPartyDisclosure: z.boolean().optional(),
  thirdPartyName: z.string().optional(),
});
const receiptSchema = z.looseObject({
  version: z.string().refine((v) => v === KANTARA_VERSION, { message: `expected "${KANTARA_VERSION}"` }),
  jurisdiction: text,
  consentTimestamp: z.preprocess(
    (v) => (typeof v === 'string' && /^\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : v),
    z.number({ message: 'give seconds (or milliseconds) since 1970' }).positive('give seconds (or milliseconds) since 1970'),
  ),
  collectionMethod: text,
  consentReceiptID: text.max(128),
  language: z.string().optional(),
  piiPrincipalId: text,
  piiControllers: z.array(z.looseObject({ piiController: text, onBehalf: z.boolean().optional(), on_behalf: z.boolean().optional() })).min(1, 'name at least one PII controller'),
  policyUrl: z.string().optional(),
  policyURL: z.string().optional(),
  services: z.array(z.looseObject({ service: text, purposes: z.array(purposeSchema).min(1, 'a service has at least one purpose') })).min(1, 'name at least one service'),
  sensitive: z.boolean().optional(),
  spiCat: z.array(z.string()).optional(),
  consentry: z.looseObject({ eventId: text, status: text, purposes: z.array(z.string()), recipients: z.array(z.string()), notice: z.string().nullable(), at: text, expiresAt: z.string().nullable(), method: z.string().nullable(), consentType: text, evidence: z.string().nullable() }).optional(),
});

function methodOf(t: string): string | null {
  const s = t.toLowerCase();
  if (s.includes('web') || s.includes('online')) return 'web-form';
  if (s.includes('paper')) return 'paper-form';
  if (s.includes('email') || s.includes('e-mail')) return 'email';
  if (s.includes('phone')) return 'phone';
  if (s.includes('person')) return 'in-person';
  if (s.includes('signal')) return 'signal';
  if (s === 'api') return 'api';
  return null;
}

/** A receipt (parsed JSON) as rows of our import format, or the problems with it. */
export function adaptKantaraReceipt(value: unknown): AdaptedRecord {
  const parsed = receiptSchema.safeParse(value);
  if (!parsed.success) return { ok: false, problems: parsed.error.issues.map((i) => ({ field: i.path.map(String).join('.').replace(/\.(\d+)(?=\.|$)/g, '[$1]') || '(receipt)', message: i.message })) };
  const r = parsed.data;
  const problems: { field: string; message: string }[] = [];
  const unmapped: string[] = [];
  const principal = principalColumns(r.piiPrincipalId);
  if (!principal.ok) problems.push({ field: 'piiPrincipalId', message: principal.message });
  if (r.policyUrl !== undefined && r.policyURL !== undefined && r.policyUrl !== r.policyURL) problems.push({ field: 'policyUrl', message: 'policyUrl and policyURL differ; give one' });
  if (r.sensitive === true && (r.spiCat ?? []).length === 0) problems.push({ field: 'spiCat', message: 'a sensitive receipt names its sensitive PII categories' });
  for (const c of r.spiCat ?? []) unmapped.push(`kantara:spiCat ${c}`);
  r.piiControllers.forEach((c, i) => {
    if (c.onBehalf !== undefined && c.on_behalf !== undefined && c.onBehalf !== c.on_behalf) problems.push({ field: `piiControllers[${i}].onBehalf`, message: 'onBehalf and on_behalf differ; give one' });
  });
  const policy = (r.policyUrl ?? r.policyURL ?? '').trim();
  let notice: string | null = null;
  if (policy.startsWith(NOTICE_URN)) notice = policy.slice(NOTICE_URN.length);
  else if (policy !== '') unmapped.push(`kantara:policyUrl ${policy} (not a registered notice)`);
  const purposes = new Set<string>();
  const recipients = new Set<string>();
  let consentType = 'expressed';
  r.services.forEach((s, si) =>
    s.purposes.forEach((p, pi) => {
      const where = `services[${si}].purposes[${pi}]`;
      const byText = p.purpose ? PURPOSE_BY_TEXT.get(p.purpose.trim().toLowerCase()) : undefined;
      const byCategory = (p.purposeCategory ?? []).map((c) => CATEGORY_BY_LOWER.get(c.trim().toLowerCase()));
      if (byText) purposes.add(byText);
      else {
        const mapped = byCategory.filter((c) => c?.ours).map((c) => c!.ours!);
        if (mapped.length > 0) for (const m of mapped) purposes.add(m);
        else unmapped.push(`kantara:purpose ${p.purpose ?? ''}${(p.purposeCategory ?? []).length ? ` [${p.purposeCategory!.join(', ')}]` : ''}`.trim());
      }
      if (p.consentType?.toUpperCase() === 'EXPLICIT') consentType = 'explicit';
      if (p.thirdPartyDisclosure === true && !p.thirdPartyName?.trim()) problems.push({ field: `${where}.thirdPartyName`, message: 'thirdPartyDisclosure is true, so name the third party' });
      if (p.thirdPartyDisclosure !== true && p.thirdPartyName?.trim()) problems.push({ field: `${where}.thirdPartyDisclosure`, message: 'a third party is named, so thirdPartyDisclosure must be true' });
      if (p.thirdPartyDisclosure === true) for (const n of (p.thirdPartyName ?? '').split(/[,;]/)) if (n.trim()) recipients.add(n.trim());
    }),
  );
  if (purposes.size === 0 && !r.consentry) problems.push({ field: 'services', message: `no purpose maps to ours (${unmapped.filter((u) => u.startsWith('kantara:purpose')).join(', ')}); see \`consentry purposes\`` });
  const method = methodOf(r.collectionMethod);
  if (method === null) unmapped.push(`kantara:collectionMethod ${r.collectionMethod}`);
  if (problems.length > 0) return { ok: false, problems };
  const x = r.consentry;
  // Our own receipts carry the event as recorded: it wins over what the standard fields can say.
  const row = x
    ? { event_id: x.eventId, purposes: x.purposes, recipients: x.recipients, status: x.status, notice: x.notice, at: x.at, expires_at: x.expiresAt, method: x.method, consent_type: x.consentType, evidence: x.evidence }
    : {
        event_id: r.consentReceiptID,
        purposes: [...purposes],
        recipients: [...recipients],
        status: 'ConsentGiven',
        notice,
        at: new Date(timestampMs(r.consentTimestamp)).toISOString(),
        expires_at: null,
        method,
        consent_type: consentType,
        evidence: `kantara receipt ${r.consentReceiptID}`,
      };
  return { ok: true, rows: [{ ...(principal.ok ? principal.columns : {}), ...row }], unmapped: x ? [] : unmapped, sources: x ? SOURCES_OWN : SOURCES };
}

const SOURCES: Readonly<Record<string, string>> = {
  event_id: 'consentReceiptID',
  email: 'piiPrincipalId',
  subject_key: 'piiPrincipalId',
  purposes: 'services.purposes',
  recipients: 'services.purposes.thirdPartyName',
  notice: 'policyUrl',
  at: 'consentTimestamp',
  method: 'collectionMethod',
};
const SOURCES_OWN: Readonly<Record<string, string>> = {
  event_id: 'consentry.eventId',
  email: 'piiPrincipalId',
  subject_key: 'piiPrincipalId',
  purposes: 'consentry.purposes',
  recipients: 'consentry.recipients',
  status: 'consentry.status',
  notice: 'consentry.notice',
  at: 'consentry.at',
  expires_at: 'consentry.expiresAt',
  method: 'consentry.method',
  consent_type: 'consentry.consentType',
  evidence: 'consentry.evidence',
};
