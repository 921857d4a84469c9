/**
 * The audit: every rule run over the recorded history, not only at transfer time. Sources:
 * each committed decision's findings (refused or allowed), transfers reported as made (despite a
 * refusal, without any decision, without an agreement, taken in without a provenance receipt),
 * data kept past the agreed retention, and rights notices left unacknowledged past their
 * deadline. Each finding names its rule, citation, organisations, affected people, first and
 * last time, and the ledger leaves that prove it.
 */
import { createHash } from 'node:crypto';
import type { Organisation, TransferRequest } from '../domain/types.ts';
import { coveringAgreement } from '../policy/transfer-rules.ts';
import type { RulePack } from '../policy/rule-pack.ts';
import type { Store, StoredTransfer } from '../store/store.ts';
import { AUDIT_RULES, citationOf, packsById, titleOf, type AuditLevel } from './audit-rules.ts';
import { analyseReports, type ReportAnalysis } from './report-analysis.ts';

export interface Evidence {
  readonly leaf: number;
  /** The ledger entry's kind, e.g. "transfer-decision". */
  readonly kind: string;
  /** What the leaf records: a transfer, report, request or notice id. */
  readonly ref: string;
}

export interface AuditFinding {
  readonly id: string;
  readonly rule: string;
  readonly level: AuditLevel;
  readonly citation: string;
  readonly message: string;
  readonly organisations: readonly string[];
  /** People affected (records, for a decision: one per person in the reference case). */
  readonly affected: number;
  readonly first: number;
  readonly last: number;
  readonly evidence: readonly Evidence[];
}

export interface AuditFilter {
  readonly org?: string | undefined;
  readonly kind?: string | undefined;
  /** Only findings whose last time is at or after this (epoch ms). */
  readonly since?: number | undefined;
}

export interface AuditResult {
  readonly generatedAt: number;
  readonly treeSize: number;
  readonly findings: readonly AuditFinding[];
}

const DAY = 86_400_000;
const day = (t: number): string => new Date(t).toISOString().slice(0, 10);
const n = (x: number): string => x.toLocaleString('en-GB');
const parties = (r: { from: string; to: string; onBehalfOf: string | null }): string[] => [r.from, r.to, ...(r.onBehalfOf ? [r.onBehalfOf] : [])];
const flow = (r: { from: string; to: string; onBehalfOf: string | null; purpose: string }): string =>
  `${r.from} → ${r.to}${r.onBehalfOf ? ` for ${r.onBehalfOf}` : ''}, ${r.purpose}`;

function findingId(rule: string, parts: readonly string[]): string {
  return `f-${createHash('sha256').update([rule, ...parts].join('\u0000')).digest('hex').slice(0, 16)}`;
}

function transferEvidence(t: StoredTransfer): Evidence {
  return { leaf: t.leaf, kind: 'transfer-decision', ref: t.id };
}

/** Every finding of the recorded history as of `now`, filtered. Read-only. */
export async function runAudit(store: Store, opts: { readonly now: number; readonly filter?: AuditFilter }): Promise<AuditResult> {
  const treeSize = await store.ledger.size();
  const packs = packsById();
  const fallback = packs.get('uk-gdpr')!;
  const packOf = (t: StoredTransfer): RulePack => packs.get(t.pack.id) ?? fallback;
  const transfers = await store.listTransfers();
  const agreements = await store.listAgreements();
  const findings: AuditFinding[] = [];

  // 1. What each decision found, refused or allowed: the record of what was attempted.
  const reports = await analyseReports(store, transfers);
  const madeDespite = new Map<string, ReportAnalysis[]>();
  for (const a of reports) for (const t of a.refusing) madeDespite.set(t.id, [...(madeDespite.get(t.id) ?? []), a]);
  for (const t of transfers) {
    const pack = packOf(t);
    const made = madeDespite.get(t.id) ?? [];
    for (const f of t.findings) {
      // Stripped fields were not sent: excess was asked for, nothing was refused.
      const level: AuditLevel = f.level === 'block' ? 'block' : 'warn';
      const outcome =
        t.allowed === 0 ? 'the transfer was refused' : t.refused === 0 ? `all ${n(t.allowed)} records were allowed` : `${n(t.allowed)} records were allowed, ${n(t.refused)} refused`;
      const despite = made.length > 0 ? `; reported as sent on ${made.map((m) => day(m.report.request.at)).join(', ')} despite the refusal` : '';
      findings.push({
        id: findingId(f.rule, [f.code, t.id]),
        rule: f.rule,
        level,
        citation: citationOf(pack, f.rule),
        message: `${t.id} (${flow(t.request)}, ${day(t.request.at)}): ${n(f.affected)} records: ${titleOf(f.rule)} [${f.code}]; ${outcome}${despite}`,
        organisations: parties(t.request),
        affected: f.affected,
        first: t.request.at,
        last: t.request.at,
        evidence: [transferEvidence(t), ...made.map((m) => ({ leaf: m.report.leaf, kind: 'transfer-reported', ref: m.report.id }))],
      });
    }
  }

  // 2. Transfers reported as made.
  for (const a of reports) {
    const r = a.report;
    const q = r.request;
    const reportEvidence: Evidence = { leaf: r.leaf, kind: 'transfer-reported', ref: r.id };
    const base = { organisations: parties(q), first: q.at, last: q.at };
    const how = a.byCount ? ' (compared by count: the report named no people)' : '';
    if (a.refused > 0) {
      const rules: string[] = [];
      const citations: string[] = [];
      for (const t of a.refusing) {
        for (const f of t.findings) {
          if (f.level === 'warn' || rules.includes(f.rule)) continue;
          rules.push(f.rule);
          const c = citationOf(packOf(t), f.rule);
          if (c !== '' && !citations.includes(c)) citations.push(c);
        }
      }
      findings.push({
        id: findingId('transfer-despite-refusal', [r.id]),
        rule: 'transfer-despite-refusal',
        level: AUDIT_RULES['transfer-despite-refusal'].level,
        citation: citations.join('; '),
        message: `${q.from} reported sending ${n(r.count)} records on ${day(q.at)} (${flow(q)}); ${n(a.refused)} of them had been refused by ${a.refusing.map((t) => t.id).join(', ')} (${rules.join(', ')})${how}`,
        ...base,
        affected: a.refused,
        evidence: [reportEvidence, ...a.refusing.map(transferEvidence)],
      });
    }
    if (a.unchecked > 0) {
      findings.push({
        id: findingId('transfer-unchecked', [r.id]),
        rule: 'transfer-unchecked',
        level: AUDIT_RULES['transfer-unchecked'].level,
        citation: AUDIT_RULES['transfer-unchecked'].citation,
        message: `${q.from} reported sending ${n(r.count)} records on ${day(q.at)} (${flow(q)}); ${n(a.unchecked)} of them were never checked${how}`,
        ...base,
        affected: a.unchecked,
        evidence: [reportEvidence],
      });
    }
    const request: TransferRequest = { from: q.from, to: q.to, onBehalfOf: q.onBehalfOf, purpose: q.purpose, channel: 'none', fields: q.fields, at: q.at, basis: 'consent', tpsScreened: false };
    const agreement = coveringAgreement(request, agreements);
    if (agreement === null) {
      // Escalated as the decision escalates it: a processor acting for a client needs Art 28(3) terms.
      const level: AuditLevel = q.onBehalfOf !== null ? 'block' : 'warn';
      findings.push({
        id: findingId('data-sharing-agreement', [r.id]),
        rule: 'data-sharing-agreement',
        level,
        citation: citationOf(fallback, 'data-sharing-agreement'),
        message: `${q.from} reported sending ${n(r.count)} records on ${day(q.at)} (${flow(q)}) with no data-sharing agreement covering them`,
        ...base,
        affected: r.count,
        evidence: [reportEvidence],
      });
    }
    const unreceipted = a.refused + a.unchecked;
    if (unreceipted > 0) {
      const takers = [q.to, ...(q.onBehalfOf ? [q.onBehalfOf] : [])];
      findings.push({
        id: findingId('source-due-diligence', [r.id]),
        rule: 'source-due-diligence',
        level: 'block',
        citation: citationOf(fallback, 'source-due-diligence'),
        message: `${takers.join(' and ')} took in ${n(unreceipted)} records from ${q.from} on ${day(q.at)} (${q.purpose}) without a provenance receipt: no decision allowed them`,
        organisations: takers,
        first: q.at,
        last: q.at,
        affected: unreceipted,
        evidence: [reportEvidence, ...a.matched.map(transferEvidence)],
      });
    }
    const days = agreement?.retentionDays ?? null;
    if (agreement !== null && days !== null && q.at + days * DAY <= opts.now) findings.push(retentionFinding(q, r.count, days, agreement.id, [reportEvidence], fallback, r.id));
  }

  // 3. Data delivered through the gateway and kept past the agreed retention (no deletion is recorded).
  for (const t of transfers) {
    if (t.allowed === 0) continue;
    const agreement = coveringAgreement(t.request, agreements);
    const days = agreement?.retentionDays ?? null;
    if (agreement === null || days === null || t.request.at + days * DAY > opts.now) continue;
    findings.push(retentionFinding(t.request, t.allowed, days, agreement.id, [transferEvidence(t)], packOf(t), t.id));
  }

  // 4. Rights notices not acknowledged by their deadline, per holder.
  const requests = new Map((await store.listRightsRequests()).map((r) => [r.id, r]));
  const late = new Map<string, { subjects: Set<string>; first: number; last: number; evidence: Evidence[]; open: number; lateAcks: number }>();
  for (const rn of await store.listRightsNotices()) {
    const overdue = rn.acknowledgedAt === null ? rn.due <= opts.now : rn.acknowledgedAt > rn.due;
    if (!overdue) continue;
    const g = late.get(rn.holder) ?? { subjects: new Set<string>(), first: rn.due, last: rn.due, evidence: [], open: 0, lateAcks: 0 };
    const req = requests.get(rn.request);
    g.subjects.add(req?.subject ?? rn.request);
    g.first = Math.min(g.first, rn.due);
    g.last = Math.max(g.last, rn.due);
    if (req) g.evidence.push({ leaf: req.leaf, kind: 'rights-request', ref: req.id });
    if (rn.acknowledgedAt === null) g.open++;
    else g.lateAcks++;
    late.set(rn.holder, g);
  }
  for (const [holder, g] of [...late].sort(([a], [b]) => a.localeCompare(b))) {
    const rule = AUDIT_RULES['rights-acknowledgement-overdue'];
    findings.push({
      id: findingId('rights-acknowledgement-overdue', [holder, ...g.evidence.map((e) => e.ref)]),
      rule: 'rights-acknowledgement-overdue',
      level: rule.level,
      citation: rule.citation,
      message: `${holder}: ${n(g.open)} notices unacknowledged past their deadline${g.lateAcks > 0 ? `, ${n(g.lateAcks)} acknowledged late` : ''} (due ${day(g.first)}${g.last !== g.first ? ` to ${day(g.last)}` : ''})`,
      organisations: [holder],
      affected: g.subjects.size,
      first: g.first,
      last: g.last,
      evidence: g.evidence,
    });
  }

  const orgs = await store.listOrganisations();
  return { generatedAt: opts.now, treeSize, findings: filterFindings(findings, orgs, opts.filter ?? {}) };
}

function retentionFinding(
  q: { from: string; to: string; onBehalfOf: string | null; purpose: string; at: number },
  records: number,
  days: number,
  agreement: string,
  evidence: Evidence[],
  pack: RulePack,
  ref: string,
): AuditFinding {
  const holders = [q.to, ...(q.onBehalfOf ? [q.onBehalfOf] : [])];
  const deadline = q.at + days * DAY;
  return {
    id: findingId('storage-limitation', [ref]),
    rule: 'storage-limitation',
    level: 'block',
    citation: citationOf(pack, 'storage-limitation'),
    message: `${holders.join(' and ')} received ${n(records)} records from ${q.from} on ${day(q.at)} (${q.purpose}); agreement ${agreement} allows ${days} days, so they were due for deletion on ${day(deadline)} and no deletion is recorded`,
    organisations: holders,
    affected: records,
    first: q.at,
    last: deadline,
    evidence,
  };
}

/** Keeps findings naming `org`, or an organisation of `kind`, and active since `since`. */
export function filterFindings(findings: readonly AuditFinding[], orgs: readonly Organisation[], filter: AuditFilter): AuditFinding[] {
  const kindOf = new Map(orgs.map((o) => [o.id, o.kind as string]));
  return findings.filter(
    (f) =>
      (filter.org === undefined || f.organisations.includes(filter.org)) &&
      (filter.kind === undefined || f.organisations.some((o) => kindOf.get(o) === filter.kind)) &&
      (filter.since === undefined || f.last >= filter.since),
  );
}

export function findingJson(f: AuditFinding) {
  return { ...f, organisations: [...f.organisations], evidence: f.evidence.map((e) => ({ ...e })), first: new Date(f.first).toISOString(), last: new Date(f.last).toISOString() };
}

export function auditJson(r: AuditResult) {
  return { generatedAt: new Date(r.generatedAt).toISOString(), treeSize: r.treeSize, findings: r.findings.map(findingJson) };
}
