/**
 * Finds the responses stored under Idempotency-Keys, many at a time: the requests that arrive
 * together ask together, in one query. Against PostgreSQL that is one round trip for a batch of
 * writes instead of one for each.
 */
import type { IdempotencyKey, IdempotentResponse, Store } from '../store/store.ts';

interface Pending {
  readonly key: IdempotencyKey;
  resolve(r: IdempotentResponse | null): void;
  reject(err: unknown): void;
}

export class IdempotencyLookups {
  readonly #store: Store;
  #pending: Pending[] = [];

  constructor(store: Store) {
    this.#store = store;
  }

  find(apiKey: string, key: string): Promise<IdempotentResponse | null> {
    return new Promise((resolve, reject) => {
      // Those asked in this turn of the event loop go together, at the end of it.
      if (this.#pending.length === 0) setImmediate(() => this.#flush());
      this.#pending.push({ key: { apiKey, key }, resolve, reject });
    });
  }

  #flush(): void {
    const batch = this.#pending;
    this.#pending = [];
    this.#store.getIdempotentMany(batch.map((p) => p.key)).then(
      (found) => batch.forEach((p, i) => p.resolve(found[i] ?? null)),
      (err: unknown) => batch.forEach((p) => p.reject(err)),
    );
  }
}
