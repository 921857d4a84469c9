/**
 * The obviously-correct evaluator: per record, gather the subject's rows in a plain array and
 * apply docs/rules.md literally. Slow on purpose; the fast engine must agree with it exactly.
 */
import { coveringPurposes, isWithin } from '../domain/purposes.ts';
import { isValidStatus, type TransferRequest } from '../domain/types.ts';
import type { Decision } from './decision.ts';
import { assembleDecision } from './decision-builder.ts';
import type { ConsentRow, Facts, ObjectionRow } from './facts.ts';
import { RECORD_CHILD, RECORD_SPECIAL, checkRecords, type TransferRecords } from './record-flags.ts';
import type { RuleId, RuleLevel } from './rule-catalogue.ts';
import type { PackRule, RulePack } from './rule-pack.ts';
import { evaluateTransfer } from './transfer-rules.ts';

const DAY_MS = 86_400_000;

type Verdict = { code: string; level: RuleLevel } | null;

/** Later wins: greater `at`, ties broken by insertion order. */
function later(a: ConsentRow, b: ConsentRow): boolean {
  return a.at > b.at || (a.at === b.at && a.seq > b.seq);
}

export function referenceDecide(request: TransferRequest, records: TransferRecords, facts: Facts, pack: RulePack): Decision {
  checkRecords(records);
  const transfer = evaluateTransfer(request, records, facts, pack);
  const { from: F, to: T, onBehalfOf: B, purpose: P, at: t } = request;
  const agreement = transfer.agreement;
  const cover = coveringPurposes(P);

  const rowsBySubject = new Map<number, ConsentRow[]>();
  for (let i = 0; i < facts.consentCount; i++) {
    const r = facts.consentRow(i);
    const list = rowsBySubject.get(r.subject);
    if (list) list.push(r);
    else rowsBySubject.set(r.subject, [r]);
  }
  const objectionsBySubject = new Map<number, ObjectionRow[]>();
  for (let i = 0; i < facts.objectionCount; i++) {
    const o = facts.objectionRow(i);
    const list = objectionsBySubject.get(o.subject);
    if (list) list.push(o);
    else objectionsBySubject.set(o.subject, [o]);
  }

  const valid = (r: ConsentRow): boolean => isValidStatus(r.status) && (r.expiresAt === null || r.expiresAt > t);
  const names = (r: ConsentRow): boolean => r.recipients.includes(T) && (B === null || r.recipients.includes(B));
  const demonstrable = (r: ConsentRow): boolean => r.notice !== null && r.method !== null;

  /** The rule's verdict for one known subject's rows (by F, at ≤ t). */
  const judge = (rule: PackRule, rows: ConsentRow[], objections: ObjectionRow[], flags: number): Verdict => {
    const latest = (q: string): ConsentRow | undefined => {
      let best: ConsentRow | undefined;
      for (const r of rows) if (r.purpose === q && (best === undefined || later(r, best))) best = r;
      return best;
    };
    const L = cover.map(latest).filter((r): r is ConsentRow => r !== undefined);
    const consent = request.basis === 'consent';
    const hit = (code: string): Verdict => ({ code, level: rule.level });
    switch (rule.id) {
      case 'purpose-named':
        return consent && L.length === 0 ? hit('purpose-not-named') : null;
      case 'consent-status-valid': {
        if (!consent || L.length === 0 || L.some(valid)) return null;
        let last = L[0]!;
        for (const r of L) if (later(r, last)) last = r;
        if (last.status === 'ConsentWithdrawn' || last.status === 'ConsentRevoked') return hit('consent-withdrawn');
        if (last.status === 'ConsentExpired' || isValidStatus(last.status)) return hit('consent-expired');
        return hit('consent-not-given');
      }
      case 'recipient-named': {
        if (!consent) return null;
        let V = L.filter(valid);
        if (V.length === 0) V = [...new Set(rows.map((r) => r.purpose))].map((q) => latest(q)!);
        return V.some(names) ? null : hit('recipient-not-named');
      }
      case 'consent-demonstrable': {
        if (!consent) return null;
        const V = L.filter((r) => valid(r) && names(r));
        return V.length > 0 && !V.some(demonstrable) ? hit('consent-not-demonstrable') : null;
      }
      case 'lawful-basis-no-switch':
        return !consent && rows.length > 0 ? hit('basis-switch') : null;
      case 'objection-honoured': {
        const objected = objections.some(
          (o) =>
            o.scope === 'all' ||
            (o.scope === 'direct-marketing' && isWithin(P, 'marketing')) ||
            (o.scope === 'sale-sharing' && (isWithin(P, 'advertising') || P === 'sale-of-data')),
        );
        return objected ? hit('objection') : null;
      }
      case 'child-data': {
        if ((flags & RECORD_CHILD) === 0) return null;
        // The child's data was asked for but is not sent: report it, never refuse for it.
        if ((transfer.strippedFlags & RECORD_CHILD) !== 0) return { code: 'child-data', level: 'warn' };
        if ((transfer.flagMask & RECORD_CHILD) === 0) return null;
        const blocks = pack.params.childBlockPurposes.some((c) => isWithin(P, c)) && !agreement?.childJustification;
        return { code: 'child-data', level: rule.level === 'block' && blocks ? 'block' : 'warn' };
      }
      case 'special-category': {
        if ((flags & transfer.flagMask & RECORD_SPECIAL) === 0) return null;
        const condition = agreement?.art9Condition ?? null;
        const ok =
          condition !== null &&
          pack.params.specialCategoryConditions.includes(condition) &&
          (condition !== 'explicit-consent' || L.some((r) => valid(r) && names(r) && demonstrable(r) && r.consentType === 'explicit'));
        return ok ? null : hit('special-category');
      }
      case 'storage-limitation': {
        let first = rows[0]!;
        for (const r of rows) if (later(first, r)) first = r;
        const days = first.notice === null ? null : (facts.notices.get(first.notice)?.retentionDays ?? null);
        return days !== null && first.at + days * DAY_MS <= t ? hit('retention-expired') : null;
      }
      default:
        throw new Error(`no record check for rule ${rule.id}`);
    }
  };

  const recordRules = pack.rules.filter((r) => r.scope === 'record');
  const n = records.ordinals.length;
  const codes: string[][] = new Array<string[]>(n);
  const allowedMask = new Uint8Array(n);
  const block = new Map<string, number>();
  const warn = new Map<string, number>();
  const errors = new Map<RuleId, unknown>();
  const count = (m: Map<string, number>, code: string): void => void m.set(code, (m.get(code) ?? 0) + 1);

  for (let i = 0; i < n; i++) {
    const o = records.ordinals[i]!;
    const rows = o < 0 ? [] : (rowsBySubject.get(o) ?? []).filter((r) => r.controller === F && r.at <= t);
    const mine: string[] = [];
    let refused = false;
    if (rows.length === 0) {
      // Unknown to Consentry (or to this controller): nothing can be demonstrated.
      mine.push('no-consent-record');
      count(block, 'no-consent-record');
      refused = true;
    } else {
      const objections = (objectionsBySubject.get(o) ?? []).filter((x) => x.controller === F && x.at <= t);
      for (const rule of recordRules) {
        let v: Verdict;
        try {
          v = judge(rule, rows, objections, records.flags[i]!);
        } catch (e) {
          if (!errors.has(rule.id)) errors.set(rule.id, e);
          continue;
        }
        if (!v) continue;
        mine.push(v.code);
        count(v.level === 'block' ? block : warn, v.code);
        if (v.level === 'block') refused = true;
      }
    }
    codes[i] = mine;
    allowedMask[i] = refused ? 0 : 1;
  }

  return assembleDecision({
    request,
    pack,
    requested: n,
    transfer,
    tally: { block, warn, errors },
    allowedMask,
    recordCodes: (i) => [...codes[i]!],
  });
}
