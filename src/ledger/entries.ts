/**
 * The ledger entries of Consentry's events: what each leaf says. Pure; built only from what the
 * store keeps, so anyone holding the store's rows can rebuild a leaf and check its hash.
 * Subjects appear only as their keyed hashes.
 */
import type { Agreement, ConsentEvent, Dataset, Notice, Objection, Organisation } from '../domain/types.ts';
import type { CommittedTransfer, Derivation, RightsRequest, TransferReport } from '../store/store.ts';
import { CANONICAL, REBUILT, type LedgerEntry } from './ledger-entry.ts';

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

export function organisationEntry(o: Organisation, at: number): LedgerEntry {
  return { kind: 'organisation-registered', at, organisation: o.id, name: o.name, orgKind: o.kind, country: o.country, rightsContact: o.rightsContact };
}

export function noticeEntry(n: Notice, at: number): LedgerEntry {
  return {
    kind: 'notice-published',
    at,
    controller: n.controller,
    notice: n.id,
    hash: n.hash,
    version: n.version,
    language: n.language,
    purposes: n.purposes,
    recipients: n.recipients,
    recipientCategories: n.recipientCategories,
    retentionDays: n.retentionDays,
    effectiveFrom: n.effectiveFrom,
  };
}

export function datasetEntry(d: Dataset, at: number): LedgerEntry {
  return { kind: 'dataset-declared', at, controller: d.controller, dataset: d.id, name: d.name, fields: d.fields.map((f) => ({ name: f.name, category: f.category })) };
}

export function agreementEntry(a: Agreement, at: number): LedgerEntry {
  return { kind: 'agreement-recorded', at, agreement: a.id, from: a.from, to: a.to, onBehalfOf: a.onBehalfOf, role: a.role, purposes: a.purposes, fields: a.fields, dpiaRef: a.dpiaRef, validFrom: a.validFrom, validTo: a.validTo };
}

/**
 * The entry the store appends for a consent event: only its canonical text (and the kind and
 * time every entry has), so loading millions of events builds no intermediate objects. Its data
 * is rebuilt from the event's row (consentLeafJson of the stored event), so only its hash is
 * kept in the ledger table.
 */
export function consentLeafEntry(e: ConsentEvent): LedgerEntry {
  return { kind: 'consent', at: e.at, [CANONICAL]: consentLeafJson(e), [REBUILT]: true };
}

export function consentEntry(e: ConsentEvent): LedgerEntry {
  return {
    kind: 'consent',
    at: e.at,
    controller: e.controller,
    event: e.id,
    subject: hex(e.subject),
    purposes: e.purposes,
    recipients: e.recipients,
    status: e.status,
    notice: e.notice,
    expiresAt: e.expiresAt,
    method: e.method,
    consentType: e.consentType,
    evidence: e.evidence,
  };
}

const q = JSON.stringify;
const num = (n: number | null): string => (n === null ? 'null' : String(n));
const str = (s: string | null): string => (s === null ? 'null' : q(s));

/**
 * JSON string literals of the values that repeat across millions of consent events (controllers,
 * statuses, notices, methods, purposes, recipients), each quoted once. Bounded: emptied when full.
 */
const QUOTED_MAX = 4096;
const quoted = new Map<string, string>();
function qr(s: string): string {
  let r = quoted.get(s);
  if (r === undefined) {
    if (quoted.size >= QUOTED_MAX) quoted.clear();
    quoted.set(s, (r = q(s)));
  }
  return r;
}
const strR = (s: string | null): string => (s === null ? 'null' : qr(s));
function listR(xs: readonly string[]): string {
  if (xs.length === 0) return '[]';
  if (xs.length === 1) return `[${qr(xs[0]!)}]`;
  let out = `[${qr(xs[0]!)}`;
  for (let i = 1; i < xs.length; i++) out += `,${qr(xs[i]!)}`;
  return `${out}]`;
}

/** A person's events come one after another: the last subject's hex is kept (compared byte for byte). */
const lastSubject = new Uint8Array(32);
let lastSubjectHex = '';
function subjectHex(b: Uint8Array): string {
  if (b.length === 32 && lastSubjectHex !== '') {
    let same = true;
    for (let i = 0; i < 32; i++) {
      if (b[i] !== lastSubject[i]) {
        same = false;
        break;
      }
    }
    if (same) return lastSubjectHex;
  }
  const h = hex(b);
  if (b.length === 32) {
    lastSubject.set(b);
    lastSubjectHex = h;
  }
  return h;
}

/**
 * canonicalJson(consentEntry(e)) written directly, keys already in canonical order: millions of
 * consent events are loaded at once, and the generic serialiser's key sorting dominated.
 * A test holds the two to the same bytes.
 */
export function consentLeafJson(e: ConsentEvent): string {
  return (
    `{"at":${num(e.at)},"consentType":${qr(e.consentType)},"controller":${qr(e.controller)},"event":${q(e.id)},"evidence":${str(e.evidence)},` +
    `"expiresAt":${num(e.expiresAt)},"kind":"consent","method":${strR(e.method)},"notice":${strR(e.notice)},"purposes":${listR(e.purposes)},` +
    `"recipients":${listR(e.recipients)},"status":${qr(e.status)},"subject":"${subjectHex(e.subject)}"}`
  );
}

export function objectionEntry(o: Objection): LedgerEntry {
  return { kind: 'objection', at: o.at, controller: o.controller, objection: o.id, subject: hex(o.subject), scope: o.scope, source: o.source };
}

export function transferEntry(t: CommittedTransfer): LedgerEntry {
  const r = t.request;
  return {
    kind: 'transfer-decision',
    at: t.decidedAt,
    transfer: t.id,
    from: r.from,
    to: r.to,
    onBehalfOf: r.onBehalfOf,
    purpose: r.purpose,
    channel: r.channel,
    basis: r.basis,
    transferAt: r.at,
    pack: t.pack.id,
    packVersion: t.pack.version,
    requested: t.requested,
    allowed: t.allowed,
    refused: t.refused,
    reasons: t.reasons,
    warnings: t.warnings,
    findings: t.findings.map((f) => ({ rule: f.rule, code: f.code, level: f.level, affected: f.affected })),
    fieldsSent: t.fields.sent,
    fieldsStripped: t.fields.stripped,
    subjects: t.subjects,
    allowedSubjects: t.allowedSubjects,
  };
}

export function derivationEntry(d: Derivation): LedgerEntry {
  return { kind: 'derivation', at: d.at, derivation: d.id, controller: d.controller, name: d.name, purpose: d.purpose, sources: d.sources, subjects: d.subjects };
}

export function rightsRequestEntry(r: RightsRequest, holders: readonly { holder: string; due: number }[]): LedgerEntry {
  return {
    kind: 'rights-request',
    at: r.at,
    request: r.id,
    rightsKind: r.kind,
    controller: r.controller,
    subject: r.subject,
    scope: r.scope,
    source: r.source,
    note: r.note,
    passedTo: holders.map((h) => ({ holder: h.holder, due: h.due })),
  };
}

export function rightsAckEntry(request: string, holder: string, at: number): LedgerEntry {
  return { kind: 'rights-acknowledged', at, request, holder };
}

/** A transfer reported as made (possibly outside the gateway): the audit compares it with decisions. */
export function transferReportEntry(r: TransferReport): LedgerEntry {
  const q = r.request;
  return {
    kind: 'transfer-reported',
    at: r.reportedAt,
    report: r.id,
    reportedBy: r.reportedBy,
    from: q.from,
    to: q.to,
    onBehalfOf: q.onBehalfOf,
    purpose: q.purpose,
    fields: q.fields,
    transferAt: q.at,
    count: r.count,
    subjects: r.subjects,
  };
}
