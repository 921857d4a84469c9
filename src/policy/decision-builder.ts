/** Turns an evaluator's counts into a Decision; shared so both evaluators report alike. */
import { fieldCategory } from '../domain/data-categories.ts';
import type { TransferRequest } from '../domain/types.ts';
import type { Decision, Finding } from './decision.ts';
import { TRANSFER_BLOCKED, ruleSpec, type RuleId } from './rule-catalogue.ts';
import { RECORD_CHILD } from './record-flags.ts';
import type { RulePack } from './rule-pack.ts';
import { ruleErrorFinding, type TransferOutcome } from './transfer-rules.ts';

/** What an evaluator found over the records. */
export interface RecordTally {
  /** Code → records carrying it at block level. */
  readonly block: ReadonlyMap<string, number>;
  /** Code → records carrying it at warn level. */
  readonly warn: ReadonlyMap<string, number>;
  /** Record-level rules that threw (deny by default: the whole transfer is then blocked). */
  readonly errors: ReadonlyMap<RuleId, unknown>;
}

export interface DecisionInput {
  readonly request: TransferRequest;
  readonly pack: RulePack;
  readonly requested: number;
  readonly transfer: TransferOutcome;
  readonly tally: RecordTally;
  /** Record-level verdicts; zeroed here when the transfer is blocked. */
  readonly allowedMask: Uint8Array;
  /** The number of ones in allowedMask, when the evaluator counted them already. */
  readonly allowedCount?: number;
  /** Record-level codes of record i in pack order. */
  readonly recordCodes: (i: number) => string[];
  /** A non-negative number equal for records with equal codes (-1: none); see Decision.recordReasonKey. */
  readonly recordCodeKey?: (i: number) => number;
}

function sortedRecord(entries: Iterable<[string, number]>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of [...entries].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) out[k] = v;
  return out;
}

function plural(n: number): string {
  return `${n} record${n === 1 ? '' : 's'}`;
}

/** The child-data finding when every child field requested was stripped (so nothing of it is sent). */
function childStrippedMessage(n: number, transfer: TransferOutcome): string {
  const fields = transfer.fields.stripped.filter((f) => fieldCategory(f)?.child === true);
  return `${plural(n)}: children's data was requested (${fields.join(', ')}) but stripped by data minimisation; it is not sent`;
}

export function assembleDecision(input: DecisionInput): Decision {
  const { request, pack, requested, transfer, tally, allowedMask } = input;
  const blocked = transfer.blocked || tally.errors.size > 0;
  if (blocked) allowedMask.fill(0);
  let allowed = blocked ? 0 : (input.allowedCount ?? -1);
  if (allowed < 0) {
    allowed = 0;
    for (let i = 0; i < allowedMask.length; i++) allowed += allowedMask[i]!;
  }

  const findings: Finding[] = [];
  for (const rule of pack.rules) {
    if (rule.scope === 'transfer') {
      const f = transfer.findings.get(rule.id);
      if (f) findings.push(f);
      continue;
    }
    const error = tally.errors.get(rule.id);
    if (error !== undefined) {
      findings.push(ruleErrorFinding(rule, error, requested));
      continue;
    }
    const title = ruleSpec(rule.id).title;
    for (const code of ruleSpec(rule.id).codes) {
      for (const level of ['block', 'warn'] as const) {
        const n = (level === 'block' ? tally.block : tally.warn).get(code) ?? 0;
        if (n === 0) continue;
        const message = code === 'child-data' && (transfer.strippedFlags & RECORD_CHILD) !== 0 ? childStrippedMessage(n, transfer) : `${plural(n)}: ${title}`;
        findings.push({ rule: rule.id, code, level, citation: rule.citation, message, affected: n });
      }
    }
  }

  const reasons = new Map(tally.block);
  if (blocked && requested > 0) reasons.set(TRANSFER_BLOCKED, requested);
  const recordCodes = input.recordCodes;
  const recordCodeKey = input.recordCodeKey ?? (() => -1);
  return {
    pack: { id: pack.id, version: pack.version },
    request,
    requested,
    allowed,
    refused: requested - allowed,
    allowedMask,
    reasons: sortedRecord(reasons),
    warnings: sortedRecord(tally.warn),
    findings,
    fields: { sent: [...transfer.fields.sent], stripped: [...transfer.fields.stripped] },
    recordReasons(i: number): string[] {
      if (!Number.isInteger(i) || i < 0 || i >= requested) throw new RangeError(`no record ${i} (0..${requested - 1})`);
      const codes = recordCodes(i);
      if (blocked) codes.push(TRANSFER_BLOCKED);
      return codes;
    },
    recordReasonKey(i: number): number {
      if (!Number.isInteger(i) || i < 0 || i >= requested) throw new RangeError(`no record ${i} (0..${requested - 1})`);
      // transfer-blocked is added to every record alike, so the codes' key still tells lists apart.
      return recordCodeKey(i);
    },
  };
}
