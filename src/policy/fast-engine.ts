/**
 * The fast evaluator: the record rules of docs/rules.md as set algebra over subject ordinals
 * (design.md "Decisions, fast"). Per-controller projections hold the latest row per
 * (subject, purpose) as bitsets; a decision is a few AND/ANDNOT passes over words, counts are
 * popcounts, and per-record reasons are read back from the sets only when asked for.
 */
import { coveringPurposes, isWithin } from '../domain/purposes.ts';
import { CONSENT_STATUSES, type TransferRequest } from '../domain/types.ts';
import { and, andCount, andNot, forEachBit, hasBit, newBits, or, putBit, setBit, wordsFor, type Bits } from './bitset.ts';
import { ControllerProjection, VALID_STATUS, type PurposeState } from './controller-projection.ts';
import type { Decision } from './decision.ts';
import { assembleDecision } from './decision-builder.ts';
import { purposeIndex, type Facts } from './facts.ts';
import { RECORD_CHILD, RECORD_SPECIAL, checkRecords, type TransferRecords } from './record-flags.ts';
import type { RuleId, RuleLevel } from './rule-catalogue.ts';
import type { PackRule, RulePack } from './rule-pack.ts';
import { evaluateTransfer } from './transfer-rules.ts';

const DAY_MS = 86_400_000;
const WITHDRAWN = Uint8Array.from(CONSENT_STATUSES, (s) => (s === 'ConsentWithdrawn' || s === 'ConsentRevoked' ? 1 : 0));
const EXPIRED = CONSENT_STATUSES.indexOf('ConsentExpired');
/** Past-time projections kept per engine (time travel is rarer than deciding "now"). */
const MAX_PAST = 4;

/** A record rule's result: subject sets, or a per-record flag test. */
type RuleOutput =
  | { readonly kind: 'subjects'; readonly level: RuleLevel; readonly sets: readonly { code: string; bits: Bits }[] }
  | { readonly kind: 'child'; readonly level: RuleLevel }
  | { readonly kind: 'special'; readonly level: RuleLevel; readonly ok: Bits | 'all' | 'none' };

export class FastEngine {
  readonly #facts: Facts;
  readonly #current = new Map<number, ControllerProjection>();
  #past: ControllerProjection[] = [];

  constructor(facts: Facts) {
    this.#facts = facts;
  }

  /** The projection for controller F as of t: the current one when no row of F is later than t. */
  #projection(controller: number, t: number): ControllerProjection {
    const facts = this.#facts;
    let current = this.#current.get(controller);
    if (!current) {
      current = new ControllerProjection(controller, Number.POSITIVE_INFINITY);
      this.#current.set(controller, current);
    }
    current.update(facts);
    if (t >= current.maxAt) return current;
    const hit = this.#past.findIndex((p) => p.controller === controller && p.horizon === t);
    const past = hit >= 0 ? this.#past.splice(hit, 1)[0]! : new ControllerProjection(controller, t);
    past.update(facts);
    this.#past.unshift(past);
    if (this.#past.length > MAX_PAST) this.#past.pop();
    return past;
  }

  /**
   * Builds ahead of time what deciding `request` reads (the first decision for a controller
   * scans every row), e.g. while records are still being keyed elsewhere.
   */
  prepare(request: TransferRequest): void {
    const facts = this.#facts;
    const proj = this.#projection(facts.orgIndex(request.from), request.at);
    proj.namesIndex(facts, facts.orgIndex(request.to), request.onBehalfOf === null ? -2 : facts.orgIndex(request.onBehalfOf));
  }

  decide(request: TransferRequest, records: TransferRecords, pack: RulePack): Decision {
    checkRecords(records);
    const facts = this.#facts;
    const transfer = evaluateTransfer(request, records, facts, pack);
    const { purpose: P, at: t } = request;
    const proj = this.#projection(facts.orgIndex(request.from), t);
    const cap = proj.capacity;
    const words = wordsFor(cap);
    const K = proj.known;
    const consent = request.basis === 'consent';
    const agreement = transfer.agreement;

    // Per-purpose sets for the covering purposes, as of t.
    const cover: PurposeState[] = [];
    const coverNames: Bits[] = [];
    const names = proj.namesIndex(facts, facts.orgIndex(request.to), request.onBehalfOf === null ? -2 : facts.orgIndex(request.onBehalfOf));
    for (const id of coveringPurposes(P)) {
      const q = purposeIndex(id);
      const st = proj.purposes[q];
      if (!st) continue;
      cover.push(st);
      coverNames.push(names.perPurpose[q] ?? newBits(cap));
    }
    const expiresAt = facts.consents.expiresAt;
    const hasCover = newBits(cap);
    const validCover = newBits(cap);
    const namesValid = newBits(cap);
    const basisOk = newBits(cap);
    const explicitOk = newBits(cap);
    const scratch = newBits(cap);
    cover.forEach((st, k) => {
      const valid = st.validStatus.slice(0, words);
      // Expiry depends on t: clear the few valid rows that have lapsed.
      and(scratch, st.expires, st.validStatus, words);
      forEachBit(scratch, words, (s) => {
        if (expiresAt[st.latest[s]!]! <= t) putBit(valid, s, false);
      });
      or(hasCover, hasCover, st.has, words);
      or(validCover, validCover, valid, words);
      and(scratch, valid, coverNames[k]!, words);
      or(namesValid, namesValid, scratch, words);
      and(scratch, scratch, st.demonstrable, words);
      or(basisOk, basisOk, scratch, words);
      and(scratch, scratch, st.explicit, words);
      or(explicitOk, explicitOk, scratch, words);
    });

    const sets: SetContext = {
      request,
      pack,
      proj,
      K,
      words,
      cap,
      consent,
      cover,
      hasCover,
      validCover,
      namesValid,
      basisOk,
      explicitOk,
      namesAny: names.any,
      agreementChildJustified: !!agreement?.childJustification,
      childStripped: (transfer.strippedFlags & RECORD_CHILD) !== 0,
      art9: agreement?.art9Condition ?? null,
    };
    const outputs: RuleOutput[] = [];
    const errors = new Map<RuleId, unknown>();
    for (const rule of pack.rules) {
      if (rule.scope !== 'record') continue;
      try {
        const out = this.#ruleOutput(rule, sets);
        if (out) outputs.push(out);
      } catch (e) {
        errors.set(rule.id, e);
      }
    }

    // Gather: one pass over the records reading bits; counts come from popcounts afterwards.
    const subjectBlocked = newBits(cap);
    for (const out of outputs) {
      if (out.kind === 'subjects' && out.level === 'block') for (const { bits } of out.sets) or(subjectBlocked, subjectBlocked, bits, words);
    }
    const child = outputs.find((o) => o.kind === 'child');
    const special = outputs.find((o): o is Extract<RuleOutput, { kind: 'special' }> => o.kind === 'special');
    // A child bit counts whether the child's fields are sent or were all stripped (then only a warning).
    const childMask = child ? (transfer.flagMask | transfer.strippedFlags) & RECORD_CHILD : 0;
    const specialMask = special ? transfer.flagMask & RECORD_SPECIAL : 0;
    const childBlocks = child?.level === 'block';
    const specialBlocks = special?.level === 'block';
    const specialOk = special?.ok ?? 'none';
    const specialFails = (o: number): boolean => specialOk === 'none' || (specialOk !== 'all' && !hasBit(specialOk, o));

    const { ordinals, flags } = records;
    const n = ordinals.length;
    const allowedMask = new Uint8Array(n);
    const repeats: number[] = [];
    let unknown = 0;
    let childCount = 0;
    let specialCount = 0;
    let allowed = 0;
    // The one pass over the records reads, at random, whether a subject is known, blocked and
    // already seen: kept side by side (3 words per 32 subjects, about 400 KB for a million), so
    // a record costs one cache line instead of three.
    const state = new Uint32Array(words * 3);
    for (let w = 0; w < words; w++) {
      state[w * 3] = K[w]!;
      state[w * 3 + 1] = subjectBlocked[w]!;
    }
    const childOff = childBlocks ? 0 : 1;
    for (let i = 0; i < n; i++) {
      const o = ordinals[i]!;
      if (o < 0 || o >= cap) {
        unknown++;
        continue;
      }
      const at = (o >>> 5) * 3;
      const bit = 1 << (o & 31);
      if ((state[at]! & bit) === 0) {
        unknown++;
        continue;
      }
      const seen = state[at + 2]!;
      if ((seen & bit) !== 0) repeats.push(o);
      else state[at + 2] = seen | bit;
      let ok = (state[at + 1]! & bit) === 0 ? 1 : 0;
      const f = flags[i]!;
      if ((f & childMask) !== 0) {
        childCount++;
        ok &= childOff;
      }
      if ((f & specialMask) !== 0 && specialFails(o)) {
        specialCount++;
        if (specialBlocks) ok = 0;
      }
      allowedMask[i] = ok;
      allowed += ok;
    }
    const present = newBits(cap);
    for (let w = 0; w < words; w++) present[w] = state[w * 3 + 2]!;

    const block = new Map<string, number>();
    const warn = new Map<string, number>();
    const add = (level: RuleLevel, code: string, count: number): void => {
      if (count === 0) return;
      const m = level === 'block' ? block : warn;
      m.set(code, (m.get(code) ?? 0) + count);
    };
    add('block', 'no-consent-record', unknown);
    for (const out of outputs) {
      if (out.kind === 'child') add(out.level, 'child-data', childCount);
      else if (out.kind === 'special') add(out.level, 'special-category', specialCount);
      else {
        for (const { code, bits } of out.sets) {
          let count = andCount(bits, present, words);
          for (const o of repeats) if (hasBit(bits, o)) count++;
          add(out.level, code, count);
        }
      }
    }

    // One walk for both of a record's answers: its codes in pack order (pushed into `codes` when
    // given), and its reason key, a bit per code at the code's place among all a record may
    // carry (0: no consent record, its only code). Places past 30 wrap; recordCodeKey then gives none.
    const walkCodes = (i: number, codes: string[] | null): number => {
      const o = ordinals[i]!;
      if (o < 0 || o >= cap || !hasBit(K, o)) {
        codes?.push('no-consent-record');
        return 1;
      }
      let key = 0;
      let place = 1;
      for (const out of outputs) {
        if (out.kind === 'subjects') {
          for (const { code, bits } of out.sets) {
            if (hasBit(bits, o)) {
              key |= 1 << place;
              codes?.push(code);
            }
            place++;
          }
        } else if (out.kind === 'child') {
          if ((flags[i]! & childMask) !== 0) {
            key |= 1 << place;
            codes?.push('child-data');
          }
          place++;
        } else {
          if ((flags[i]! & specialMask) !== 0 && specialFails(o)) {
            key |= 1 << place;
            codes?.push('special-category');
          }
          place++;
        }
      }
      return key;
    };
    // Places a record's reason key needs: one for "no consent record", one per code it may carry.
    const keyBits = 1 + outputs.reduce((sum, out) => sum + (out.kind === 'subjects' ? out.sets.length : 1), 0);
    return assembleDecision({
      request,
      pack,
      requested: n,
      transfer,
      tally: { block, warn, errors },
      allowedMask,
      allowedCount: allowed,
      recordCodeKey: (i) => (keyBits > 30 ? -1 : walkCodes(i, null)),
      recordCodes: (i) => {
        const codes: string[] = [];
        walkCodes(i, codes);
        return codes;
      },
    });
  }

  #ruleOutput(rule: PackRule, x: SetContext): RuleOutput | null {
    const { K, words, cap, consent, request } = x;
    const P = request.purpose;
    const subjects = (...sets: { code: string; bits: Bits }[]): RuleOutput => ({ kind: 'subjects', level: rule.level, sets });
    switch (rule.id) {
      case 'purpose-named':
        return consent ? subjects({ code: 'purpose-not-named', bits: andNot(newBits(cap), K, x.hasCover, words) }) : null;
      case 'consent-status-valid': {
        if (!consent) return null;
        const withdrawn = newBits(cap);
        const expired = newBits(cap);
        const notGiven = newBits(cap);
        const invalid = andNot(newBits(cap), x.hasCover, x.validCover, words);
        const c = this.#facts.consents;
        // Only subjects with covering rows but none valid: classify the latest of those rows.
        forEachBit(invalid, words, (s) => {
          let last = -1;
          for (const st of x.cover) {
            const r = st.latest[s]!;
            if (r >= 0 && (last < 0 || c.at[r]! > c.at[last]! || (c.at[r] === c.at[last] && r > last))) last = r;
          }
          const status = c.status[last]!;
          setBit(WITHDRAWN[status] ? withdrawn : status === EXPIRED || VALID_STATUS[status] ? expired : notGiven, s);
        });
        return subjects({ code: 'consent-withdrawn', bits: withdrawn }, { code: 'consent-expired', bits: expired }, { code: 'consent-not-given', bits: notGiven });
      }
      case 'recipient-named': {
        if (!consent) return null;
        // Valid covering rows exist but none names the recipients; or none is valid and no latest row of any purpose names them.
        const a = andNot(newBits(cap), x.validCover, x.namesValid, words);
        const b = andNot(newBits(cap), K, x.validCover, words);
        andNot(b, b, x.namesAny, words);
        return subjects({ code: 'recipient-not-named', bits: or(a, a, b, words) });
      }
      case 'consent-demonstrable':
        return consent ? subjects({ code: 'consent-not-demonstrable', bits: andNot(newBits(cap), x.namesValid, x.basisOk, words) }) : null;
      case 'lawful-basis-no-switch':
        return consent ? null : subjects({ code: 'basis-switch', bits: K });
      case 'objection-honoured': {
        const bits = and(newBits(cap), K, x.proj.objectedAll, words);
        const scoped = newBits(cap);
        if (isWithin(P, 'marketing')) or(bits, bits, and(scoped, K, x.proj.objectedDirectMarketing, words), words);
        if (isWithin(P, 'advertising') || P === 'sale-of-data') or(bits, bits, and(scoped, K, x.proj.objectedSaleSharing, words), words);
        return subjects({ code: 'objection', bits });
      }
      case 'storage-limitation':
        return subjects({ code: 'retention-expired', bits: this.#retentionExpired(x.proj, request.at) });
      case 'child-data': {
        if (x.childStripped) return { kind: 'child', level: 'warn' };
        const blocks = x.pack.params.childBlockPurposes.some((c) => isWithin(P, c)) && !x.agreementChildJustified;
        return { kind: 'child', level: rule.level === 'block' && blocks ? 'block' : 'warn' };
      }
      case 'special-category': {
        const condition = x.art9;
        const accepted = condition !== null && x.pack.params.specialCategoryConditions.includes(condition);
        return { kind: 'special', level: rule.level, ok: !accepted ? 'none' : condition === 'explicit-consent' ? x.explicitOk : 'all' };
      }
      default:
        throw new Error(`no record check for rule ${rule.id}`);
    }
  }

  /** Subjects whose first row's notice states a retention period that has run out by t. */
  #retentionExpired(proj: ControllerProjection, t: number): Bits {
    const facts = this.#facts;
    const out = newBits(proj.capacity);
    const retention = new Float64Array(facts.noticeHashCount).fill(Number.NaN);
    let any = false;
    for (let k = 0; k < retention.length; k++) {
      const days = facts.notices.get(facts.noticeHashAt(k))?.retentionDays ?? null;
      if (days !== null) {
        retention[k] = days * DAY_MS;
        any = true;
      }
    }
    if (!any) return out;
    const c = facts.consents;
    forEachBit(proj.known, wordsFor(proj.capacity), (s) => {
      const r = proj.first[s]!;
      const notice = c.notice[r]!;
      if (notice >= 0 && !Number.isNaN(retention[notice]!) && c.at[r]! + retention[notice]! <= t) setBit(out, s);
    });
    return out;
  }
}

interface SetContext {
  readonly request: TransferRequest;
  readonly pack: RulePack;
  readonly proj: ControllerProjection;
  readonly K: Bits;
  readonly words: number;
  readonly cap: number;
  readonly consent: boolean;
  readonly cover: readonly PurposeState[];
  readonly hasCover: Bits;
  readonly validCover: Bits;
  readonly namesValid: Bits;
  readonly basisOk: Bits;
  readonly explicitOk: Bits;
  readonly namesAny: Bits;
  readonly agreementChildJustified: boolean;
  /** Every child field requested was stripped: child-data only warns. */
  readonly childStripped: boolean;
  readonly art9: string | null;
}
