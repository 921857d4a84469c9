/**
 * One controller's consent state as of a horizon time, as per-purpose columns and bitsets over
 * subject ordinals. Built by scanning the facts once, then extended with rows appended later
 * (only the new rows are read), so the "current" state stays cheap to keep up to date.
 */
import { CONSENT_STATUSES, CONSENT_TYPES, OBJECTION_SCOPES, isValidStatus } from '../domain/types.ts';
import { growBits, hasBit, newBits, or, putBit, setBit, type Bits } from './bitset.ts';
import { PURPOSE_COUNT, type Facts } from './facts.ts';

export const VALID_STATUS = Uint8Array.from(CONSENT_STATUSES, (s) => (isValidStatus(s) ? 1 : 0));
const EXPLICIT = CONSENT_TYPES.indexOf('explicit');
export const SCOPE_ALL = OBJECTION_SCOPES.indexOf('all');
export const SCOPE_DIRECT_MARKETING = OBJECTION_SCOPES.indexOf('direct-marketing');
export const SCOPE_SALE_SHARING = OBJECTION_SCOPES.indexOf('sale-sharing');

function growInt32(a: Int32Array, n: number): Int32Array {
  const out = new Int32Array(n).fill(-1);
  out.set(a);
  return out;
}

/** Latest row per subject for one purpose, and bits derived from that row. */
export class PurposeState {
  /** Row index of the latest row per subject; -1 = none. */
  latest: Int32Array;
  has: Bits;
  /** Latest row's status is ConsentGiven/RenewedConsentGiven (expiry not yet applied). */
  validStatus: Bits;
  /** Latest row has a notice and a collection method. */
  demonstrable: Bits;
  explicit: Bits;
  /** Latest row has an expiry time (checked against t per decision). */
  expires: Bits;

  constructor(capacity: number) {
    this.latest = new Int32Array(capacity).fill(-1);
    this.has = newBits(capacity);
    this.validStatus = newBits(capacity);
    this.demonstrable = newBits(capacity);
    this.explicit = newBits(capacity);
    this.expires = newBits(capacity);
  }

  grow(capacity: number): void {
    this.latest = growInt32(this.latest, capacity);
    this.has = growBits(this.has, capacity);
    this.validStatus = growBits(this.validStatus, capacity);
    this.demonstrable = growBits(this.demonstrable, capacity);
    this.explicit = growBits(this.explicit, capacity);
    this.expires = growBits(this.expires, capacity);
  }
}

/** Which latest rows name a given recipient (and end client), per purpose and over all purposes. */
export class NamesIndex {
  readonly to: number;
  /** Organisation index of the end client; -2 = none requested. */
  readonly onBehalfOf: number;
  readonly perPurpose: (Bits | undefined)[] = new Array<Bits | undefined>(PURPOSE_COUNT);
  any: Bits;
  /** Per recipient set: 0 = not yet judged, 1 = does not name, 2 = names. */
  #judged = new Uint8Array(16);

  constructor(to: number, onBehalfOf: number, capacity: number) {
    this.to = to;
    this.onBehalfOf = onBehalfOf;
    this.any = newBits(capacity);
  }

  names(facts: Facts, set: number): boolean {
    if (set >= this.#judged.length) {
      const grown = new Uint8Array(Math.max(set + 1, this.#judged.length * 2));
      grown.set(this.#judged);
      this.#judged = grown;
    }
    let v = this.#judged[set]!;
    if (v === 0) {
      const members = facts.recipientSet(set);
      const ok = this.to >= 0 && members.includes(this.to) && (this.onBehalfOf === -2 || (this.onBehalfOf >= 0 && members.includes(this.onBehalfOf)));
      v = ok ? 2 : 1;
      this.#judged[set] = v;
    }
    return v === 2;
  }

  grow(capacity: number): void {
    for (let q = 0; q < PURPOSE_COUNT; q++) {
      const b = this.perPurpose[q];
      if (b) this.perPurpose[q] = growBits(b, capacity);
    }
    this.any = growBits(this.any, capacity);
  }
}

const MAX_NAMES_INDEXES = 8;

export class ControllerProjection {
  readonly controller: number;
  /** Rows and objections with `at` > horizon are ignored (Infinity = the current state). */
  readonly horizon: number;
  capacity = 0;
  /** Greatest `at` among this controller's rows and objections seen, whatever the horizon. */
  maxAt = Number.NEGATIVE_INFINITY;
  /** First row per subject (smallest at, then earliest insertion); -1 = none. */
  first: Int32Array = new Int32Array(0);
  /** Subjects with at least one row. */
  known: Bits = newBits(0);
  readonly purposes: (PurposeState | undefined)[] = new Array<PurposeState | undefined>(PURPOSE_COUNT);
  objectedAll: Bits = newBits(0);
  objectedDirectMarketing: Bits = newBits(0);
  objectedSaleSharing: Bits = newBits(0);
  #rowsSeen = 0;
  #objectionsSeen = 0;
  #names: NamesIndex[] = [];

  constructor(controller: number, horizon: number) {
    this.controller = controller;
    this.horizon = horizon;
  }

  /** Reads rows and objections appended since the last call. */
  update(facts: Facts): void {
    if (facts.subjectCount > this.capacity) this.#grow(Math.max(facts.subjectCount, this.capacity * 2, 1024));
    const c = facts.consents;
    const end = facts.consentCount;
    const F = this.controller;
    const horizon = this.horizon;
    // Hot loop (millions of rows on the first build): columns in locals, bit updates inlined.
    const { subject, controller, at: atOf, purpose, status, notice, method, consentType, expiresAt, recipients } = c;
    const first = this.first;
    const known = this.known;
    const states = this.purposes;
    const patch = this.#names.length > 0;
    let maxAt = this.maxAt;
    for (let r = this.#rowsSeen; r < end; r++) {
      if (controller[r] !== F) continue;
      const at = atOf[r]!;
      if (at > maxAt) maxAt = at;
      if (!(at <= horizon)) continue;
      const s = subject[r]!;
      const w = s >>> 5;
      const bit = 1 << (s & 31);
      const f0 = first[s]!;
      if (f0 < 0) {
        first[s] = r;
        known[w]! |= bit;
      } else if (at < atOf[f0]!) {
        first[s] = r;
      }
      const q = purpose[r]!;
      let st = states[q];
      if (st === undefined) st = states[q] = new PurposeState(this.capacity);
      const cur = st.latest[s]!;
      // INVARIANT: rows are applied in insertion order, so a tie on `at` goes to the later row.
      if (cur >= 0 && at < atOf[cur]!) continue;
      st.latest[s] = r;
      st.has[w]! |= bit;
      if (VALID_STATUS[status[r]!] === 1) st.validStatus[w]! |= bit;
      else st.validStatus[w]! &= ~bit;
      if (notice[r]! >= 0 && method[r]! >= 0) st.demonstrable[w]! |= bit;
      else st.demonstrable[w]! &= ~bit;
      if (consentType[r] === EXPLICIT) st.explicit[w]! |= bit;
      else st.explicit[w]! &= ~bit;
      if (Number.isNaN(expiresAt[r]!)) st.expires[w]! &= ~bit;
      else st.expires[w]! |= bit;
      if (patch) this.#patchNames(facts, q, s, recipients[r]!);
    }
    this.maxAt = maxAt;
    this.#rowsSeen = end;

    const o = facts.objections;
    const oEnd = facts.objectionCount;
    for (let i = this.#objectionsSeen; i < oEnd; i++) {
      if (o.controller[i] !== F) continue;
      const at = o.at[i]!;
      if (at > this.maxAt) this.maxAt = at;
      if (!(at <= horizon)) continue;
      const scope = o.scope[i]!;
      const s = o.subject[i]!;
      setBit(scope === SCOPE_ALL ? this.objectedAll : scope === SCOPE_DIRECT_MARKETING ? this.objectedDirectMarketing : this.objectedSaleSharing, s);
    }
    this.#objectionsSeen = oEnd;
  }

  /** The names index for (to, onBehalfOf), built on first use and kept current by later updates. */
  namesIndex(facts: Facts, to: number, onBehalfOf: number): NamesIndex {
    const hit = this.#names.findIndex((x) => x.to === to && x.onBehalfOf === onBehalfOf);
    if (hit >= 0) {
      const found = this.#names[hit]!;
      this.#names.splice(hit, 1);
      this.#names.unshift(found);
      return found;
    }
    const index = new NamesIndex(to, onBehalfOf, this.capacity);
    const recipients = facts.consents.recipients;
    // Judge every recipient set once, then one pass per purpose over the latest rows.
    const names = new Uint8Array(facts.recipientSetCount);
    for (let k = 0; k < names.length; k++) names[k] = index.names(facts, k) ? 1 : 0;
    for (let q = 0; q < PURPOSE_COUNT; q++) {
      const st = this.purposes[q];
      if (!st) continue;
      const bits = newBits(this.capacity);
      const latest = st.latest;
      for (let s = 0; s < this.capacity; s++) {
        const r = latest[s]!;
        if (r >= 0 && names[recipients[r]!] === 1) bits[s >>> 5]! |= 1 << (s & 31);
      }
      index.perPurpose[q] = bits;
      or(index.any, index.any, bits, bits.length);
    }
    this.#names.unshift(index);
    if (this.#names.length > MAX_NAMES_INDEXES) this.#names.pop();
    return index;
  }

  /** Keeps the names indexes current when subject s's latest row for purpose q changes. */
  #patchNames(facts: Facts, q: number, s: number, recipientSet: number): void {
    for (const index of this.#names) {
      const bits = (index.perPurpose[q] ??= newBits(this.capacity));
      putBit(bits, s, index.names(facts, recipientSet));
      let any = false;
      for (let p = 0; p < PURPOSE_COUNT && !any; p++) {
        const b = index.perPurpose[p];
        any = b !== undefined && hasBit(b, s);
      }
      putBit(index.any, s, any);
    }
  }

  #grow(capacity: number): void {
    this.first = growInt32(this.first, capacity);
    this.known = growBits(this.known, capacity);
    this.objectedAll = growBits(this.objectedAll, capacity);
    this.objectedDirectMarketing = growBits(this.objectedDirectMarketing, capacity);
    this.objectedSaleSharing = growBits(this.objectedSaleSharing, capacity);
    for (const st of this.purposes) st?.grow(capacity);
    for (const index of this.#names) index.grow(capacity);
    this.capacity = capacity;
  }
}
