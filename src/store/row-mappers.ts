/** Rows as both SQL stores return them, and the domain objects they stand for. */
import type { CollectionMethod, ConsentEvent, ConsentStatus, ConsentType, Organisation, OrgKind } from '../domain/types.ts';
import type { ApiKey, ApiRole, ImportRun, StoredConsentEvent, TransferReasons } from './store.ts';

export interface ApiKeyRow {
  id: string;
  organisation: string | null;
  role: string;
  label: string | null;
  created_at: number;
  revoked_at: number | null;
}

export function apiKeyFromRow(r: ApiKeyRow): ApiKey {
  return { id: r.id, organisation: r.organisation, role: r.role as ApiRole, label: r.label, createdAt: r.created_at, revokedAt: r.revoked_at };
}

export interface OrgRow {
  id: string;
  name: string;
  kind: string;
  country: string;
  rights_contact: string | null;
}

export function orgFromRow(r: OrgRow): Organisation {
  return { id: r.id, name: r.name, kind: r.kind as OrgKind, country: r.country, rightsContact: r.rights_contact };
}

export interface RunRow {
  id: number;
  controller: string;
  file_sha256: string;
  total_rows: number;
  committed_line: number;
  state: string;
}

export function runFromRow(r: RunRow): ImportRun {
  return { id: r.id, controller: r.controller, fileSha256: r.file_sha256, totalRows: r.total_rows, committedLine: r.committed_line, state: r.state === 'done' ? 'done' : 'running' };
}

/** A consent event row: repeating values as dictionary codes, joined with its subject's key. */
export interface ConsentRow {
  seq: number;
  controller: number;
  event_id: string;
  ordinal: number;
  purposes: number;
  recipients: number;
  status: number;
  notice: number | null;
  at: number;
  expires_at: number | null;
  method: number | null;
  consent_type: number;
  evidence: string | null;
  leaf: number;
  key: Buffer;
}

/** Decodes dictionary codes (see sqlite/sqlite-dictionary.ts, postgres/pg-dictionary.ts). */
export interface CodeReader {
  value(code: number): string;
  valueOrNull(code: number | null): string | null;
}

/** Lists (purposes, recipients) are stored as one dictionary value, joined by ';'. */
export const LIST_SEP = ';';
export const joinList = (xs: readonly string[]): string => xs.join(LIST_SEP);
export const splitList = (s: string): string[] => (s === '' ? [] : s.split(LIST_SEP));

export function consentFromRow(r: ConsentRow, d: CodeReader): ConsentEvent {
  return {
    id: r.event_id,
    controller: d.value(r.controller),
    subject: new Uint8Array(r.key),
    purposes: splitList(d.value(r.purposes)),
    recipients: splitList(d.value(r.recipients)),
    status: d.value(r.status) as ConsentStatus,
    notice: d.valueOrNull(r.notice),
    at: r.at,
    expiresAt: r.expires_at,
    method: d.valueOrNull(r.method) as CollectionMethod | null,
    consentType: d.value(r.consent_type) as ConsentType,
    evidence: r.evidence,
  };
}

export function storedConsentFromRow(r: ConsentRow, d: CodeReader): StoredConsentEvent {
  return { ...consentFromRow(r, d), seq: r.seq, ordinal: r.ordinal, leaf: r.leaf };
}

/**
 * Why a transfer's subject was refused, as stored on its link row: null when its records went
 * (or no reason was given); subjects new to the store share the reasons of the unknown.
 */
export function refusalReasonOf(allowed: number, isNew: boolean, ordinal: number, reasons: TransferReasons | undefined): string | null {
  if (allowed) return null;
  const why = isNew ? (reasons?.unknown ?? null) : (reasons?.byOrdinal.get(ordinal) ?? null);
  return why === '' ? null : why;
}
