/**
 * A person's proof about one committed transfer: the transfer's ledger leaf with its inclusion
 * proof under a signed tree head, and the person's key proven in (or absent from) the
 * transfer's subject set and its allowed set. It reveals no other person's key.
 *
 * Both sets are kept in blocks when the transfer is committed (subject-set-blocks.ts), so a
 * proof reads one or two blocks per set. A set is kept under its root: transfers over the same
 * people (a repeat of last year's transfer under a new notice) share one copy. A transfer
 * committed before its sets were kept has them rebuilt from its subjects once, and kept from
 * then on.
 */
import { buildInclusionProof, verifyInclusionProof, type InclusionProofJson } from '../ledger/inclusion-proof.ts';
import type { LedgerStorage, TreeHead } from '../ledger/ledger-storage.ts';
import { sortSubjectKeys, verifySubjectInclusion, verifySubjectNonInclusion } from '../ledger/subject-commitment.ts';
import { memoryBlockReader, proveFromBlocks, subjectSetBlocks, type SubjectBlockReader, type SubjectSetBlocks, type SubjectSetProof } from '../ledger/subject-set-blocks.ts';
import type { VerifierKey } from '../ledger/signing-key.ts';
import type { Store, StoredTransfer } from '../store/store.ts';

export const TRANSFER_PROOF_FORMAT = 'consentry-transfer-subject-proof';

export interface TransferSubjectProof {
  readonly format: typeof TRANSFER_PROOF_FORMAT;
  readonly version: 1;
  readonly transfer: string;
  /** The transfer-decision leaf and its inclusion in the log. */
  readonly leaf: InclusionProofJson;
  /** Against the leaf's `subjects.root`: was this person's record in the request? */
  readonly requested: SubjectSetProof;
  /** Against the leaf's `allowedSubjects.root`: was it allowed to go? */
  readonly allowed: SubjectSetProof;
}

export type TransferSubjectSet = 'requested' | 'allowed';

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

/** The id a subject set is kept under in the store: its root, which commits to its keys. */
export function subjectSetId(root: string): string {
  return `set/${root}`;
}

/** The id a transfer's subject set was kept under before sets were kept by root (still read). */
export function transferSubjectSetId(transfer: string, set: TransferSubjectSet): string {
  return `transfer/${transfer}/${set}`;
}

/** Keeps both subject sets of a committed transfer for later proofs (a no-op for a set kept already). */
export async function keepTransferSubjectSets(store: Store, sets: { readonly requested: SubjectSetBlocks; readonly allowed: SubjectSetBlocks }): Promise<void> {
  await store.putSubjectSet(subjectSetId(hex(sets.requested.root)), sets.requested);
  await store.putSubjectSet(subjectSetId(hex(sets.allowed.root)), sets.allowed);
}

/**
 * Rebuilds both sets from the transfer's subjects (a transfer committed before sets were kept)
 * and keeps them when they match the committed roots.
 */
async function rebuildSets(store: Store, t: StoredTransfer): Promise<{ requested: SubjectSetBlocks; allowed: SubjectSetBlocks }> {
  const { keys, allowed } = await store.transferSubjects(t.id);
  const n = allowed.length;
  const allowedKeys = new Uint8Array(n * 32);
  let m = 0;
  for (let i = 0; i < n; i++) if (allowed[i]) allowedKeys.set(keys.subarray(i * 32, (i + 1) * 32), m++ * 32);
  const sets = { requested: subjectSetBlocks(sortSubjectKeys(keys)), allowed: subjectSetBlocks(sortSubjectKeys(allowedKeys.subarray(0, m * 32))) };
  if (hex(sets.requested.root) === t.subjects.root && hex(sets.allowed.root) === t.allowedSubjects.root) {
    // Best effort: a store opened read-only still answers, it only rebuilds again next time.
    await keepTransferSubjectSets(store, sets).catch(() => undefined);
  }
  return sets;
}

/**
 * Every person in a transfer gets the same proof of its leaf: kept per log for up to 4,096
 * transfers, and used while its tree head is the same, with the same cosignatures.
 */
const leafProofs = new WeakMap<LedgerStorage, Map<number, InclusionProofJson>>();
const LEAF_PROOFS_KEPT = 4096;

async function transferLeafProof(ledger: LedgerStorage, leaf: number, head: TreeHead | undefined): Promise<InclusionProofJson> {
  if (head === undefined) return buildInclusionProof(ledger, leaf);
  let kept = leafProofs.get(ledger);
  if (kept === undefined) leafProofs.set(ledger, (kept = new Map()));
  const hit = kept.get(leaf);
  if (hit !== undefined && hit.treeSize === head.size && hit.checkpoint === head.note) return hit;
  const proof = await buildInclusionProof(ledger, leaf, { head });
  if (kept.size >= LEAF_PROOFS_KEPT) kept.delete(kept.keys().next().value!);
  kept.set(leaf, proof);
  return proof;
}

/** Rebuilds run one after another: each holds a whole transfer's keys and hashes in memory. */
let rebuilds: Promise<unknown> = Promise.resolve();
function oneRebuildAtATime<T>(fn: () => Promise<T>): Promise<T> {
  const run = rebuilds.then(fn, fn);
  rebuilds = run.catch(() => undefined);
  return run;
}

export interface TransferProofContext {
  /** The transfer, when the caller has read it already. */
  readonly transfer?: StoredTransfer;
  /** The tree head to prove the transfer's leaf under, when the caller has chosen it. */
  readonly head?: TreeHead;
}

export async function buildTransferProof(store: Store, transferId: string, key: Uint8Array, context: TransferProofContext = {}): Promise<TransferSubjectProof | null> {
  const t = context.transfer ?? (await store.getTransfer(transferId));
  if (!t) return null;
  const roots = { requested: t.subjects.root, allowed: t.allowedSubjects.root };
  const kept = (set: TransferSubjectSet): SubjectBlockReader => (k, side) => store.subjectSetBlock(subjectSetId(roots[set]), k, side);
  const keptBefore = (set: TransferSubjectSet): SubjectBlockReader => (k, side) => store.subjectSetBlock(transferSubjectSetId(t.id, set), k, side);
  // Independent reads: concurrent, for a database across a network.
  const [leaf, keptRequested, keptAllowed] = await Promise.all([transferLeafProof(store.ledger, t.leaf, context.head), proveFromBlocks(kept('requested'), key), proveFromBlocks(kept('allowed'), key)]);
  // Sets a store kept under the transfer's id, before they were kept by root.
  let requested = keptRequested ?? (await proveFromBlocks(keptBefore('requested'), key));
  let allowed = keptAllowed ?? (await proveFromBlocks(keptBefore('allowed'), key));
  if (!requested || !allowed) {
    [requested, allowed] = await oneRebuildAtATime(async (): Promise<[SubjectSetProof, SubjectSetProof]> => {
      // Another request may have rebuilt and kept them while this one waited.
      const again = await Promise.all([proveFromBlocks(kept('requested'), key), proveFromBlocks(kept('allowed'), key)]);
      if (again[0] && again[1]) return [again[0], again[1]];
      const sets = await rebuildSets(store, t);
      return [(await proveFromBlocks(memoryBlockReader(sets.requested), key))!, (await proveFromBlocks(memoryBlockReader(sets.allowed), key))!];
    });
  }
  return {
    format: TRANSFER_PROOF_FORMAT,
    version: 1,
    transfer: t.id,
    leaf,
    requested,
    allowed,
  };
}

export interface TransferProofCheck {
  readonly ok: boolean;
  readonly signed: boolean;
  readonly requested?: boolean;
  readonly allowed?: boolean;
  readonly error?: string;
}

/** Checks the whole proof offline; with the log's public key the tree head signature too. */
export function verifyTransferProof(proof: unknown, publicKey?: string | VerifierKey): TransferProofCheck {
  const p = proof as Partial<TransferSubjectProof>;
  if (typeof p !== 'object' || p === null || p.format !== TRANSFER_PROOF_FORMAT || p.version !== 1 || !p.leaf || !p.requested || !p.allowed) {
    return { ok: false, signed: false, error: `not a ${TRANSFER_PROOF_FORMAT} version 1 object` };
  }
  const leaf = verifyInclusionProof(p.leaf, publicKey);
  if (!leaf.ok) return { ok: false, signed: false, error: `transfer leaf: ${leaf.error}` };
  if (p.leaf.entry === undefined) return { ok: false, signed: leaf.checked.signature, error: 'the proof lacks the transfer entry' };
  const entry = JSON.parse(p.leaf.entry) as { kind?: string; transfer?: string; subjects?: { root?: string }; allowedSubjects?: { root?: string } };
  if (entry.kind !== 'transfer-decision' || entry.transfer !== p.transfer) return { ok: false, signed: leaf.checked.signature, error: 'the leaf is not this transfer’s decision' };
  const check = (s: SubjectSetProof, rootHex: string | undefined): boolean => {
    if (typeof rootHex !== 'string') return false;
    const root = new Uint8Array(Buffer.from(rootHex, 'hex'));
    return s.included ? verifySubjectInclusion(s.proof, root) : verifySubjectNonInclusion(s.proof, root);
  };
  if (!check(p.requested, entry.subjects?.root)) return { ok: false, signed: leaf.checked.signature, error: 'subject proof does not match the transfer’s subject root' };
  if (!check(p.allowed, entry.allowedSubjects?.root)) return { ok: false, signed: leaf.checked.signature, error: 'subject proof does not match the transfer’s allowed root' };
  if (p.requested.proof.key !== p.allowed.proof.key) return { ok: false, signed: leaf.checked.signature, error: 'the two subject proofs are for different keys' };
  return { ok: true, signed: leaf.checked.signature, requested: p.requested.included, allowed: p.allowed.included };
}
