/**
 * The decision engine's facts, loaded once when the server starts and kept current by following
 * the ledger: every event that changes decisions (organisations, notices, agreements, consent
 * events, objections) is a leaf, so reading the leaves appended since the last look brings in
 * this node's writes and those of every other process on the same store (another API node, or
 * the command line) in the one order they were stored. This node's own consent writes are handed
 * over as they are when nothing was appended in between (applyStored), not read back.
 */
import { SUBJECT_KEY_BYTES } from '../domain/subject-key.ts';
import { loadFacts } from '../gateway/load-facts.ts';
import type { Agreement, CollectionMethod, ConsentEvent, ConsentStatus, ConsentType, Notice, Objection, ObjectionScope, Organisation, OrgKind } from '../domain/types.ts';
import type { RowContext } from '../ingest/consent-row.ts';
import type { FactsBuilder } from '../policy/facts.ts';
import type { Store } from '../store/store.ts';
import { SerialQueue } from './serial-queue.ts';

type Change =
  | { readonly kind: 'consent'; readonly subject: string; readonly event: ConsentEvent }
  | { readonly kind: 'objection'; readonly subject: string; readonly objection: Objection }
  | { readonly kind: 'organisation'; readonly organisation: Organisation }
  | { readonly kind: 'notice'; readonly controller: string; readonly hash: string }
  | { readonly kind: 'agreement'; readonly id: string };

export class LiveFacts {
  readonly facts: FactsBuilder;
  readonly #store: Store;
  readonly #organisations = new Set<string>();
  /** Controller → its notices by id and by hash (what consent rows may name). */
  readonly #notices = new Map<string, Map<string, Notice>>();
  readonly #queue = new SerialQueue();
  /** Ledger size whose events the facts hold. */
  #applied: number;
  #timer: NodeJS.Timeout | null = null;

  private constructor(store: Store, facts: FactsBuilder, notices: readonly Notice[], applied: number) {
    this.#store = store;
    this.facts = facts;
    this.#applied = applied;
    for (const id of facts.organisations.keys()) this.#organisations.add(id);
    for (const n of notices) this.#indexNotice(n);
  }

  static async load(store: Store): Promise<LiveFacts> {
    // Size first: an event stored while the facts load is then applied again by the first
    // catch-up, which changes no decision (the same event twice is the same state), whereas
    // reading the size afterwards could skip one.
    const applied = await store.ledger.size();
    const facts = await loadFacts(store);
    return new LiveFacts(store, facts, await store.listNotices(), applied);
  }

  /**
   * Follows the ledger from here with facts the caller built itself (a bulk load), which must be
   * current with the store as it is now.
   */
  static async over(store: Store, facts: FactsBuilder): Promise<LiveFacts> {
    return new LiveFacts(store, facts, await store.listNotices(), await store.ledger.size());
  }

  /** Ledger size the facts are current with. */
  get applied(): number {
    return this.#applied;
  }

  /**
   * Applies every leaf appended since the last call (serialised). Writers call it after storing,
   * before answering, so a decision made after a write respects it.
   */
  catchUp(): Promise<number> {
    return this.#queue.run(() => this.#catchUp());
  }

  /**
   * Takes in consent events this process has just stored, all of them, in this order: `from` is
   * what the facts held before the write, `to` the ledger's size read after it. The write's
   * leaves come after `from`, so when the ledger grew by exactly their number and the facts have
   * not moved since, they are [from, to) and the facts take the events as they are, without
   * reading them back. Otherwise (another process appended too) it catches up as catchUp does.
   */
  applyStored(from: number, to: number, events: readonly ConsentEvent[]): Promise<void> {
    return this.#queue.run(async () => {
      if (this.#applied !== from || to - from !== events.length) {
        if (this.#applied < to) await this.#catchUp();
        return;
      }
      const keys = new Uint8Array(events.length * SUBJECT_KEY_BYTES);
      events.forEach((e, i) => keys.set(e.subject, i * SUBJECT_KEY_BYTES));
      const ordinals = await this.#store.subjectOrdinals(keys);
      const missing = ordinals.indexOf(-1);
      if (missing >= 0) throw new Error(`stored subject ${Buffer.from(events[missing]!.subject).toString('hex').slice(0, 12)}… is not in the store`);
      events.forEach((e, i) => this.facts.addConsent(ordinals[i]!, e));
      this.#applied = to;
    });
  }

  /** Catches up every `ms` until stop(): other processes' writes reach this node's decisions. */
  follow(ms: number, onError: (err: unknown) => void = () => undefined): void {
    if (this.#timer) return;
    const tick = (): void => {
      this.#timer = setTimeout(() => {
        this.catchUp().then(tick, (err) => {
          onError(err);
          tick();
        });
      }, ms);
      this.#timer.unref();
    };
    tick();
  }

  stop(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    return this.#queue.idle();
  }

  async #catchUp(): Promise<number> {
    const size = await this.#store.ledger.size();
    if (size <= this.#applied) return 0;
    const changes: Change[] = [];
    for await (const batch of this.#store.ledger.leaves(this.#applied, size)) {
      for (const leaf of batch) {
        const c = changeOf(JSON.parse(Buffer.from(leaf.data).toString('utf8')) as Record<string, unknown>);
        if (c) changes.push(c);
      }
    }
    const subjects = changes.filter((c): c is Extract<Change, { subject: string }> => c.kind === 'consent' || c.kind === 'objection');
    const ordinals = subjects.length === 0 ? new Int32Array(0) : await this.#store.subjectOrdinals(Buffer.from(subjects.map((c) => c.subject).join(''), 'hex'));
    let k = 0;
    let agreements: Agreement[] | null = null;
    for (const c of changes) {
      switch (c.kind) {
        case 'consent':
        case 'objection': {
          const ordinal = ordinals[k++]!;
          if (ordinal < 0) throw new Error(`ledger names subject ${c.subject.slice(0, 12)}… that the store does not hold`);
          if (c.kind === 'consent') this.facts.addConsent(ordinal, c.event);
          else this.facts.addObjection(ordinal, c.objection);
          break;
        }
        case 'organisation':
          this.addOrganisation(c.organisation);
          break;
        case 'notice': {
          const n = await this.#store.getNotice(c.controller, c.hash);
          if (n) this.addNotice(n);
          break;
        }
        case 'agreement': {
          agreements ??= await this.#store.listAgreements();
          const a = agreements.find((x) => x.id === c.id);
          if (a) this.addAgreement(a);
          break;
        }
      }
    }
    this.#applied = size;
    return changes.length;
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

const str = (v: unknown): string => String(v);
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

/** What a leaf changes in the decision facts (see src/ledger/entries.ts); null for the rest. */
function changeOf(e: Record<string, unknown>): Change | null {
  switch (e.kind) {
    case 'consent':
      return {
        kind: 'consent',
        subject: str(e.subject),
        event: {
          id: str(e.event),
          controller: str(e.controller),
          subject: new Uint8Array(0),
          purposes: strings(e.purposes),
          recipients: strings(e.recipients),
          status: str(e.status) as ConsentStatus,
          notice: strOrNull(e.notice),
          at: Number(e.at),
          expiresAt: numOrNull(e.expiresAt),
          method: strOrNull(e.method) as CollectionMethod | null,
          consentType: str(e.consentType) as ConsentType,
          evidence: strOrNull(e.evidence),
        },
      };
    case 'objection':
      return {
        kind: 'objection',
        subject: str(e.subject),
        objection: { id: str(e.objection), controller: str(e.controller), subject: new Uint8Array(0), scope: str(e.scope) as ObjectionScope, at: Number(e.at), source: str(e.source) as Objection['source'] },
      };
    case 'organisation-registered':
      return { kind: 'organisation', organisation: { id: str(e.organisation), name: str(e.name), kind: str(e.orgKind) as OrgKind, country: str(e.country), rightsContact: strOrNull(e.rightsContact) } };
    case 'notice-published':
      return { kind: 'notice', controller: str(e.controller), hash: str(e.hash) };
    case 'agreement-recorded':
      return { kind: 'agreement', id: str(e.agreement) };
    default:
      return null;
  }
}
