/**
 * A person's proof about one committed transfer: the transfer's ledger leaf with its inclusion
 * proof under a signed tree head, and the person's key proven in (or absent from) the
 * transfer's subject set and its allowed set. It reveals no other person's key.
 */
import { buildInclusionProof, verifyInclusionProof, type InclusionProofJson } from '../ledger/inclusion-proof.ts';
import {
  SubjectCommitment,
  verifySubjectInclusion,
  verifySubjectNonInclusion,
  type SubjectInclusionProof,
  type SubjectNonInclusionProof,
} from '../ledger/subject-commitment.ts';
import type { VerifierKey } from '../ledger/signing-key.ts';
import type { Store } from '../store/store.ts';

export const TRANSFER_PROOF_FORMAT = 'consentry-transfer-subject-proof';

type SetProof = { readonly included: true; readonly proof: SubjectInclusionProof } | { readonly included: false; readonly proof: SubjectNonInclusionProof };

export interface TransferSubjectProof {
  readonly format: typeof TRANSFER_PROOF_FORMAT;
  readonly version: 1;
  readonly transfer: string;
  /** The transfer-decision leaf and its inclusion in the log. */
  readonly leaf: InclusionProofJson;
  /** Against the leaf's `subjects.root`: was this person's record in the request? */
  readonly requested: SetProof;
  /** Against the leaf's `allowedSubjects.root`: was it allowed to go? */
  readonly allowed: SetProof;
}

function setProof(c: SubjectCommitment, key: Uint8Array): SetProof {
  const inc = c.inclusionProof(key);
  return inc ? { included: true, proof: inc } : { included: false, proof: c.nonInclusionProof(key)! };
}

export async function buildTransferProof(store: Store, transferId: string, key: Uint8Array): Promise<TransferSubjectProof | null> {
  const t = await store.getTransfer(transferId);
  if (!t) return null;
  const { keys, allowed } = await store.transferSubjects(transferId);
  const n = allowed.length;
  const allowedKeys = new Uint8Array(n * 32);
  let m = 0;
  for (let i = 0; i < n; i++) if (allowed[i]) allowedKeys.set(keys.subarray(i * 32, (i + 1) * 32), m++ * 32);
  const leaf = await buildInclusionProof(store.ledger, t.leaf);
  return {
    format: TRANSFER_PROOF_FORMAT,
    version: 1,
    transfer: t.id,
    leaf,
    requested: setProof(SubjectCommitment.fromKeys(keys), key),
    allowed: setProof(SubjectCommitment.fromKeys(allowedKeys.subarray(0, m * 32)), key),
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
  const check = (s: SetProof, rootHex: string | undefined): boolean => {
    if (typeof rootHex !== 'string') return false;
    const root = new Uint8Array(Buffer.from(rootHex, 'hex'));
    return s.included ? verifySubjectInclusion(s.proof, root) : verifySubjectNonInclusion(s.proof, root);
  };
  if (!check(p.requested, entry.subjects?.root)) return { ok: false, signed: leaf.checked.signature, error: 'subject proof does not match the transfer’s subject root' };
  if (!check(p.allowed, entry.allowedSubjects?.root)) return { ok: false, signed: leaf.checked.signature, error: 'subject proof does not match the transfer’s allowed root' };
  if (p.requested.proof.key !== p.allowed.proof.key) return { ok: false, signed: leaf.checked.signature, error: 'the two subject proofs are for different keys' };
  return { ok: true, signed: leaf.checked.signature, requested: p.requested.included, allowed: p.allowed.included };
}
