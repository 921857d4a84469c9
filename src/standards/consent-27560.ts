/**
 * ISO/IEC TS 27560:2023 consent records, with the field names of the W3C DPV guide
 * "consent-27560" (snake_case, one record per JSON object). One of our consent events is one
 * record with one event; a record with several events gives several of ours. Pure.
 */
import { z } from 'zod';
import { PURPOSES, purposeById } from '../domain/purposes.ts';
import { CONSENT_STATUSES, type ConsentEvent, type ConsentType, type Organisation } from '../domain/types.ts';
import type { AdaptedRecord } from '../ingest/consent-import.ts';
import { addIsoDuration, hexOf, isoDurationBetween, principalColumns, SUBJECT_URN, type ExportContext } from './export-context.ts';

export const SCHEMA_27560 = 'ISO/IEC TS 27560:2023';
const DPV = 'https://w3id.org/dpv#';

export interface Party27560 {
  readonly party_id: string;
  readonly party_name: string;
  readonly party_type: 'legal-entity';
  readonly party_role: 'controller' | 'third-party';
  readonly party_contact: string | null;
  readonly party_address: { readonly country: string };
}

export interface Event27560 {
  readonly event_time: string;
  readonly validity_duration: string | null;
  readonly entity_id: string;
  readonly event_type: ConsentType;
  readonly event_state: string;
  /** Not an ISO field: what the consent was recorded from (a form reference, a TC string). */
  readonly evidence?: string;
}

export interface Record27560 {
  readonly schema_version: string;
  readonly record_id: string;
  readonly pii_principal_id: string;
  readonly privacy_notice: string | null;
  readonly language: string | null;
  readonly purposes: readonly { readonly purpose_id: string; readonly purpose: string; readonly purpose_type: string; readonly lawful_basis: string }[];
  readonly pii_controllers: readonly Party27560[];
  readonly collection_method: string | null;
  readonly jurisdiction: string;
  readonly retention_period: string | null;
  readonly recipient_third_parties: readonly Party27560[];
  readonly withdrawal_method: string | null;
  readonly events: readonly Event27560[];
}

function party(o: Organisation, role: Party27560['party_role']): Party27560 {
  return { party_id: o.id, party_name: o.name, party_type: 'legal-entity', party_role: role, party_contact: o.rightsContact, party_address: { country: o.country } };
}

/** One of our consent events as a 27560 record. */
export function toRecord27560(e: ConsentEvent, ctx: ExportContext): Record27560 {
  const notice = e.notice ? ctx.notices.get(e.notice) : undefined;
  const principal = `${SUBJECT_URN}${hexOf(e.subject)}`;
  return {
    schema_version: SCHEMA_27560,
    record_id: e.id,
    pii_principal_id: principal,
    privacy_notice: e.notice,
    language: notice?.language ?? null,
    purposes: e.purposes.map((id) => {
      const p = purposeById(id);
      return { purpose_id: id, purpose: p?.label ?? id, purpose_type: p?.dpv ?? '', lawful_basis: `${DPV}Consent` };
    }),
    pii_controllers: [party(ctx.controller, 'controller')],
    collection_method: e.method,
    jurisdiction: ctx.controller.country,
    retention_period: notice?.retentionDays ? `P${notice.retentionDays}D` : null,
    recipient_third_parties: e.recipients.map((id) => {
      const o = ctx.organisations.get(id);
      return o ? party(o, 'third-party') : { party_id: id, party_name: id, party_type: 'legal-entity', party_role: 'third-party', party_contact: null, party_address: { country: '' } };
    }),
    withdrawal_method: ctx.controller.rightsContact,
    events: [
      {
        event_time: new Date(e.at).toISOString(),
        validity_duration: e.expiresAt === null ? null : isoDurationBetween(e.at, e.expiresAt),
        entity_id: principal,
        event_type: e.consentType,
        event_state: `dpv:${e.status}`,
        ...(e.evidence !== null ? { evidence: e.evidence } : {}),
      },
    ],
  };
}

// ---- reading ----

const DPV_TO_PURPOSE = new Map(PURPOSES.map((p) => [p.dpv, p.id]));
const STATUS_BY_LOWER = new Map(CONSENT_STATUSES.map((s) => [s.toLowerCase(), s]));

/** A DPV concept written as a full IRI, a `dpv:` CURIE or a bare name, as the full IRI. */
function dpvIri(v: string): string {
  const t = v.trim();
  if (t.startsWith('http')) return t.replace(/^http:/, 'https:');
  return `${DPV}${t.replace(/^dpv:/, '')}`;
}

/** DPV consent types, or ours, as ours. */
function consentTypeOf(v: string | undefined): ConsentType | undefined {
  if (v === undefined) return 'expressed';
  const t = v.trim().replace(/^(https:\/\/w3id\.org\/dpv#|dpv:)/, '').toLowerCase();
  if (t === 'explicit' || t === 'explicitlyexpressedconsent') return 'explicit';
  if (t === 'expressed' || t === 'expressedconsent' || t === 'informedconsent') return 'expressed';
  if (t === 'implied' || t === 'impliedconsent') return 'implied';
  return undefined;
}

const text = z.string({ error: (i) => (i.input === undefined ? 'is required' : 'expected text') }).trim().min(1, 'is empty');
const partySchema = z.looseObject({ party_id: text.optional(), party_name: text.optional() });
const recordSchema = z.looseObject({
  schema_version: text.refine((v) => /27560/.test(v), { message: `name the standard, e.g. "${SCHEMA_27560}"` }),
  record_id: text.max(128),
  pii_principal_id: text,
  privacy_notice: text.nullable().optional(),
  purposes: z.array(z.looseObject({ purpose_id: text.optional(), purpose_type: text.optional(), purpose: z.string().optional() })).min(1, 'name at least one purpose'),
  collection_method: text.nullable().optional(),
  recipient_third_parties: z.array(partySchema).optional(),
  events: z
    .array(
      z.looseObject({
        event_time: text,
        validity_duration: text.nullable().optional(),
        event_type: text.optional(),
        event_state: text,
        evidence: z.string().nullable().optional(),
      }),
    )
    .min(1, 'a record has at least one event'),
});

type Problems = { field: string; message: string }[];

/** A 27560 record (parsed JSON) as rows of our import format, or the problems with it. */
export function adaptRecord27560(value: unknown): AdaptedRecord {
  const parsed = recordSchema.safeParse(value);
  if (!parsed.success) return { ok: false, problems: parsed.error.issues.map((i) => ({ field: i.path.map(String).join('.').replace(/\.(\d+)(?=\.|$)/g, '[$1]') || '(record)', message: i.message })) };
  const r = parsed.data;
  const problems: Problems = [];
  const unmapped: string[] = [];
  const principal = principalColumns(r.pii_principal_id);
  if (!principal.ok) problems.push({ field: 'pii_principal_id', message: principal.message });
  const purposes: string[] = [];
  r.purposes.forEach((p, i) => {
    const ours = p.purpose_id && purposeById(p.purpose_id) ? p.purpose_id : p.purpose_type ? DPV_TO_PURPOSE.get(dpvIri(p.purpose_type)) : undefined;
    if (ours) purposes.push(ours);
    else if (!p.purpose_id && !p.purpose_type) problems.push({ field: `purposes[${i}]`, message: 'give purpose_id (ours) or purpose_type (a DPV purpose)' });
    else unmapped.push(`27560:purpose ${p.purpose_type ?? p.purpose_id}`);
  });
  if (purposes.length === 0 && problems.length === 0) problems.push({ field: 'purposes', message: `no purpose maps to ours (${unmapped.join(', ')}); see \`consentry purposes\`` });
  const recipients: string[] = [];
  (r.recipient_third_parties ?? []).forEach((p, i) => {
    if (p.party_id) recipients.push(p.party_id);
    else problems.push({ field: `recipient_third_parties[${i}].party_id`, message: 'name the recipient by its organisation id' });
  });
  const rows: Record<string, unknown>[] = [];
  r.events.forEach((ev, i) => {
    const at = Date.parse(ev.event_time);
    const status = STATUS_BY_LOWER.get(ev.event_state.replace(/^(https?:\/\/w3id\.org\/dpv#|dpv:)/, '').toLowerCase());
    if (!status) problems.push({ field: `events[${i}].event_state`, message: `use a DPV consent status such as dpv:ConsentGiven or dpv:ConsentWithdrawn` });
    const consentType = consentTypeOf(ev.event_type);
    if (!consentType) problems.push({ field: `events[${i}].event_type`, message: 'use expressed, explicit or implied (or the DPV consent types)' });
    if (Number.isNaN(at)) {
      problems.push({ field: `events[${i}].event_time`, message: 'not an ISO 8601 date-time' });
      return;
    }
    let expires: string | null = null;
    if (ev.validity_duration) {
      const until = addIsoDuration(at, ev.validity_duration);
      if (until === null) problems.push({ field: `events[${i}].validity_duration`, message: 'not an ISO 8601 duration (e.g. P1Y or P30D)' });
      else expires = new Date(until).toISOString();
    }
    rows.push({
      ...(principal.ok ? principal.columns : {}),
      event_id: r.events.length === 1 ? r.record_id : `${r.record_id}#${i + 1}`,
      purposes,
      recipients,
      status,
      notice: r.privacy_notice ?? null,
      at: new Date(at).toISOString(),
      expires_at: expires,
      method: r.collection_method ?? null,
      consent_type: consentType,
      evidence: ev.evidence ?? null,
    });
  });
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, rows, unmapped, sources: SOURCES_27560 };
}

const SOURCES_27560: Readonly<Record<string, string>> = {
  event_id: 'record_id',
  email: 'pii_principal_id',
  subject_key: 'pii_principal_id',
  purposes: 'purposes',
  recipients: 'recipient_third_parties',
  status: 'events.event_state',
  notice: 'privacy_notice',
  at: 'events.event_time',
  expires_at: 'events.validity_duration',
  method: 'collection_method',
  consent_type: 'events.event_type',
  evidence: 'events.evidence',
};
