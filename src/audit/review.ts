/**
 * A review of one organisation, as the regulator made of each of 11 parties: where its data came
 * from, to whom it went, the purposes, volumes, the findings naming it and the quality of its
 * notices. Records count those delivered: allowed by a decision, or reported sent without one.
 */
import type { Organisation } from '../domain/types.ts';
import type { Store } from '../store/store.ts';
import type { AuditFinding } from './findings.ts';
import { lintNotice, type LintFinding } from './notice-lint.ts';
import { seenUseOf } from './notice-usage.ts';
import { analyseReports } from './report-analysis.ts';

export interface ReviewNotice {
  readonly id: string;
  readonly hash: string;
  readonly language: string;
  readonly score: number;
  readonly findings: readonly LintFinding[];
}

export interface Volume {
  readonly transfers: number;
  readonly records: number;
}

export interface OrganisationReview {
  readonly organisation: Organisation;
  readonly sources: readonly ({ readonly from: string } & Volume)[];
  readonly recipients: readonly ({ readonly to: string } & Volume)[];
  readonly purposes: readonly string[];
  readonly findings: readonly AuditFinding[];
  readonly notices: readonly ReviewNotice[];
}

interface Flow {
  readonly from: string;
  readonly to: string;
  readonly onBehalfOf: string | null;
  readonly purpose: string;
  readonly records: number;
}

function add(m: Map<string, { transfers: number; records: number }>, key: string, records: number): void {
  const v = m.get(key) ?? { transfers: 0, records: 0 };
  v.transfers++;
  v.records += records;
  m.set(key, v);
}

/** Reviews of `orgIds` from one reading of the store; `findings` come from runAudit. */
export async function reviewOrganisations(store: Store, orgIds: readonly string[], findings: readonly AuditFinding[]): Promise<OrganisationReview[]> {
  const orgs = await store.listOrganisations();
  const byId = new Map(orgs.map((o) => [o.id, o]));
  const kindOf = new Map(orgs.map((o) => [o.id, o.kind as string]));
  const transfers = await store.listTransfers();
  const reports = await store.listTransferReports();
  const analysed = await analyseReports(store, transfers);
  const derivations = await store.listDerivations();
  const flows: Flow[] = [
    ...transfers.map((t) => ({ ...t.request, records: t.allowed })),
    // What a report adds beyond what decisions allowed: records sent despite a refusal or unchecked.
    ...analysed.filter((a) => a.refused + a.unchecked > 0).map((a) => ({ ...a.report.request, records: a.refused + a.unchecked })),
  ];
  const out: OrganisationReview[] = [];
  for (const id of orgIds) {
    const organisation = byId.get(id);
    if (!organisation) continue;
    const sources = new Map<string, { transfers: number; records: number }>();
    const recipients = new Map<string, { transfers: number; records: number }>();
    const purposes = new Set<string>();
    for (const f of flows) {
      if (f.to === id || f.onBehalfOf === id) add(sources, f.from, f.records);
      if (f.from === id) add(recipients, f.to, f.records);
      if (f.from === id || f.to === id || f.onBehalfOf === id) purposes.add(f.purpose);
    }
    for (const d of derivations) if (d.controller === id) purposes.add(d.purpose);
    const seen = seenUseOf(id, transfers, reports, kindOf);
    const notices = (await store.listNotices(id)).map((n) => {
      const lint = lintNotice(n, seen);
      return { id: n.id, hash: n.hash, language: n.language, score: lint.score, findings: lint.findings };
    });
    out.push({
      organisation,
      sources: [...sources].sort(([a], [b]) => a.localeCompare(b)).map(([from, v]) => ({ from, ...v })),
      recipients: [...recipients].sort(([a], [b]) => a.localeCompare(b)).map(([to, v]) => ({ to, ...v })),
      purposes: [...purposes].sort(),
      findings: findings.filter((f) => f.organisations.includes(id)),
      notices,
    });
  }
  return out;
}
