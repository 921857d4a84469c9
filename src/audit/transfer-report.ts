/**
 * Recording a transfer an organisation reports as made — through the gateway or outside it —
 * so the audit can compare it with the decisions. The records are hashed into subject keys by
 * the caller (as for a check) and never stored; only the keys are, with a Merkle root over them.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../domain/canonical-json.ts';
import type { TransferRequest } from '../domain/types.ts';
import { UserError } from '../errors.ts';
import { sortSubjectKeys, subjectKeysRoot } from '../ledger/subject-commitment.ts';
import type { Store, StoredTransferReport, TransferReport } from '../store/store.ts';

const KEY = 32;

export interface ReportInput {
  readonly request: TransferRequest;
  readonly reportedBy: string | null;
  /** Records reported sent; with `keys`, defaults to their number. */
  readonly count?: number | undefined;
  /** Subject keys of the identified records sent (n × 32 bytes, any order, repeats allowed). */
  readonly keys?: Uint8Array | undefined;
}

export async function reportTransfer(store: Store, input: ReportInput, now: number): Promise<{ report: StoredTransferReport; created: boolean }> {
  const sorted = input.keys === undefined ? null : sortSubjectKeys(input.keys.slice());
  const count = input.count ?? (input.keys === undefined ? undefined : input.keys.length / KEY);
  if (count === undefined || !Number.isSafeInteger(count) || count < 1) {
    throw new UserError('invalid-report', 'a transfer report needs the records sent (a file) or their number', [{ where: 'count', message: 'give the records, or a count of at least 1' }]);
  }
  const q = input.request;
  const request = { from: q.from, to: q.to, onBehalfOf: q.onBehalfOf, purpose: q.purpose, fields: [...q.fields], at: q.at };
  const subjects = sorted === null ? null : { count: sorted.length / KEY, root: Buffer.from(subjectKeysRoot(sorted)).toString('hex') };
  // The same sending reported again (by anyone, at any time) is the same report.
  const id = `rp-${createHash('sha256').update(canonicalJson({ request, count, subjects: subjects?.root ?? null })).digest('hex').slice(0, 20)}`;
  const report: TransferReport = { id, reportedAt: now, reportedBy: input.reportedBy, request, count, subjects };
  return store.recordTransferReport(report, sorted);
}
