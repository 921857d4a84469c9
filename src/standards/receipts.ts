/**
 * Signed consent receipts: a Kantara or 27560 receipt for one consent event, with the event's
 * ledger leaf, signed (Ed25519) over its canonical JSON with the ledger's key. Checking one
 * needs only the public key. Pure apart from the crypto.
 */
import { sign, verify } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson } from '../domain/canonical-json.ts';
import { encodeVerifierKey, parseVerifierKey, verifierKeyOf, type SigningKey, type VerifierKey } from '../ledger/signing-key.ts';

export const SIGNED_RECEIPT_FORMAT = 'consentry-signed-receipt/v1';
export const RECEIPT_FORMATS = ['kantara', '27560'] as const;
export type ReceiptFormat = (typeof RECEIPT_FORMATS)[number];

export interface SignedReceipt {
  readonly format: typeof SIGNED_RECEIPT_FORMAT;
  readonly receiptFormat: ReceiptFormat;
  readonly receipt: unknown;
  /** The event's leaf in the ledger (check it with `ledger proof --leaf`); null when unknown. */
  readonly ledgerLeaf: number | null;
  readonly issuedAt: string;
  readonly signature: { readonly algorithm: 'Ed25519'; readonly publicKey: string; readonly value: string };
}

/** What is signed: everything but the signature, as canonical JSON. */
function signedBytes(r: Omit<SignedReceipt, 'signature'>): Buffer {
  return Buffer.from(canonicalJson({ format: r.format, receiptFormat: r.receiptFormat, receipt: r.receipt, ledgerLeaf: r.ledgerLeaf, issuedAt: r.issuedAt }), 'utf8');
}

export function signReceipt(receiptFormat: ReceiptFormat, receipt: unknown, ledgerLeaf: number | null, key: SigningKey, issuedAt: number): SignedReceipt {
  const body = { format: SIGNED_RECEIPT_FORMAT, receiptFormat, receipt, ledgerLeaf, issuedAt: new Date(issuedAt).toISOString() } as const;
  const value = sign(null, signedBytes(body), key.privateKey).toString('base64');
  return { ...body, signature: { algorithm: 'Ed25519', publicKey: encodeVerifierKey(verifierKeyOf(key)), value } };
}

const envelope = z.strictObject({
  format: z.literal(SIGNED_RECEIPT_FORMAT),
  receiptFormat: z.enum(RECEIPT_FORMATS),
  receipt: z.record(z.string(), z.unknown()),
  ledgerLeaf: z.number().int().nonnegative().nullable(),
  issuedAt: z.string(),
  signature: z.strictObject({ algorithm: z.literal('Ed25519'), publicKey: z.string(), value: z.string().regex(/^[A-Za-z0-9+/]+=*$/, 'base64') }),
});

export interface ReceiptCheck {
  readonly ok: boolean;
  /** Checked against a key the caller trusts (not just the one in the receipt). */
  readonly trustedKey: boolean;
  readonly keyName: string | null;
  readonly error: string | null;
}

/** Checks a signed receipt; with `trusted`, the receipt must be signed by that key. */
export function verifyReceipt(value: unknown, trusted?: VerifierKey): ReceiptCheck {
  const parsed = envelope.safeParse(value);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    return { ok: false, trustedKey: Boolean(trusted), keyName: null, error: `not a signed receipt: ${i.path.join('.') || '(document)'}: ${i.message}` };
  }
  const r = parsed.data;
  let named: VerifierKey;
  try {
    named = parseVerifierKey(r.signature.publicKey);
  } catch (err) {
    return { ok: false, trustedKey: Boolean(trusted), keyName: null, error: `signature.publicKey: ${(err as Error).message}` };
  }
  if (trusted && (trusted.name !== named.name || Buffer.compare(trusted.publicRaw, named.publicRaw) !== 0)) {
    return { ok: false, trustedKey: true, keyName: named.name, error: `signed by ${named.name}, not by the trusted key ${trusted.name}` };
  }
  const key = trusted ?? named;
  const ok = verify(null, signedBytes(r as Omit<SignedReceipt, 'signature'>), key.publicKey, Buffer.from(r.signature.value, 'base64'));
  return { ok, trustedKey: Boolean(trusted), keyName: key.name, error: ok ? null : 'the signature does not match the receipt (it was changed after signing, or signed by another key)' };
}
