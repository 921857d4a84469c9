/** A decision as scripts and the API see it: the output of `consentry transfer check --json`. */
import type { Decision } from '../policy/decision.ts';

export function decisionJson(d: Decision, unidentified: number): Record<string, unknown> {
  return {
    requested: d.requested,
    allowed: d.allowed,
    refused: d.refused,
    unidentified,
    reasons: d.reasons,
    warnings: d.warnings,
    findings: d.findings.map((x) => ({ rule: x.rule, code: x.code, level: x.level, citation: x.citation, message: x.message, affected: x.affected })),
    fields: d.fields,
    pack: d.pack,
    request: { ...d.request, at: new Date(d.request.at).toISOString() },
  };
}
