/**
 * Short-lived tokens by which a person reaches their own data. A collector asks for one after
 * verifying the person; the token carries only the subject key and its expiry, signed with
 * HMAC-SHA-256 under a server secret kept beside the store (mode 0600).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const TOKEN_SECRET_FILE = 'api-token.key';
export const TOKEN_PREFIX = 'cst_';
/** Fifteen minutes unless asked otherwise; at most a day. */
export const DEFAULT_TOKEN_SECONDS = 15 * 60;
export const MAX_TOKEN_SECONDS = 24 * 60 * 60;

export interface SubjectClaims {
  /** Subject key, lowercase hex. */
  readonly sub: string;
  /** Expiry, seconds since the epoch. */
  readonly exp: number;
}

export function loadOrCreateTokenSecret(folder: string): Uint8Array {
  const file = join(folder, TOKEN_SECRET_FILE);
  if (existsSync(file)) {
    const hex = readFileSync(file, 'utf8').trim();
    if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`${file} does not hold a token secret`);
    return new Uint8Array(Buffer.from(hex, 'hex'));
  }
  mkdirSync(folder, { recursive: true });
  const secret = randomBytes(32);
  writeFileSync(file, `${secret.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return new Uint8Array(secret);
}

export class SubjectTokens {
  readonly #secret: Uint8Array;

  constructor(secret: Uint8Array) {
    this.#secret = secret;
  }

  #mac(payload: string): Buffer {
    return createHmac('sha256', this.#secret).update(payload).digest();
  }

  sign(subjectKey: Uint8Array, expiresAt: number): string {
    const claims: SubjectClaims = { sub: Buffer.from(subjectKey).toString('hex'), exp: Math.floor(expiresAt / 1000) };
    const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return `${TOKEN_PREFIX}${payload}.${this.#mac(payload).toString('base64url')}`;
  }

  /** The claims of a genuine, unexpired token; null otherwise (never says which check failed). */
  verify(token: string, now: number): SubjectClaims | null {
    if (!token.startsWith(TOKEN_PREFIX)) return null;
    const [payload, mac, extra] = token.slice(TOKEN_PREFIX.length).split('.');
    if (!payload || !mac || extra !== undefined) return null;
    const given = Buffer.from(mac, 'base64url');
    const want = this.#mac(payload);
    if (given.length !== want.length || !timingSafeEqual(given, want)) return null;
    let claims: unknown;
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return null;
    }
    const c = claims as Partial<SubjectClaims>;
    if (typeof c.sub !== 'string' || !/^[0-9a-f]{64}$/.test(c.sub) || typeof c.exp !== 'number') return null;
    if (c.exp * 1000 <= now) return null;
    return { sub: c.sub, exp: c.exp };
  }
}
