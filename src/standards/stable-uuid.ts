import { createHash } from 'node:crypto';

/**
 * A UUID (version 4 layout) derived from what it names, for formats that want a UUID where we
 * have a stable id: the same parts always give the same UUID, so re-emitting is idempotent.
 */
export function stableUuid(...parts: readonly string[]): string {
  const h = createHash('sha256').update(parts.join('\n')).digest();
  h[6] = (h[6]! & 0x0f) | 0x40;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}
