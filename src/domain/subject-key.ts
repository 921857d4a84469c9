import { HmacSha256 } from '../crypto/sha256.ts';
import { identifierMaterial, type IdentifierFields, type IdentifierResult } from './identifiers.ts';
import type { SubjectKey } from './types.ts';

export const SUBJECT_KEY_BYTES = 32;

/**
 * Turns a person's identifiers into their subject key: HMAC-SHA-256 under the deployment secret.
 * Millions of keys are computed per transfer, so the HMAC's padded-key states are computed once
 * and the material is encoded into a reused buffer.
 */
export class SubjectKeyer {
  readonly #hmac: HmacSha256;
  readonly #encoder = new TextEncoder();
  #buf = new Uint8Array(512);

  constructor(secret: Uint8Array) {
    if (secret.length < 32) throw new Error('the subject-key secret must be at least 32 bytes');
    this.#hmac = new HmacSha256(secret);
  }

  /** Key of already-normalised identifier material (see identifierMaterial). */
  keyOfMaterial(material: string): SubjectKey {
    const out = new Uint8Array(SUBJECT_KEY_BYTES);
    this.keyOfMaterialInto(material, out, 0);
    return out;
  }

  /** Writes the key into `out` at `off` without allocating. */
  keyOfMaterialInto(material: string, out: Uint8Array, off: number): void {
    // UTF-8 needs at most 3 bytes per UTF-16 unit.
    if (material.length * 3 > this.#buf.length) this.#buf = new Uint8Array(material.length * 3);
    const { written } = this.#encoder.encodeInto(material, this.#buf);
    this.#hmac.digestInto(this.#buf, 0, written, out, off);
  }

  /** Normalises and hashes; returns the problem instead when the identifiers are unusable. */
  keyOf(fields: IdentifierFields): { ok: true; key: SubjectKey } | Extract<IdentifierResult, { ok: false }> {
    const m = identifierMaterial(fields);
    return m.ok ? { ok: true, key: this.keyOfMaterial(m.material) } : m;
  }
}
