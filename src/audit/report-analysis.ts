/**
 * What a reported transfer was, compared with the decisions: per reported person, whether a
 * decision of the same parties and purpose made before the sending allowed their record
 * (covered: a provenance receipt exists), only refused it (sent despite the refusal), or never
 * saw it (sent without a check). A report of a count only is compared by numbers.
 */
import type { Store, StoredTransfer, StoredTransferReport } from '../store/store.ts';

const KEY = 32;

export interface ReportAnalysis {
  readonly report: StoredTransferReport;
  /** Committed decisions of the same from, to, on-behalf-of and purpose, made no later than the sending. */
  readonly matched: readonly StoredTransfer[];
  /** Reported records a matched decision allowed. */
  readonly covered: number;
  /** Reported records that matched decisions refused and none allowed. */
  readonly refused: number;
  /** Reported records no decision saw. */
  readonly unchecked: number;
  /** The matched decisions that refused reported records. */
  readonly refusing: readonly StoredTransfer[];
  /** True when the comparison was by count (the report named no people). */
  readonly byCount: boolean;
}

export function sameFlow(t: StoredTransfer, r: StoredTransferReport): boolean {
  const a = t.request;
  const b = r.request;
  return a.from === b.from && a.to === b.to && a.onBehalfOf === b.onBehalfOf && a.purpose === b.purpose && a.at <= b.at;
}

function compareKeys(a: Uint8Array, i: number, b: Uint8Array, j: number): number {
  return Buffer.compare(a.subarray(i * KEY, i * KEY + KEY), b.subarray(j * KEY, j * KEY + KEY));
}

/** Per reported key (sorted): 2 = some decision allowed it, 1 = refused only, 0 = never decided. */
export function keyStates(reported: Uint8Array, decisions: readonly { readonly keys: Uint8Array; readonly allowed: Uint8Array }[]): Uint8Array {
  const n = reported.length / KEY;
  const state = new Uint8Array(n);
  for (const d of decisions) {
    const m = d.keys.length / KEY;
    for (let i = 0, j = 0; i < n && j < m; ) {
      const c = compareKeys(reported, i, d.keys, j);
      if (c < 0) i++;
      else if (c > 0) j++;
      else {
        state[i] = Math.max(state[i]!, d.allowed[j] ? 2 : 1);
        i++;
        j++;
      }
    }
  }
  return state;
}

export async function analyseReports(store: Store, transfers: readonly StoredTransfer[]): Promise<ReportAnalysis[]> {
  const out: ReportAnalysis[] = [];
  for (const report of await store.listTransferReports()) {
    const matched = transfers.filter((t) => sameFlow(t, report));
    if (report.subjects !== null) {
      const keys = await store.transferReportSubjects(report.id);
      const decisions = await Promise.all(matched.map((t) => store.transferSubjects(t.id)));
      const state = keyStates(keys, decisions);
      let covered = 0;
      let refused = 0;
      for (const s of state) {
        if (s === 2) covered++;
        else if (s === 1) refused++;
      }
      const refusing = matched.filter((_, k) => {
        const per = keyStates(keys, [decisions[k]!]);
        return per.some((s, i) => s === 1 && state[i] === 1);
      });
      out.push({ report, matched, covered, refused, unchecked: state.length - covered - refused, refusing, byCount: false });
    } else {
      const best = matched.reduce((m, t) => Math.max(m, t.allowed), 0);
      const covered = Math.min(report.count, best);
      const rest = report.count - covered;
      const refusing = matched.filter((t) => t.refused > 0);
      const refused = refusing.length > 0 ? rest : 0;
      out.push({ report, matched, covered, refused, unchecked: rest - refused, refusing, byCount: true });
    }
  }
  return out;
}
