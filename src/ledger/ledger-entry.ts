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


/**
 * Optional: the entry's canonical JSON, already written by a specialised serialiser for a hot
 * kind of entry. Symbol-keyed, so canonicalJson(entry) ignores it and tests can compare both.
 */
export const CANONICAL = Symbol('canonical JSON');

/**
 * Optional: marks an entry whose leaf data the store can rebuild, byte for byte, from its own
 * rows (consent events): the ledger table then keeps only the leaf hash, and readers get the
 * data back through the storage's LeafDataSource. Millions of consent events would otherwise be
 * stored twice.
 */
export const REBUILT = Symbol('leaf data rebuilt from domain rows');

export function isRebuilt(entry: LedgerEntry): boolean {
  return (entry as { [REBUILT]?: boolean })[REBUILT] === true;
}

/** Throws a RangeError naming the problem when `entry` cannot be a ledger entry. */
export function checkEntry(entry: LedgerEntry): void {
  if (typeof entry !== 'object' || entry === null) throw new RangeError('ledger entry must be an object');
  if (typeof entry.kind !== 'string' || entry.kind.length === 0) throw new RangeError('ledger entry needs a non-empty string kind');
  if (!Number.isSafeInteger(entry.at) || entry.at < 0) throw new RangeError(`ledger entry ${entry.kind}: at must be epoch ms, got ${String(entry.at)}`);
}

/** Leaf data of an entry: canonical JSON, UTF-8. */
export function leafData(entry: LedgerEntry): Uint8Array {
  return leafInput(entry).subarray(1);
}

/**
 * The bytes a leaf hash is taken over: 0x00 (RFC 9162 leaf prefix) then the leaf data, in one
 * buffer so that the hash is one native call; `.subarray(1)` is the leaf data.
 */
export function leafInput(entry: LedgerEntry): Buffer {
  checkEntry(entry);
  const text = (entry as { [CANONICAL]?: string })[CANONICAL] ?? canonicalJson(entry);
  const buf = Buffer.allocUnsafe(Buffer.byteLength(text) + 1);
  buf[0] = 0x00;
  buf.write(text, 1);
  return buf;
}
