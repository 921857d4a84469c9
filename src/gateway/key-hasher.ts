/**
 * Where identifier material becomes subject keys: in SIMD batches when the secret is at hand
 * (HmacSha256Batch gives exactly SubjectKeyer's HMAC), else one at a time through the keyer.
 * Keys are written into the caller's array, possibly only at flush().
 */
import { HmacSha256Batch } from '../crypto/hmac-batch.ts';
import type { SubjectKeyer } from '../domain/subject-key.ts';

export interface KeyHasher {
  /** The key of the material in src[off..off+len) (UTF-8) into out[outOff..outOff+32). */
  bytes(src: Uint8Array, off: number, len: number, out: Uint8Array, outOff: number): void;
  /** The key of `material` into out[outOff..outOff+32). */
  text(material: string, out: Uint8Array, outOff: number): void;
  /** Writes every key still pending; call before reading or replacing `out`. */
  flush(): void;
}

export function secretHasher(secret: Uint8Array): KeyHasher {
  const batch = new HmacSha256Batch(secret);
  return {
    bytes: (src, off, len, out, outOff) => batch.add(src, off, len, out, outOff),
    text: (material, out, outOff) => batch.addText(material, out, outOff),
    flush: () => batch.flush(),
  };
}

export function keyerHasher(keyer: SubjectKeyer): KeyHasher {
  return {
    bytes: (src, off, len, out, outOff) => keyer.keyOfMaterialInto(Buffer.from(src.buffer, src.byteOffset + off, len).toString('utf8'), out, outOff),
    text: (material, out, outOff) => keyer.keyOfMaterialInto(material, out, outOff),
    flush: () => undefined,
  };
}
