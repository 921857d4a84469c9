/**
 * The decision engine's facts, loaded once when the server starts and kept current as the API
 * writes: organisations, notices, agreements and consent events are appended as they are stored.
 */
import { loadFacts } from '../gateway/load-facts.ts';
import type { Agreement, Notice, Organisation } from '../domain/types.ts';
import type { RowContext } from '../ingest/consent-row.ts';
import type { FactsBuilder } from '../policy/facts.ts';
import type { Store } from '../store/store.ts';

export class LiveFacts {
  readonly facts: FactsBuilder;
  readonly #organisations = new Set<string>();
  /** Controller → its notices by id and by hash (what consent rows may name). */
  readonly #notices = new Map<string, Map<string, Notice>>();

  private constructor(facts: FactsBuilder, notices: readonly Notice[]) {
    this.facts = facts;
    for (const id of facts.organisations.keys()) this.#organisations.add(id);
    for (const n of notices) this.#indexNotice(n);
  }

  static async load(store: Store): Promise<LiveFacts> {
    const facts = await loadFacts(store);
    return new LiveFacts(facts, await store.listNotices());
  }

  #indexNotice(n: Notice): void {
    let byController = this.#notices.get(n.controller);
    if (!byController) this.#notices.set(n.controller, (byController = new Map()));
    byController.set(n.id, n);
    byController.set(n.hash, n);
  }

  hasOrganisation(id: string): boolean {
    return this.#organisations.has(id);
  }

  addOrganisation(o: Organisation): void {
    this.facts.addOrganisation(o);
    this.#organisations.add(o.id);
  }

  addNotice(n: Notice): void {
    this.facts.addNotice(n);
    this.#indexNotice(n);
  }

  addAgreement(a: Agreement): void {
    this.facts.addAgreement(a);
  }

  /** What consent-row validation needs to know about a controller, as of now. */
  rowContext(controller: string): RowContext {
    return { controller, organisations: this.#organisations, notices: this.#notices.get(controller) ?? new Map() };
  }

  /** Subjects registered by transfers get ordinals the facts have not seen yet. */
  coverOrdinals(ordinals: Int32Array): void {
    let max = -1;
    for (let i = 0; i < ordinals.length; i++) if (ordinals[i]! > max) max = ordinals[i]!;
    if (max >= 0) this.facts.reserveSubjects(max + 1);
  }
}
