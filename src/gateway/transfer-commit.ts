/**
 * Commits a decided transfer: the decision goes into the ledger as one leaf that carries two
 * Merkle roots over subject keys — every subject in the request, and those allowed — so any
 * one person can later be shown, without seeing anyone else's key, that their record was (or
 * was not) in the transfer. Both sets are kept in blocks beside it, so that showing them is a
 * block read (transfer-proof.ts).
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../domain/canonical-json.ts';
import { sortSubjectKeys } from '../ledger/subject-commitment.ts';
import { subjectSetBlocks, type SubjectSetBlocks } from '../ledger/subject-set-blocks.ts';
import type { CommittedTransfer, Store, StoredTransfer, TransferReasons } from '../store/store.ts';
import type { CheckResult } from './transfer-check.ts';
import { keepTransferSubjectSets } from './transfer-proof.ts';

const KEY = 32;
const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

function compare(a: Uint8Array, i: number, b: Uint8Array, j: number): number {
  for (let k = 0; k < KEY; k++) {
    const d = a[i * KEY + k]! - b[j * KEY + k]!;
    if (d !== 0) return d;
  }
  return 0;
}

/** Keys of the records selected by `pick`, sorted and distinct. */
function distinctKeys(keys: Uint8Array, count: number, pick: (i: number) => boolean): Uint8Array {
  const chosen = new Uint8Array(count * KEY);
  let n = 0;
  for (let i = 0; i < count; i++) if (pick(i)) chosen.set(keys.subarray(i * KEY, (i + 1) * KEY), n++ * KEY);
  return sortSubjectKeys(chosen.subarray(0, n * KEY));
}

export interface SubjectSets {
  /** Sorted distinct keys of every identified subject in the request. */
  readonly keys: Uint8Array;
  /** Per key of `keys`: 1 when that subject's records were allowed. */
  readonly allowed: Uint8Array;
  readonly allowedKeys: Uint8Array;
}

/** `requestedKeys`: the sorted distinct keys of the identified records, when already known. */
export function subjectSets(result: CheckResult, requestedKeys?: Uint8Array): SubjectSets {
  const d = result.decision;
  const n = d.requested;
  // Records without usable identifiers have no key; they were refused and are not committed to.
  const identified = (i: number): boolean => result.unidentifiedMask[i] === 0;
  const keys = requestedKeys ?? distinctKeys(result.keys, n, identified);
  const allowedKeys = distinctKeys(result.keys, n, (i) => d.allowedMask[i] === 1 && identified(i));
  const allowed = new Uint8Array(keys.length / KEY);
  for (let i = 0, j = 0; i < allowed.length && j < allowedKeys.length / KEY; i++) {
    const c = compare(keys, i, allowedKeys, j);
    if (c === 0) {
      allowed[i] = 1;
      j++;
    }
  }
  return { keys, allowed, allowedKeys };
}

/**
 * Ordinal → reason list, in typed arrays: a Map of a million numbers costs more to grow and fill
 * than the rest of the commit's bookkeeping together. Where the ordinals are dense enough (a
 * transfer of most of the store's subjects), a list number per ordinal read in place; else an
 * open-addressing table for up to `capacity` of them.
 */
class OrdinalReasons {
  readonly #dense: boolean;
  readonly #mask: number;
  readonly #ordinals: Int32Array;
  /** The list number per slot (or per ordinal when dense), -1 for none. */
  readonly #list: Int32Array;
  readonly #lists: string[] = [];
  readonly #listNumbers = new Map<string, number>();

  constructor(capacity: number, maxOrdinal: number) {
    this.#dense = maxOrdinal < 4 * capacity + 1024;
    if (this.#dense) {
      this.#mask = 0;
      this.#ordinals = new Int32Array(0);
      this.#list = new Int32Array(maxOrdinal + 1).fill(-1);
      return;
    }
    let slots = 16;
    while (slots < capacity * 2) slots *= 2;
    this.#mask = slots - 1;
    this.#ordinals = new Int32Array(slots).fill(-1);
    this.#list = new Int32Array(slots);
  }

  #slot(ordinal: number): number {
    // Ordinals are dense small integers: a multiplicative hash spreads runs of them.
    let i = Math.imul(ordinal, 0x9e3779b1) & this.#mask;
    while (this.#ordinals[i] !== -1 && this.#ordinals[i] !== ordinal) i = (i + 1) & this.#mask;
    return i;
  }

  has(ordinal: number): boolean {
    if (this.#dense) return this.#list[ordinal]! >= 0;
    return this.#ordinals[this.#slot(ordinal)] === ordinal;
  }

  /** The number of a reason list, to pass to set. */
  listNumber(reasons: string): number {
    let n = this.#listNumbers.get(reasons);
    if (n === undefined) {
      n = this.#lists.length;
      this.#lists.push(reasons);
      this.#listNumbers.set(reasons, n);
    }
    return n;
  }

  /** Records list `n` for `ordinal` (which must not be there yet; capacity must not be exceeded). */
  set(ordinal: number, n: number): void {
    if (this.#dense) {
      this.#list[ordinal] = n;
      return;
    }
    const i = this.#slot(ordinal);
    this.#ordinals[i] = ordinal;
    this.#list[i] = n;
  }

  get(ordinal: number): string | undefined {
    if (this.#dense) {
      const n = ordinal >= 0 && ordinal < this.#list.length ? this.#list[ordinal]! : -1;
      return n >= 0 ? this.#lists[n] : undefined;
    }
    const i = this.#slot(ordinal);
    return this.#ordinals[i] === ordinal ? this.#lists[this.#list[i]!] : undefined;
  }
}

/** Each refused subject's reason codes, so a person can later be told why their record stayed. */
function refusalReasons(result: CheckResult): TransferReasons {
  const d = result.decision;
  let maxOrdinal = -1;
  for (let i = 0; i < d.requested; i++) if (result.ordinals[i]! > maxOrdinal) maxOrdinal = result.ordinals[i]!;
  const byOrdinal = new OrdinalReasons(d.requested - d.allowed, maxOrdinal);
  // A million refused records share a handful of reason lists: each list is joined once, found
  // again by the record's reason key (records without one are joined each).
  const listByKey = new Map<number, number>();
  let unknown: string | null = null;
  for (let i = 0; i < d.requested; i++) {
    if (d.allowedMask[i] === 1 || result.unidentifiedMask[i] === 1) continue;
    const o = result.ordinals[i]!;
    if (o >= 0 ? byOrdinal.has(o) : unknown !== null) continue;
    if (o < 0) {
      unknown = d.recordReasons(i).join(';');
      continue;
    }
    const key = d.recordReasonKey(i);
    let list = key >= 0 ? listByKey.get(key) : undefined;
    if (list === undefined) {
      list = byOrdinal.listNumber(d.recordReasons(i).join(';'));
      if (key >= 0) listByKey.set(key, list);
    }
    byOrdinal.set(o, list);
  }
  return { byOrdinal, unknown };
}

/** A transfer's requested subjects: their sorted distinct keys and the set's blocks. */
export interface RequestedSet {
  readonly keys: Uint8Array;
  readonly blocks: SubjectSetBlocks;
}

/** The requested set of records that are all identified, by `keys` (n × 32 bytes). */
export function requestedSetOf(keys: Uint8Array): RequestedSet {
  const sorted = distinctKeys(keys, keys.length / KEY, () => true);
  return { keys: sorted, blocks: subjectSetBlocks(sorted) };
}

/** The ArrayBuffers of a requested set, to move it between threads. */
export function requestedSetBuffers(s: RequestedSet): ArrayBuffer[] {
  const arrays = [s.keys, s.blocks.root, ...s.blocks.blocks.flatMap((b) => [b.keys, b.groups, b.path])];
  return [...new Set(arrays.map((a) => a.buffer as ArrayBuffer))];
}

/**
 * The requested subjects' sorted keys and set blocks, kept from one commit for the next over the
 * same records: the reference case commits T1 and its 2026 repeat over the same million people.
 * A commit reuses them only when a digest of the records' keys and identification says they are
 * the same records, whoever passes the memo.
 */
export class RequestedSetMemo {
  #digest = '';
  #kept: RequestedSet | null = null;

  /** The digest of `n` records' keys and identification mask (1 where a record has no key). */
  static digest(keys: Uint8Array, unidentifiedMask: Uint8Array, n: number): string {
    const h = createHash('sha256').update(String(n));
    return h.update(keys.subarray(0, n * KEY)).update(unidentifiedMask.subarray(0, n)).digest('hex');
  }

  static digestOf(result: CheckResult): string {
    return RequestedSetMemo.digest(result.keys, result.unidentifiedMask, result.decision.requested);
  }

  get(digest: string): RequestedSet | null {
    return digest === this.#digest ? this.#kept : null;
  }

  set(digest: string, keys: Uint8Array, blocks: SubjectSetBlocks): void {
    this.#digest = digest;
    this.#kept = { keys, blocks };
  }
}

export async function commitTransfer(store: Store, result: CheckResult, decidedAt: number, memo?: RequestedSetMemo): Promise<{ transfer: StoredTransfer; created: boolean }> {
  const d = result.decision;
  const digest = memo === undefined ? '' : RequestedSetMemo.digestOf(result);
  const known = memo?.get(digest) ?? null;
  const sets = subjectSets(result, known?.keys);
  // One pass of hashing per set gives its root and the blocks its proofs are read from.
  const kept = { requested: known?.blocks ?? subjectSetBlocks(sets.keys), allowed: subjectSetBlocks(sets.allowedKeys) };
  if (memo !== undefined && known === null) memo.set(digest, sets.keys, kept.requested);
  const subjects = { count: kept.requested.size, root: hex(kept.requested.root) };
  const allowedSubjects = { count: kept.allowed.size, root: hex(kept.allowed.root) };
  // The same request over the same people under the same pack is the same transfer.
  const id = `tr-${createHash('sha256').update(canonicalJson({ request: d.request, pack: d.pack, subjects: subjects.root })).digest('hex').slice(0, 20)}`;
  const t: CommittedTransfer = {
    id,
    decidedAt,
    request: d.request,
    pack: d.pack,
    requested: d.requested,
    allowed: d.allowed,
    refused: d.refused,
    reasons: d.reasons,
    warnings: d.warnings,
    findings: d.findings.map((f) => ({ rule: f.rule, code: f.code, level: f.level, affected: f.affected })),
    fields: { sent: [...d.fields.sent], stripped: [...d.fields.stripped] },
    subjects,
    allowedSubjects,
  };
  const recorded = await store.recordTransfer(t, { keys: sets.keys, allowed: sets.allowed, reasons: refusalReasons(result) });
  // After the transfer's own transaction: a crash in between leaves sets that the first proof
  // rebuilds and keeps (committing the same transfer again keeps them too).
  await keepTransferSubjectSets(store, kept);
  return recorded;
}
