/**
 * API keys by the hash of their token, remembered for a short while: looking a key up on every
 * request would cost more than the rest of a small write. A revocation through the API takes
 * effect at once; one made elsewhere (another process) within `ttlMs`.
 */
import type { ApiKey, Store } from '../store/store.ts';
import { hashApiToken } from './api-keys.ts';

export class KeyCache {
  readonly #store: Store;
  readonly #ttlMs: number;
  readonly #max: number;
  readonly #entries = new Map<string, { key: ApiKey | null; until: number }>();

  constructor(store: Store, ttlMs = 10_000, max = 10_000) {
    this.#store = store;
    this.#ttlMs = ttlMs;
    this.#max = max;
  }

  /** The live or revoked key of `token`; null when unknown. Keyed by the token: a hit costs no hashing. */
  async find(token: string, now: number): Promise<ApiKey | null> {
    const id = token;
    const hit = this.#entries.get(id);
    if (hit && hit.until > now) return hit.key;
    const key = await this.#store.findApiKey(hashApiToken(token));
    if (this.#entries.size >= this.#max) this.#entries.clear();
    // Unknown tokens are not remembered: a guessing client must not fill the cache.
    if (key) this.#entries.set(id, { key, until: now + this.#ttlMs });
    else this.#entries.delete(id);
    return key;
  }

  /** Forgets every cached key (after a revocation). */
  clear(): void {
    this.#entries.clear();
  }
}
