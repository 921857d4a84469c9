/**
 * Rules that only an audit of the recorded history can check (a decision at transfer time cannot
 * see them): transfers reported as made despite a refusal or without any decision, and rights
 * notices left unacknowledged. Their citations are those of shared/rules.md for the duty they
 * enforce. The audit also reports under the pack's own rules (data-sharing-agreement,
 * source-due-diligence, storage-limitation), with the pack's citations.
 */
import { loadBuiltinPack } from '../policy/pack-loader.ts';
import { isRuleId, RULE_CATALOGUE } from '../policy/rule-catalogue.ts';
import { packRule, type RulePack } from '../policy/rule-pack.ts';

export type AuditLevel = 'block' | 'warn';

export interface AuditRule {
  readonly level: AuditLevel;
  /** null: the citation is that of the rules that refused the records (see findings.ts). */
  readonly citation: string | null;
  readonly title: string;
}

export const AUDIT_RULES = {
  'transfer-despite-refusal': {
    level: 'block',
    citation: null,
    title: 'records were reported sent although the decision refused them',
  },
  // Without a decision nothing shows the people consented: consent-demonstrable's duty.
  'transfer-unchecked': {
    level: 'block',
    citation: 'Art 7(1)',
    title: 'records were reported sent without any decision: consent cannot be demonstrated',
  },
  // Recipients must honour withdrawals, erasures and rectifications passed to them.
  'rights-acknowledgement-overdue': {
    level: 'block',
    citation: 'Art 19, 17(2)',
    title: 'a withdrawal, objection, erasure or rectification passed on was not acknowledged within one month',
  },
} as const satisfies Record<string, AuditRule>;

export type AuditRuleId = keyof typeof AUDIT_RULES;

/** The packs a committed decision may name, by pack id (e.g. "uk-gdpr"). */
export function packsById(): Map<string, RulePack> {
  const m = new Map<string, RulePack>();
  for (const name of ['uk', 'eu'] as const) {
    const p = loadBuiltinPack(name);
    m.set(p.id, p);
  }
  return m;
}

/** A pack rule's citation; '' for an id the pack does not list. */
export function citationOf(pack: RulePack, rule: string): string {
  return isRuleId(rule) ? (packRule(pack, rule)?.citation ?? '') : '';
}

/** The catalogue's plain-English description of a pack rule (or an audit rule). */
export function titleOf(rule: string): string {
  if (isRuleId(rule)) return RULE_CATALOGUE[rule].title;
  return (AUDIT_RULES as Record<string, AuditRule>)[rule]?.title ?? rule;
}
