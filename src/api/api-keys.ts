/**
 * API keys: `csk_<id>_<secret>`. The id names the key in logs and listings; only the SHA-256 of
 * the whole token is stored, so a leaked database does not yield usable keys. Shown once.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { ApiKey, ApiRole, Store } from '../store/store.ts';
import type { OrgKind } from '../domain/types.ts';

const TOKEN = /^csk_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

export interface IssuedApiKey {
  readonly key: ApiKey;
  /** The full token: give it to its holder once; it cannot be shown again. */
  readonly token: string;
}

/** SHA-256 of the token: what the store keeps and looks keys up by. */
export function hashApiToken(token: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(token).digest());
}

/** The key id of a well-formed token, or null. */
export function apiTokenId(token: string): string | null {
  const m = TOKEN.exec(token);
  return m ? m[1]! : null;
}

export function newApiToken(): { id: string; token: string } {
  const id = randomBytes(9).toString('base64url').toLowerCase().replace(/[^a-z0-9]/g, '0').slice(0, 12).padEnd(12, '0');
  const secret = randomBytes(32).toString('base64url');
  return { id, token: `csk_${id}_${secret}` };
}

export async function issueApiKey(store: Store, o: { organisation: string | null; role: ApiRole; label?: string | null; now?: number }): Promise<IssuedApiKey> {
  // INVARIANT: an admin key acts for no organisation; every other role acts for exactly one.
  if ((o.role === 'admin') !== (o.organisation === null)) throw new RangeError('admin keys have no organisation; every other key has one');
  const { id, token } = newApiToken();
  const key: ApiKey = { id, organisation: o.organisation, role: o.role, label: o.label ?? null, createdAt: o.now ?? Date.now(), revokedAt: null };
  await store.putApiKey(key, hashApiToken(token));
  return { key, token };
}

/** The role an organisation's first key gets from its kind (docs/api.md, "Keys and roles"). */
export function roleForKind(kind: OrgKind): ApiRole {
  switch (kind) {
    case 'collector':
      return 'collector';
    case 'broker':
    case 'processor':
      return 'discloser';
    case 'regulator':
      return 'regulator';
    default:
      return 'recipient';
  }
}
