/**
 * Writes consent events for the API and keeps the decision facts current. Single events that
 * arrive together are written as one batch (one transaction, one round of ordinal look-ups),
 * with the responses to their Idempotency-Keys stored right after it, before any of them is
 * answered: thousands of small writes a second cost what a few large ones do. Writes are
 * serialised, so the "already stored?" check and the write cannot interleave with another
 * request's.
 */
import { performance } from 'node:perf_hooks';
import { sameConsentContent } from '../domain/consent-event.ts';
import type { ConsentEvent } from '../domain/types.ts';
import type { IdempotentRecord, Store } from '../store/store.ts';
import { ApiError } from './api-error.ts';
import type { LiveFacts } from './live-facts.ts';
import { SerialQueue } from './serial-queue.ts';

export type WriteOutcome = 'created' | 'unchanged';

export interface BatchOutcome {
  readonly outcomes: readonly (WriteOutcome | ApiError)[];
  readonly inserted: number;
  readonly unchanged: number;
  readonly newSubjects: number;
}

/** What to store under a request's Idempotency-Key once its event is written (route-kit.ts). */
export type ReplyRecord = (outcome: WriteOutcome) => IdempotentRecord;

interface Pending {
  readonly event: ConsentEvent;
  readonly reply: ReplyRecord | null;
  resolve(o: WriteOutcome): void;
  reject(e: unknown): void;
}

const MAX_BATCH = 2000;
/** How long a batch may wait for more writes to join it. */
const GATHER_MS = 2;

const conflict = (e: ConsentEvent): ApiError =>
  new ApiError(409, 'conflict', `event "${e.id}" is already stored with different content`, [{ where: 'body', field: 'event_id', message: 'give a changed event a new id' }]);

export class ConsentWriter {
  readonly #store: Store;
  readonly #live: LiveFacts;
  readonly #queue = new SerialQueue();
  #pending: Pending[] = [];
  #scheduled = false;

  constructor(store: Store, live: LiveFacts) {
    this.#store = store;
    this.#live = live;
  }

  /**
   * One event; batched with every other that arrives before the writer gets to it (group
   * commit): while one batch is being stored, the next one gathers, so a slower store makes
   * larger batches rather than a longer queue. `reply` gives the response to store under the
   * request's Idempotency-Key: stored with the batch, before any of its requests is answered.
   */
  writeOne(event: ConsentEvent, reply: ReplyRecord | null = null): Promise<WriteOutcome> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ event, reply, resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    void this.#queue.run(() => this.#flush());
  }

  /** Many events (a bulk upload), in batches; each batch is atomic. */
  async writeMany(events: readonly ConsentEvent[], batchSize = 5000): Promise<BatchOutcome> {
    const outcomes: (WriteOutcome | ApiError)[] = [];
    let inserted = 0;
    let unchanged = 0;
    let newSubjects = 0;
    for (let i = 0; i < events.length; i += batchSize) {
      const r = await this.#queue.run(() => this.#writeBatch(events.slice(i, i + batchSize)));
      outcomes.push(...r.outcomes);
      inserted += r.inserted;
      unchanged += r.unchanged;
      newSubjects += r.newSubjects;
    }
    return { outcomes, inserted, unchanged, newSubjects };
  }

  /** Resolves when every write accepted so far is stored (for shutdown). */
  async drain(): Promise<void> {
    while (this.#pending.length > 0 || this.#scheduled) await new Promise((r) => setImmediate(r));
    await this.#queue.idle();
  }

  /** Runs in the queue's turn: takes what has gathered by now. */
  async #flush(): Promise<void> {
    // Let requests join this batch while they keep arriving, turn after turn of the event loop,
    // for up to GATHER_MS: clients answered by the last batch are sending their next writes, and
    // a commit costs about the same for one event as for dozens. When a turn brings nothing new
    // (a quiet server), the batch goes at once.
    const deadline = performance.now() + GATHER_MS;
    let seen = -1;
    while (this.#pending.length !== seen && this.#pending.length < MAX_BATCH && performance.now() < deadline) {
      seen = this.#pending.length;
      await new Promise((r) => setImmediate(r));
    }
    this.#scheduled = false;
    const batch = this.#pending.splice(0, MAX_BATCH);
    if (this.#pending.length > 0) this.#schedule();
    if (batch.length === 0) return;
    try {
      const r = await this.#writeBatch(batch.map((p) => p.event));
      // Successful replies only, as the route kit stores them.
      const replies: IdempotentRecord[] = [];
      r.outcomes.forEach((o, i) => {
        const reply = batch[i]!.reply;
        if (reply === null || o instanceof ApiError) return;
        const rec = reply(o);
        if (rec.status < 300) replies.push(rec);
      });
      // Should this fail, the batch's requests fail with it; their events are stored, so a retry
      // is answered "unchanged".
      if (replies.length > 0) await this.#store.putIdempotentMany(replies);
      r.outcomes.forEach((o, i) => (o instanceof ApiError ? batch[i]!.reject(o) : batch[i]!.resolve(o)));
    } catch (err) {
      batch.forEach((p) => p.reject(err));
    }
  }

  async #writeBatch(events: readonly ConsentEvent[]): Promise<BatchOutcome> {
    const outcomes: (WriteOutcome | ApiError)[] = new Array(events.length);
    // What is already stored, per controller.
    const byController = new Map<string, string[]>();
    for (const e of events) {
      let ids = byController.get(e.controller);
      if (!ids) byController.set(e.controller, (ids = []));
      ids.push(e.id);
    }
    const stored = new Map<string, ConsentEvent>();
    for (const [controller, ids] of byController) {
      for (const [id, e] of await this.#store.findConsentEvents(controller, ids)) stored.set(`${controller}\u0000${id}`, e);
    }
    const fresh: ConsentEvent[] = [];
    const inBatch = new Map<string, ConsentEvent>();
    let unchanged = 0;
    events.forEach((e, i) => {
      const k = `${e.controller}\u0000${e.id}`;
      const prior = stored.get(k) ?? inBatch.get(k);
      if (prior) {
        if (sameConsentContent(prior, e)) {
          outcomes[i] = 'unchanged';
          unchanged++;
        } else outcomes[i] = conflict(e);
        return;
      }
      inBatch.set(k, e);
      fresh.push(e);
      outcomes[i] = 'created';
    });
    if (fresh.length === 0) return { outcomes, inserted: 0, unchanged, newSubjects: 0 };
    // INVARIANT: the facts learn an event only after the store holds it, in ledger order.
    const applied = this.#live.applied;
    const r = await this.#store.appendConsentEvents(fresh);
    if (r.inserted === fresh.length) await this.#live.applyStored(applied, await this.#store.ledger.size(), fresh);
    else await this.#live.catchUp();
    return { outcomes, inserted: r.inserted, unchanged: unchanged + r.unchanged, newSubjects: r.newSubjects };
  }
}
