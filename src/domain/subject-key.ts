import { createHmac } from 'node:crypto';
import { identifierMaterial, type IdentifierFields, type IdentifierResult } from './identifiers.ts';
import type { SubjectKey } from './types.ts';

export const SUBJECT_KEY_BYTES = 32;

/** Turns a person's identifiers into their subject key: HMAC-SHA-256 under the deployment secret. */
export class SubjectKeyer {
  readonly #secret: Buffer;
  readonly #encoder = new TextEncoder();

  constructor(secret: Uint8Array) {
    if (secret.length < 32) throw new Error('the subject-key secret must be at least 32 bytes');
    this.#secret = Buffer.from(secret);
  }

  /** Key of already-normalised identifier material (see identifierMaterial). */
  keyOfMaterial(material: string): SubjectKey {
    return createHmac('sha256', this.#secret).update(this.#encoder.encode(material)).digest();
  }

  /** Normalises and hashes; returns the problem instead when the identifiers are unusable. */
  keyOf(fields: IdentifierFields): { ok: true; key: SubjectKey } | Extract<IdentifierResult, { ok: false }> {
    const m = identifierMaterial(fields);
    return m.ok ? { ok: true, key: this.keyOfMaterial(m.material) } : m;
  }
}
