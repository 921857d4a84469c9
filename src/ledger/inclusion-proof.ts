/**
 * A standalone inclusion proof: everything needed to show that one entry is in the ledger,
 * checkable offline with the log's public key (format in docs/ledger.md). It always carries
 * the signed tree head it refers to, so a proof cannot float free of a log commitment.
 */
import { parseCheckpointBody, parseSignedNote, verifyCheckpoint, verifyCosignature } from './checkpoint.ts';
import type { LedgerStorage, TreeHead } from './ledger-storage.ts';
import { equalHashes, leafHash, verifyInclusion } from './merkle.ts';
import { parseVerifierKey, type VerifierKey } from './signing-key.ts';

export const PROOF_FORMAT = 'consentry-inclusion-proof';

export interface InclusionProofJson {
  readonly format: typeof PROOF_FORMAT;
  readonly version: 1;
  readonly index: number;
  readonly treeSize: number;
  /** Leaf hash, lowercase hex. */
  readonly leafHash: string;
  /** The leaf data (canonical JSON of the entry) as text; optional when only the hash is shown. */
  readonly entry?: string;
  /** Audit path, lowercase hex, from the leaf upwards. */
  readonly path: readonly string[];
  /** The signed checkpoint note of size `treeSize`, with any cosignatures. */
  readonly checkpoint: string;
}

export interface ProofCheck {
  readonly ok: boolean;
  readonly checked: { readonly entry: boolean; readonly path: boolean; readonly signature: boolean; readonly cosignatures: number };
  readonly error?: string;
}

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

/**
 * Builds the proof of leaf `index` against `head` (default: the earliest signed tree head
 * that covers the leaf, so the proof exists as soon as possible and stays stable).
 */
export async function buildInclusionProof(
  storage: LedgerStorage,
  index: number,
  options: { readonly head?: TreeHead; readonly withEntry?: boolean } = {},
): Promise<InclusionProofJson> {
  const head = options.head ?? (await storage.treeHeads()).filter((h) => h.size > index).sort((a, b) => a.size - b.size)[0];
  if (head === undefined) throw new RangeError(`no signed tree head covers leaf ${index} yet`);
  if (index >= head.size) throw new RangeError(`tree head of size ${head.size} does not cover leaf ${index}`);
  const leaf = await storage.leaf(index);
  const path = await storage.inclusionProof(index, head.size);
  const base = { format: PROOF_FORMAT, version: 1, index, treeSize: head.size, leafHash: hex(leaf.hash), path: path.map(hex), checkpoint: head.note } as const;
  return options.withEntry === false ? base : { ...base, entry: Buffer.from(leaf.data).toString('utf8') };
}

function fromHex(s: unknown): Uint8Array | null {
  return typeof s === 'string' && /^[0-9a-f]{64}$/.test(s) ? new Uint8Array(Buffer.from(s, 'hex')) : null;
}

/**
 * Checks a standalone proof (object or JSON text). Without a public key only the Merkle part
 * can be checked, and the result says the signature was not.
 */
export function verifyInclusionProof(
  proof: unknown,
  publicKey?: string | VerifierKey,
  options: { readonly witnesses?: readonly (string | VerifierKey)[] } = {},
): ProofCheck {
  const checked = { entry: false, path: false, signature: false, cosignatures: 0 };
  const fail = (error: string): ProofCheck => ({ ok: false, checked: { ...checked }, error });
  let p: Partial<InclusionProofJson>;
  try {
    p = (typeof proof === 'string' ? JSON.parse(proof) : proof) as Partial<InclusionProofJson>;
  } catch {
    return fail('proof is not JSON');
  }
  if (typeof p !== 'object' || p === null || p.format !== PROOF_FORMAT || p.version !== 1) return fail(`not a ${PROOF_FORMAT} version 1 object`);
  const hash = fromHex(p.leafHash);
  const path = Array.isArray(p.path) ? p.path.map(fromHex) : [null];
  if (hash === null || path.some((x) => x === null) || !Number.isSafeInteger(p.index) || !Number.isSafeInteger(p.treeSize) || typeof p.checkpoint !== 'string') {
    return fail('proof needs index, treeSize, leafHash, path and checkpoint');
  }
  if (p.entry !== undefined) {
    if (typeof p.entry !== 'string' || !equalHashes(leafHash(new TextEncoder().encode(p.entry)), hash)) return fail('entry does not match the leaf hash');
    checked.entry = true;
  }
  const key = publicKey === undefined ? null : typeof publicKey === 'string' ? parseVerifierKey(publicKey) : publicKey;
  let root: Uint8Array;
  if (key !== null) {
    const sig = verifyCheckpoint(p.checkpoint, key);
    if (!sig.ok) return fail(`checkpoint: ${sig.error}`);
    checked.signature = true;
    if (sig.checkpoint.size !== p.treeSize) return fail(`checkpoint is for size ${sig.checkpoint.size}, proof for ${p.treeSize}`);
    root = sig.checkpoint.root;
    for (const w of options.witnesses ?? []) {
      const c = verifyCosignature(p.checkpoint, typeof w === 'string' ? parseVerifierKey(w) : w);
      if (!c.ok) return fail(`checkpoint: ${c.error}`);
      checked.cosignatures++;
    }
  } else {
    try {
      const cp = parseCheckpointBody(parseSignedNote(p.checkpoint).body);
      if (cp.size !== p.treeSize) return fail(`checkpoint is for size ${cp.size}, proof for ${p.treeSize}`);
      root = cp.root;
    } catch (e) {
      return fail(`checkpoint: ${(e as Error).message}`);
    }
  }
  if (!verifyInclusion(hash, p.index as number, p.treeSize as number, path as Uint8Array[], root)) return fail('audit path does not lead to the signed root');
  checked.path = true;
  return { ok: true, checked };
}
