/**
 * Evidence packs: a folder a regulator can hand on, with the findings, the ledger leaves they
 * rest on (each with an inclusion proof to one signed tree head), the signed tree heads, the
 * notices' texts and a README. `consentry ledger verify PACK` checks it with nothing but the
 * folder and the log's public key: every proof and signature, that every finding's evidence
 * leaf is proven and says what the finding claims, and that every notice text hashes to the
 * notice the ledger recorded.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { noticeHash } from '../domain/notice.ts';
import type { Notice } from '../domain/types.ts';
import { UserError } from '../errors.ts';
import { buildInclusionProof, verifyInclusionProof, type InclusionProofJson } from '../ledger/inclusion-proof.ts';
import type { LedgerStorage, TreeHead } from '../ledger/ledger-storage.ts';
import type { Store } from '../store/store.ts';
import { auditJson, type AuditResult } from './findings.ts';

export const PACK_FORMAT = 'consentry-evidence-pack';
export const PACK_MANIFEST = 'manifest.json';

interface Manifest {
  readonly format: typeof PACK_FORMAT;
  readonly version: 1;
  readonly generatedAt: string;
  readonly origin: string;
  readonly publicKey: string;
  readonly treeSize: number;
  readonly checkpoint: string;
  readonly proofs: readonly { readonly leaf: number; readonly file: string }[];
  readonly notices: readonly { readonly controller: string; readonly id: string; readonly hash: string; readonly file: string; readonly text: string; readonly leaf: number | null }[];
  /** SHA-256 of every other file, to catch damage in transit (the proofs carry the trust). */
  readonly files: Readonly<Record<string, string>>;
}

const sha256 = (b: string | Uint8Array): string => createHash('sha256').update(b).digest('hex');
const safe = (s: string): string => s.replace(/[^A-Za-z0-9._-]/g, '_');

/** Leaves of notice-published entries for these notice hashes: a scan from the start that stops when all are found. */
async function noticeLeaves(ledger: LedgerStorage, hashes: ReadonlySet<string>, size: number): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  if (hashes.size === 0) return found;
  for await (const batch of ledger.leaves(0, size, 4096)) {
    for (const leaf of batch) {
      const text = Buffer.from(leaf.data.buffer, leaf.data.byteOffset, leaf.data.byteLength).toString('utf8');
      if (!text.includes('"kind":"notice-published"')) continue;
      const e = JSON.parse(text) as { hash?: string };
      if (e.hash !== undefined && hashes.has(e.hash)) found.set(e.hash, leaf.index);
    }
    if (found.size === hashes.size) break;
  }
  return found;
}

export interface PackSummary {
  readonly dir: string;
  readonly findings: number;
  readonly proofs: number;
  readonly notices: number;
  readonly treeSize: number;
}

/** Writes the pack into `dir` (must not exist; written beside it and renamed into place). */
export async function writeEvidencePack(store: Store, audit: AuditResult, dir: string, opts: { readonly publicKey: string; readonly head: TreeHead }): Promise<PackSummary> {
  if (existsSync(dir)) throw new UserError('exists', `${dir} already exists`, [{ where: dir, message: 'choose a new folder for the evidence pack' }]);
  const head = opts.head;
  const orgs = new Set(audit.findings.flatMap((f) => f.organisations));
  const notices: Notice[] = (await store.listNotices()).filter((x) => orgs.has(x.controller));
  const noticeLeaf = await noticeLeaves(store.ledger, new Set(notices.map((x) => x.hash)), head.size);
  const leaves = new Set<number>();
  for (const f of audit.findings) for (const ev of f.evidence) if (ev.leaf < head.size) leaves.add(ev.leaf);
  for (const l of noticeLeaf.values()) leaves.add(l);

  const tmp = `${dir}.partial-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(join(tmp, 'proofs'), { recursive: true });
  mkdirSync(join(tmp, 'notices'));
  const files: Record<string, string> = {};
  const put = (rel: string, content: string): void => {
    writeFileSync(join(tmp, rel), content);
    files[rel] = sha256(content);
  };
  try {
    put('findings.json', `${JSON.stringify(auditJson(audit), null, 2)}\n`);
    const heads = (await store.ledger.treeHeads()).filter((h) => h.size <= head.size);
    put('tree-heads.json', `${JSON.stringify(heads.map((h) => ({ id: h.id, size: h.size, at: new Date(h.at).toISOString(), checkpoint: h.note })), null, 2)}\n`);
    const proofs: { leaf: number; file: string }[] = [];
    for (const leaf of [...leaves].sort((a, b) => a - b)) {
      const file = `proofs/leaf-${leaf}.json`;
      writeFileSync(join(tmp, file), `${JSON.stringify(await buildInclusionProof(store.ledger, leaf, { head }), null, 2)}\n`);
      proofs.push({ leaf, file });
    }
    const noticeRows = notices.map((x) => {
      const base = `notices/${safe(x.controller)}--${safe(x.id)}`;
      put(`${base}.json`, `${JSON.stringify(x, null, 2)}\n`);
      put(`${base}.txt`, `${x.text}\n`);
      return { controller: x.controller, id: x.id, hash: x.hash, file: `${base}.json`, text: `${base}.txt`, leaf: noticeLeaf.get(x.hash) ?? null };
    });
    put('README.md', readme(audit, head, proofs.length, noticeRows.length));
    const manifest: Manifest = {
      format: PACK_FORMAT,
      version: 1,
      generatedAt: new Date(audit.generatedAt).toISOString(),
      origin: store.ledger.origin,
      publicKey: opts.publicKey.trim(),
      treeSize: head.size,
      checkpoint: head.note,
      proofs,
      notices: noticeRows,
      files,
    };
    writeFileSync(join(tmp, PACK_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    renameSync(tmp, dir);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  return { dir, findings: audit.findings.length, proofs: leaves.size, notices: notices.length, treeSize: head.size };
}

function readme(audit: AuditResult, head: TreeHead, proofs: number, notices: number): string {
  return `# Evidence pack

Generated ${new Date(audit.generatedAt).toISOString()} from a ledger of ${head.size} leaves (signed tree head #${head.id}).

- \`findings.json\`: ${audit.findings.length} findings, each with its rule, legal citation, organisations,
  affected people, first and last time, and the ledger leaves it rests on.
- \`proofs/leaf-N.json\`: ${proofs} inclusion proofs, each carrying the leaf's entry and the signed
  checkpoint of size ${head.size} (RFC 9162 hashing, Ed25519 signature, C2SP checkpoint format).
- \`tree-heads.json\`: every signed tree head up to that size.
- \`notices/\`: the ${notices} notices of the organisations named, as published (JSON, whose
  SHA-256 over its canonical form is the hash the ledger recorded) and their text.
- \`manifest.json\`: what is where, the log's public key and each file's SHA-256.

Check it offline, trusting a public key you obtained separately:

    consentry ledger verify THIS-FOLDER --public-key ledger-signing.vkey

It checks every proof against the signed checkpoint, that every finding's evidence leaf is proven
and names what the finding says, and that every notice text hashes to the notice in the ledger.
`;
}

export interface PackCheck {
  readonly ok: boolean;
  readonly trustedKey: boolean;
  readonly checked: { readonly proofs: number; readonly findings: number; readonly notices: number; readonly files: number };
  readonly error?: string;
}

export function isEvidencePack(path: string): boolean {
  return existsSync(join(path, PACK_MANIFEST));
}

/** Verifies a pack folder offline. Stops at the first problem and names it. */
export function verifyEvidencePack(dir: string, publicKey?: string): PackCheck {
  const checked = { proofs: 0, findings: 0, notices: 0, files: 0 };
  const trustedKey = publicKey !== undefined;
  const fail = (error: string): PackCheck => ({ ok: false, trustedKey, checked: { ...checked }, error });
  let m: Manifest;
  try {
    m = JSON.parse(readFileSync(join(dir, PACK_MANIFEST), 'utf8')) as Manifest;
  } catch (err) {
    return fail(`${PACK_MANIFEST}: ${(err as Error).message}`);
  }
  if (m.format !== PACK_FORMAT || m.version !== 1) return fail(`${PACK_MANIFEST}: not a ${PACK_FORMAT} version 1`);
  const read = (rel: string): string | null => {
    try {
      return readFileSync(join(dir, rel), 'utf8');
    } catch {
      return null;
    }
  };
  for (const [rel, digest] of Object.entries(m.files ?? {})) {
    const text = read(rel);
    if (text === null) return fail(`${rel}: missing`);
    if (sha256(text) !== digest) return fail(`${rel}: changed since the pack was written (SHA-256 differs from the manifest)`);
    checked.files++;
  }
  const key = publicKey ?? m.publicKey;
  const entries = new Map<number, Record<string, unknown>>();
  const listed = new Set((m.proofs ?? []).map((p) => p.file));
  for (const f of readdirSync(join(dir, 'proofs'))) if (!listed.has(`proofs/${f}`)) return fail(`proofs/${f}: not listed in the manifest`);
  for (const p of m.proofs ?? []) {
    const text = read(p.file);
    if (text === null) return fail(`${p.file}: missing`);
    let proof: InclusionProofJson;
    try {
      proof = JSON.parse(text) as InclusionProofJson;
    } catch {
      return fail(`${p.file}: not JSON`);
    }
    if (proof.index !== p.leaf) return fail(`${p.file}: proves leaf ${proof.index}, not ${p.leaf}`);
    if (proof.checkpoint !== m.checkpoint) return fail(`${p.file}: not against the pack's signed tree head`);
    const r = verifyInclusionProof(proof, key);
    if (!r.ok) return fail(`${p.file} (leaf ${p.leaf}): ${r.error}`);
    if (proof.entry === undefined) return fail(`${p.file}: carries no entry`);
    entries.set(p.leaf, JSON.parse(proof.entry) as Record<string, unknown>);
    checked.proofs++;
  }
  const findingsText = read('findings.json');
  if (findingsText === null) return fail('findings.json: missing');
  const audit = JSON.parse(findingsText) as { findings: { id: string; evidence: { leaf: number; kind: string; ref: string }[] }[] };
  for (const f of audit.findings) {
    for (const ev of f.evidence) {
      const entry = entries.get(ev.leaf);
      if (entry === undefined) return fail(`finding ${f.id}: evidence leaf ${ev.leaf} has no proof in the pack`);
      if (entry.kind !== ev.kind) return fail(`finding ${f.id}: leaf ${ev.leaf} is a ${String(entry.kind)} entry, not ${ev.kind}`);
      if (!Object.values(entry).includes(ev.ref)) return fail(`finding ${f.id}: leaf ${ev.leaf} does not name ${ev.ref}`);
    }
    checked.findings++;
  }
  for (const x of m.notices ?? []) {
    const text = read(x.file);
    const plain = read(x.text);
    if (text === null || plain === null) return fail(`${x.file}: missing`);
    const { hash, ...body } = JSON.parse(text) as Notice;
    if (noticeHash(body) !== hash || hash !== x.hash) return fail(`${x.file}: the notice does not hash to ${x.hash}`);
    if (plain !== `${body.text}\n`) return fail(`${x.text}: the text differs from the notice`);
    if (x.leaf !== null) {
      const entry = entries.get(x.leaf);
      if (entry?.kind !== 'notice-published' || entry.hash !== hash) return fail(`${x.file}: leaf ${x.leaf} does not record this notice`);
    }
    checked.notices++;
  }
  return { ok: true, trustedKey, checked };
}
