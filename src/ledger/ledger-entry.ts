/**
 * What the ledger records. Every event in Consentry (organisation or notice registered,
 * consent event, objection, agreement, transfer decision, derivation, rights request,
 * acknowledgement, ...) becomes one entry; its leaf data is its canonical JSON in UTF-8.
 */
import { canonicalJson } from '../domain/canonical-json.ts';

export interface LedgerEntry {
  /** What happened, e.g. "consent", "transfer-decision". */
  readonly kind: string;
  /** When, in epoch milliseconds. */
  readonly at: number;
  readonly [field: string]: unknown;
}

const encoder = new TextEncoder();

/** Throws a RangeError naming the problem when `entry` cannot be a ledger entry. */
export function checkEntry(entry: LedgerEntry): void {
  if (typeof entry !== 'object' || entry === null) throw new RangeError('ledger entry must be an object');
  if (typeof entry.kind !== 'string' || entry.kind.length === 0) throw new RangeError('ledger entry needs a non-empty string kind');
  if (!Number.isSafeInteger(entry.at) || entry.at < 0) throw new RangeError(`ledger entry ${entry.kind}: at must be epoch ms, got ${String(entry.at)}`);
}

/** Leaf data of an entry: canonical JSON, UTF-8. */
export function leafData(entry: LedgerEntry): Uint8Array {
  checkEntry(entry);
  return encoder.encode(canonicalJson(entry));
}
