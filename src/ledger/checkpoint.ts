/**
 * Signed tree heads as C2SP "checkpoint" signed notes (c2sp.org/tlog-checkpoint,
 * c2sp.org/signed-note), so any tool of the transparency-log ecosystem can read them:
 *
 *   <origin>\n<tree size>\n<base64 root hash>\n[extension lines]
 *   \n
 *   — <key name> <base64(4-byte key id || Ed25519 signature over the body)>\n
 *
 * Witnesses add cosignature/v1 lines (c2sp.org/tlog-cosignature): the signature covers
 * "cosignature/v1\ntime <seconds>\n" + body and is encoded as key id || u64 time || signature.
 */
import { sign, verify } from 'node:crypto';
import { HASH_SIZE, equalHashes } from './merkle.ts';
import {
  SIG_TYPE_COSIGNATURE_V1,
  SIG_TYPE_ED25519,
  keyId,
  type SigningKey,
  type VerifierKey,
} from './signing-key.ts';

export interface Checkpoint {
  /** Unique name of the log, e.g. "consentry.example/ledger". */
  readonly origin: string;
  readonly size: number;
  readonly root: Uint8Array;
  readonly extensions: readonly string[];
}

export interface NoteSignature {
  readonly name: string;
  readonly keyId: Uint8Array;
  /** Bytes after the key id (the signature, or time || signature for cosignatures). */
  readonly payload: Uint8Array;
  readonly line: string;
}

export interface SignedNote {
  readonly body: string;
  readonly signatures: readonly NoteSignature[];
}

const DASH = '\u2014';
const encoder = new TextEncoder();

export function checkpointBody(cp: Checkpoint): string {
  if (cp.origin.length === 0 || cp.origin.includes('\n')) throw new RangeError('checkpoint origin must be one non-empty line');
  if (!Number.isSafeInteger(cp.size) || cp.size < 0) throw new RangeError(`tree size ${cp.size} is not a count`);
  if (cp.root.length !== HASH_SIZE) throw new RangeError('root hash must be 32 bytes');
  for (const e of cp.extensions) if (e.length === 0 || e.includes('\n')) throw new RangeError('extension lines must be non-empty single lines');
  return [cp.origin, String(cp.size), Buffer.from(cp.root).toString('base64'), ...cp.extensions].join('\n') + '\n';
}

export function parseCheckpointBody(body: string): Checkpoint {
  if (!body.endsWith('\n')) throw new SyntaxError('checkpoint body must end with a newline');
  const lines = body.slice(0, -1).split('\n');
  if (lines.length < 3) throw new SyntaxError('checkpoint needs origin, size and root lines');
  const [origin, sizeText, rootText, ...extensions] = lines;
  if (origin.length === 0) throw new SyntaxError('checkpoint origin is empty');
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText))) throw new SyntaxError(`checkpoint size "${sizeText}" is not a decimal count`);
  const root = new Uint8Array(Buffer.from(rootText, 'base64'));
  if (root.length !== HASH_SIZE || Buffer.from(root).toString('base64') !== rootText) throw new SyntaxError('checkpoint root is not a base64 32-byte hash');
  if (extensions.some((e) => e.length === 0)) throw new SyntaxError('checkpoint has an empty extension line');
  return { origin, size: Number(sizeText), root, extensions };
}

export function parseSignedNote(text: string): SignedNote {
  const split = text.lastIndexOf('\n\n');
  if (split < 0 || !text.endsWith('\n')) throw new SyntaxError('signed note needs a body, a blank line and signature lines');
  const body = text.slice(0, split + 1);
  const signatures = text
    .slice(split + 2, -1)
    .split('\n')
    .map((line): NoteSignature => {
      const m = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/u.exec(line);
      if (m === null) throw new SyntaxError(`malformed signature line: ${line}`);
      const bytes = new Uint8Array(Buffer.from(m[2], 'base64'));
      if (bytes.length < 5) throw new SyntaxError(`signature line too short: ${line}`);
      return { name: m[1], keyId: bytes.subarray(0, 4), payload: bytes.subarray(4), line };
    });
  if (signatures.length === 0) throw new SyntaxError('signed note has no signature');
  return { body, signatures };
}

function signatureLine(name: string, id: Uint8Array, payload: Uint8Array): string {
  const bytes = new Uint8Array(4 + payload.length);
  bytes.set(id);
  bytes.set(payload, 4);
  return `${DASH} ${name} ${Buffer.from(bytes).toString('base64')}`;
}

/** Signs any note text (non-empty, newline-terminated) with an Ed25519 key. */
export function signNote(text: string, key: SigningKey): string {
  if (text.length === 0 || !text.endsWith('\n') || text.includes('\n\n')) throw new RangeError('note text must be non-empty lines ending in a newline');
  const sig = new Uint8Array(sign(null, encoder.encode(text), key.privateKey));
  return `${text}\n${signatureLine(key.name, keyId(key.name, SIG_TYPE_ED25519, key.publicRaw), sig)}\n`;
}

/** Signs a checkpoint with the log key; returns the signed note text. */
export function signCheckpoint(cp: Checkpoint, key: SigningKey): string {
  return signNote(checkpointBody(cp), key);
}

export type NoteResult = { readonly ok: true; readonly body: string } | { readonly ok: false; readonly error: string };

/** Verifies the Ed25519 (type 0x01) signature of `key` on a signed note. */
export function verifyNote(text: string, key: VerifierKey): NoteResult {
  let note: SignedNote;
  try {
    note = parseSignedNote(text);
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
  const expected = keyId(key.name, SIG_TYPE_ED25519, key.publicRaw);
  const sig = note.signatures.find((s) => s.name === key.name && equalHashes(s.keyId, expected));
  if (sig === undefined) return { ok: false, error: `no signature by ${key.name}` };
  if (sig.payload.length !== 64 || !verify(null, encoder.encode(note.body), key.publicKey, sig.payload)) {
    return { ok: false, error: `bad signature by ${key.name}` };
  }
  return { ok: true, body: note.body };
}

function cosignedMessage(body: string, time: bigint): Uint8Array {
  return encoder.encode(`cosignature/v1\ntime ${time}\n${body}`);
}

/** The cosignature line a witness adds to `note` at `timeSeconds`. */
export function cosignatureLine(note: string, witness: SigningKey, timeSeconds = Math.floor(Date.now() / 1000)): string {
  const { body } = parseSignedNote(note);
  const time = BigInt(timeSeconds);
  const sig = sign(null, cosignedMessage(body, time), witness.privateKey);
  const payload = new Uint8Array(8 + 64);
  new DataView(payload.buffer).setBigUint64(0, time);
  payload.set(sig, 8);
  return signatureLine(witness.name, keyId(witness.name, SIG_TYPE_COSIGNATURE_V1, witness.publicRaw), payload);
}

/** The note with a witness's cosignature appended. */
export function cosign(note: string, witness: SigningKey, timeSeconds?: number): string {
  return `${note}${cosignatureLine(note, witness, timeSeconds)}\n`;
}

export type CheckpointResult =
  | { readonly ok: true; readonly checkpoint: Checkpoint }
  | { readonly ok: false; readonly error: string };

/** Verifies the log's signature on a checkpoint note and parses it. */
export function verifyCheckpoint(text: string, logKey: VerifierKey): CheckpointResult {
  const signed = verifyNote(text, logKey);
  if (!signed.ok) return signed;
  try {
    return { ok: true, checkpoint: parseCheckpointBody(signed.body) };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}

export type CosignatureResult =
  | { readonly ok: true; readonly timeSeconds: number }
  | { readonly ok: false; readonly error: string };

/** Verifies a witness's cosignature/v1 line on a checkpoint note. */
export function verifyCosignature(text: string, witnessKey: VerifierKey): CosignatureResult {
  let note: SignedNote;
  try {
    note = parseSignedNote(text);
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
  const id = keyId(witnessKey.name, SIG_TYPE_COSIGNATURE_V1, witnessKey.publicRaw);
  const sig = note.signatures.find((s) => s.name === witnessKey.name && equalHashes(s.keyId, id));
  if (sig === undefined) return { ok: false, error: `no cosignature by ${witnessKey.name}` };
  if (sig.payload.length !== 72) return { ok: false, error: `malformed cosignature by ${witnessKey.name}` };
  const time = new DataView(sig.payload.buffer, sig.payload.byteOffset, 8).getBigUint64(0);
  if (!verify(null, cosignedMessage(note.body, time), witnessKey.publicKey, sig.payload.subarray(8))) {
    return { ok: false, error: `bad cosignature by ${witnessKey.name}` };
  }
  return { ok: true, timeSeconds: Number(time) };
}
