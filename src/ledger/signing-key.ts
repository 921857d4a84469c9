/**
 * Ed25519 keys for signing tree heads (the log) and cosigning them (witnesses), kept as two
 * files in a folder: the private key (PKCS#8 PEM, mode 0600) and the public verifier key as a
 * C2SP signed-note "vkey" line (readable by all, safe to publish).
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256 } from '../crypto/sha256.ts';

export const PRIVATE_KEY_FILE = 'ledger-signing.key';
export const PUBLIC_KEY_FILE = 'ledger-signing.vkey';

/** Signature type bytes of the C2SP signed-note ecosystem. */
export const SIG_TYPE_ED25519 = 0x01;
export const SIG_TYPE_COSIGNATURE_V1 = 0x04;

export interface SigningKey {
  /** Key name, e.g. "consentry.example/ledger"; no spaces or '+'. */
  readonly name: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** The 32-byte Ed25519 public key. */
  readonly publicRaw: Uint8Array;
}

/** A public key as a verifier sees it. */
export interface VerifierKey {
  readonly name: string;
  readonly type: number;
  readonly keyId: Uint8Array;
  readonly publicKey: KeyObject;
  readonly publicRaw: Uint8Array;
}

const NAME_RE = /^[^\s+]+$/u;

export function checkKeyName(name: string): void {
  if (!NAME_RE.test(name)) throw new RangeError(`key name "${name}" must be non-empty without spaces or '+'`);
}

export function rawPublicKey(publicKey: KeyObject): Uint8Array {
  const jwk = publicKey.export({ format: 'jwk' });
  if (jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') throw new TypeError('not an Ed25519 public key');
  return new Uint8Array(Buffer.from(jwk.x, 'base64url'));
}

export function publicKeyFromRaw(raw: Uint8Array): KeyObject {
  if (raw.length !== 32) throw new RangeError('Ed25519 public key must be 32 bytes');
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') }, format: 'jwk' });
}

/** Key ID = SHA-256(name || "\n" || type || public key)[:4] (C2SP signed-note). */
export function keyId(name: string, type: number, publicRaw: Uint8Array): Uint8Array {
  const enc = new TextEncoder().encode(`${name}\n`);
  const msg = new Uint8Array(enc.length + 1 + publicRaw.length);
  msg.set(enc);
  msg[enc.length] = type;
  msg.set(publicRaw, enc.length + 1);
  return sha256(msg).subarray(0, 4);
}

/** Verifier key of a signing key, for the log (type 0x01) or as a witness (type 0x04). */
export function verifierKeyOf(key: SigningKey, type = SIG_TYPE_ED25519): VerifierKey {
  return { name: key.name, type, keyId: keyId(key.name, type, key.publicRaw), publicKey: key.publicKey, publicRaw: key.publicRaw };
}

/** The vkey text: <name>+<hex key id>+<base64(type || public key)>. */
export function encodeVerifierKey(v: VerifierKey): string {
  const body = new Uint8Array(33);
  body[0] = v.type;
  body.set(v.publicRaw, 1);
  return `${v.name}+${Buffer.from(v.keyId).toString('hex')}+${Buffer.from(body).toString('base64')}`;
}

export function parseVerifierKey(text: string): VerifierKey {
  // Split at the first two '+' only: base64 key material may contain '+'.
  const m = /^([^+]+)\+([0-9a-fA-F]{8})\+([A-Za-z0-9+/=]+)$/.exec(text.trim());
  if (m === null) throw new RangeError('verifier key must be <name>+<key id>+<base64 key>');
  const [, name, idHex, b64] = m;
  checkKeyName(name);
  const body = new Uint8Array(Buffer.from(b64, 'base64'));
  if (body.length !== 33 || (body[0] !== SIG_TYPE_ED25519 && body[0] !== SIG_TYPE_COSIGNATURE_V1)) {
    throw new RangeError('verifier key: only Ed25519 (type 0x01) and cosignature/v1 (type 0x04) keys are supported');
  }
  const publicRaw = body.subarray(1);
  const id = keyId(name, body[0], publicRaw);
  if (Buffer.from(id).toString('hex') !== idHex.toLowerCase()) throw new RangeError('verifier key: key id does not match the key');
  return { name, type: body[0], keyId: id, publicKey: publicKeyFromRaw(publicRaw), publicRaw };
}

/** PKCS#8 DER header of an Ed25519 private key; the 32-byte seed follows. */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** A key from its 32-byte Ed25519 seed (e.g. one held in a secrets manager). */
export function signingKeyFromSeed(name: string, seed: Uint8Array): SigningKey {
  checkKeyName(name);
  if (seed.length !== 32) throw new RangeError('Ed25519 seed must be 32 bytes');
  const privateKey = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const publicKey = createPublicKey(privateKey);
  return { name, privateKey, publicKey, publicRaw: rawPublicKey(publicKey) };
}

/** Generates a new key; no files. */
export function generateSigningKey(name: string): SigningKey {
  checkKeyName(name);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { name, privateKey, publicKey, publicRaw: rawPublicKey(publicKey) };
}

/**
 * Creates a key pair in `dir` (created if missing). Refuses to replace an existing key: tree
 * heads signed with it would no longer verify against the published public key.
 */
export function createSigningKey(dir: string, name = 'consentry.local/ledger'): SigningKey {
  const keyPath = join(dir, PRIVATE_KEY_FILE);
  if (existsSync(keyPath)) throw new Error(`a signing key already exists at ${keyPath}`);
  const key = generateSigningKey(name);
  mkdirSync(dir, { recursive: true });
  const pem = key.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
  // Name as a PEM-style header line ahead of the key, so one file restores the whole key.
  writeFileSync(keyPath, `Key-Name: ${name}\n${pem}`, { mode: 0o600, flag: 'wx' });
  chmodSync(keyPath, 0o600); // in case the umask widened or narrowed it
  writeFileSync(join(dir, PUBLIC_KEY_FILE), `${encodeVerifierKey(verifierKeyOf(key))}\n`, { mode: 0o644 });
  chmodSync(join(dir, PUBLIC_KEY_FILE), 0o644);
  return key;
}

/** Loads the key pair written by createSigningKey and checks the halves belong together. */
export function loadSigningKey(dir: string): SigningKey {
  const text = readFileSync(join(dir, PRIVATE_KEY_FILE), 'utf8');
  const match = /^Key-Name: (\S+)\n([\s\S]+)$/.exec(text);
  if (match === null) throw new Error(`${join(dir, PRIVATE_KEY_FILE)}: not a ledger signing key file`);
  const privateKey = createPrivateKey(match[2]);
  const publicKey = createPublicKey(privateKey);
  const key: SigningKey = { name: match[1], privateKey, publicKey, publicRaw: rawPublicKey(publicKey) };
  const published = parseVerifierKey(readFileSync(join(dir, PUBLIC_KEY_FILE), 'utf8'));
  if (published.name !== key.name || Buffer.compare(published.publicRaw, key.publicRaw) !== 0) {
    throw new Error(`${join(dir, PUBLIC_KEY_FILE)} does not match the private key`);
  }
  return key;
}
