/**
 * Transfer-level rules: one pure check each over (request, pack, facts at t, record summary).
 * Both evaluators share this module; they differ only in how records are judged.
 */
import { fieldCategory } from '../domain/data-categories.ts';
import { isWithin } from '../domain/purposes.ts';
import type { Agreement, Notice, OrgId, Organisation, TransferRequest } from '../domain/types.ts';
import type { Finding } from './decision.ts';
import type { Facts } from './facts.ts';
import { RECORD_CHILD, RECORD_SPECIAL, type TransferRecords } from './record-flags.ts';
import { RULE_ERROR, type RuleId } from './rule-catalogue.ts';
import type { PackRule, RulePack } from './rule-pack.ts';

export interface TransferOutcome {
  /** The covering data-sharing agreement, or null. */
  readonly agreement: Agreement | null;
  readonly fields: { readonly sent: readonly string[]; readonly stripped: readonly string[] };
  /** Record flag bits that still count after stripping (RECORD_CHILD | RECORD_SPECIAL or fewer). */
  readonly flagMask: number;
  /**
   * Flag bits whose fields were requested and all stripped: a record with such a bit carried that
   * data only in fields that are not sent. Disjoint from flagMask.
   */
  readonly strippedFlags: number;
  /** Transfer-level findings by rule (at most one each; rule errors included). */
  readonly findings: ReadonlyMap<RuleId, Finding>;
  /** A transfer-level rule blocked (or failed): every record is refused. */
  readonly blocked: boolean;
}

function iso(t: number): string {
  return Number.isFinite(t) ? new Date(t).toISOString() : String(t);
}

/**
 * The agreement covering the request: same parties (null on-behalf-of matches null), a purpose
 * the request's purpose is within, in force at t. Several: the latest validFrom, then the last added.
 */
export function coveringAgreement(request: TransferRequest, agreements: readonly Agreement[]): Agreement | null {
  let best: Agreement | null = null;
  for (const a of agreements) {
    if (a.from !== request.from || a.to !== request.to || a.onBehalfOf !== request.onBehalfOf) continue;
    if (!a.purposes.some((p) => isWithin(request.purpose, p))) continue;
    if (!(a.validFrom <= request.at && (a.validTo === null || request.at < a.validTo))) continue;
    if (best === null || a.validFrom >= best.validFrom) best = a;
  }
  return best;
}

/** Notices of `controller` in force at t (effectiveFrom ≤ t), in registration order. */
export function noticesInForce(facts: Facts, controller: OrgId, t: number): Notice[] {
  const out: Notice[] = [];
  for (const n of facts.notices.values()) if (n.controller === controller && n.effectiveFrom <= t) out.push(n);
  return out;
}

function distinct(fields: readonly string[]): string[] {
  return [...new Set(fields)];
}

interface Context {
  readonly request: TransferRequest;
  readonly pack: RulePack;
  readonly facts: Facts;
  readonly agreement: Agreement | null;
  readonly count: number;
  readonly anyChild: boolean;
  readonly anySpecial: boolean;
  readonly stripped: readonly string[];
  readonly to: Organisation | undefined;
  readonly onBehalfOf: Organisation | undefined;
  readonly notices: readonly Notice[];
}

/** A failing check returns its code and message; a passing one returns null. */
type Check = (ctx: Context, rule: PackRule) => { code: string; message: string; level?: 'block' } | null;

const politicalParty = (o: Organisation | undefined): boolean => o?.kind === 'political-party';

const CHECKS: Partial<Record<RuleId, Check>> = {
  'data-minimisation': (ctx) =>
    ctx.stripped.length === 0
      ? null
      : {
          code: 'fields-stripped',
          message: `stripped ${ctx.stripped.join(', ')}: not needed for channel ${ctx.request.channel}${
            ctx.agreement ? ` or not in agreement ${ctx.agreement.id}` : ''
          }`,
        },

  'data-sharing-agreement': (ctx) => {
    if (ctx.agreement) return null;
    const { request, facts } = ctx;
    const parties = `${request.from} → ${request.to}${request.onBehalfOf ? ` on behalf of ${request.onBehalfOf}` : ''}`;
    const base = `no agreement ${parties} covers ${request.purpose} at ${iso(request.at)}`;
    if (request.onBehalfOf !== null) {
      return { code: 'agreement-missing', message: `${base}; ${request.to} acts as processor for ${request.onBehalfOf} (Art 28(3))`, level: 'block' };
    }
    const joint = facts.agreements.some((a) => a.from === request.from && a.to === request.to && a.role === 'joint-controller');
    if (joint) return { code: 'agreement-missing', message: `${base}; the parties are joint controllers (Art 26)`, level: 'block' };
    return { code: 'agreement-missing', message: base };
  },

  'dpia-required': (ctx) => {
    const { request, pack } = ctx;
    const why: string[] = [];
    if (ctx.count > pack.params.dpiaRecordThreshold) why.push(`${ctx.count} records > ${pack.params.dpiaRecordThreshold}`);
    if (ctx.anyChild) why.push("children's data");
    if (ctx.anySpecial) why.push('special-category data');
    if (isWithin(request.purpose, 'political-campaign') || isWithin(request.purpose, 'profiling')) why.push(`purpose ${request.purpose}`);
    if (politicalParty(ctx.to) || politicalParty(ctx.onBehalfOf)) why.push('political party recipient');
    if (why.length === 0 || ctx.agreement?.dpiaRef) return null;
    return { code: 'dpia-missing', message: `high-risk transfer (${why.join('; ')}) without a DPIA reference` };
  },

  'political-use-explicit': (ctx) => {
    const { request } = ctx;
    const political = isWithin(request.purpose, 'political-campaign') || politicalParty(ctx.to) || politicalParty(ctx.onBehalfOf);
    if (!political || ctx.notices.some((n) => n.purposes.includes('political-campaign'))) return null;
    return { code: 'political-use-not-disclosed', message: `no notice of ${request.from} in force at ${iso(request.at)} mentions political campaigning` };
  },

  'recipient-disclosed-in-notice': (ctx) => {
    const { request } = ctx;
    const kind = ctx.to?.kind;
    if (ctx.notices.some((n) => n.recipients.includes(request.to) || (kind !== undefined && n.recipientCategories.includes(kind)))) return null;
    return { code: 'recipient-not-in-notice', message: `no notice of ${request.from} in force at ${iso(request.at)} names ${request.to} or its category` };
  },

  'source-due-diligence': (ctx) =>
    ctx.notices.length > 0
      ? null
      : { code: 'provenance-missing', message: `${ctx.request.from} has no notice in force at ${iso(ctx.request.at)}: it cannot show it collected the records` },

  'art14-notice-by-recipient': (ctx, rule) => {
    const maxDays = rule.params['maxDays'] as number;
    const days = ctx.agreement?.art14NoticeDays ?? null;
    if (days !== null && days <= maxDays) return null;
    return {
      code: 'art14-notice-missing',
      message:
        days === null
          ? `${ctx.request.to} has not committed to inform people (Art 14) within ${maxDays} days`
          : `${ctx.request.to} commits to inform people after ${days} days (more than ${maxDays})`,
    };
  },

  'recipient-propagation': (ctx) => {
    const { request } = ctx;
    const unreachable = [request.to, ...(request.onBehalfOf === null ? [] : [request.onBehalfOf])].filter(
      (id) => !ctx.facts.organisations.get(id)?.rightsContact,
    );
    if (unreachable.length === 0) return null;
    return { code: 'recipient-unreachable', message: `no contact for rights requests at ${unreachable.join(', ')}` };
  },

  'pecr-channel': (ctx) => {
    const { request } = ctx;
    const electronic = request.channel === 'email' || request.channel === 'sms' || request.channel === 'phone';
    if (electronic && request.basis !== 'consent') {
      return { code: 'pecr-consent-required', message: `${request.channel} marketing needs consent, not ${request.basis}` };
    }
    if (request.channel === 'phone' && !request.tpsScreened) {
      return { code: 'tps-not-screened', message: 'calls not screened against the Telephone Preference Service' };
    }
    return null;
  },

  'intl-transfer': (ctx) => {
    const { request, pack } = ctx;
    if (ctx.agreement?.transferSafeguard) return null;
    const outside = [request.to, ...(request.onBehalfOf === null ? [] : [request.onBehalfOf])].filter((id) => {
      const country = ctx.facts.organisations.get(id)?.country;
      return country === undefined || !pack.params.adequateCountries.includes(country);
    });
    if (outside.length === 0) return null;
    const where = outside.map((id) => `${id} (${ctx.facts.organisations.get(id)?.country ?? 'country unknown'})`);
    return { code: 'no-transfer-safeguard', message: `${where.join(', ')} outside the adequate countries and no safeguard recorded` };
  },
};

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function ruleErrorFinding(rule: PackRule, error: unknown, affected: number): Finding {
  return { rule: rule.id, code: RULE_ERROR, level: 'block', citation: rule.citation, message: `rule failed: ${messageOf(error)}`, affected };
}

/** Fields that may be sent: request ∩ channel fields ∩ agreement fields (when there is one). */
function selectFields(request: TransferRequest, pack: RulePack, agreement: Agreement | null): { sent: string[]; stripped: string[] } {
  const channel = pack.params.channelFields[request.channel];
  if (channel === undefined) throw new Error(`no channelFields entry for channel "${request.channel}"`);
  const sent: string[] = [];
  const stripped: string[] = [];
  for (const f of distinct(request.fields)) {
    const ok = (channel === null || channel.includes(f)) && (agreement === null || agreement.fields.includes(f));
    (ok ? sent : stripped).push(f);
  }
  return { sent, stripped };
}

/**
 * Which flag bits still count once `stripped` fields are gone: a bit is cleared only when the
 * request named fields of that kind and all of them were stripped (a flag set because the
 * subject is a child, with no child field requested, stays).
 */
export function survivingFlags(requested: readonly string[], stripped: readonly string[]): number {
  let mask = 0;
  const kinds = [
    [RECORD_CHILD, (f: string) => fieldCategory(f)?.child === true],
    [RECORD_SPECIAL, (f: string) => fieldCategory(f)?.special === true],
  ] as const;
  for (const [bit, isKind] of kinds) {
    const asked = requested.filter(isKind);
    if (asked.length === 0 || asked.some((f) => !stripped.includes(f))) mask |= bit;
  }
  return mask;
}

/** The bits of `mask` set in any of `flags`: read a word at a time, stopping once all are seen. */
function flagsAmong(flags: Uint8Array, mask: number): number {
  if (mask === 0) return 0;
  let seen = 0;
  const n = flags.length;
  let i = 0;
  // Whole words from the first 4-byte boundary; the bytes before and after one at a time.
  for (; i < n && (flags.byteOffset + i) % 4 !== 0; i++) seen |= flags[i]!;
  const words = new Uint32Array(flags.buffer, flags.byteOffset + i, (n - i) >>> 2);
  const all = mask | (mask << 8) | (mask << 16) | (mask << 24);
  for (let w = 0; w < words.length; w += 256) {
    let block = 0;
    const end = Math.min(words.length, w + 256);
    for (let k = w; k < end; k++) block |= words[k]!;
    block &= all;
    seen |= block | (block >>> 8) | (block >>> 16) | (block >>> 24);
    if ((seen & mask) === mask) return mask;
  }
  for (i += words.length * 4; i < n; i++) seen |= flags[i]!;
  return seen & mask;
}

/** Runs every transfer-level rule of the pack, in pack order. Pure. */
export function evaluateTransfer(request: TransferRequest, records: TransferRecords, facts: Facts, pack: RulePack): TransferOutcome {
  const findings = new Map<RuleId, Finding>();
  const count = records.ordinals.length;
  let blocked = false;
  const fail = (rule: PackRule, e: unknown): void => {
    findings.set(rule.id, ruleErrorFinding(rule, e, count));
    blocked = true;
  };

  const agreement = coveringAgreement(request, facts.agreements);
  let fields = { sent: distinct(request.fields), stripped: [] as string[] };
  const minimisation = pack.rules.find((r) => r.id === 'data-minimisation');
  if (minimisation) {
    try {
      fields = selectFields(request, pack, agreement);
    } catch (e) {
      fail(minimisation, e);
    }
  }
  const flagMask = survivingFlags(request.fields, fields.stripped);
  const flagsSeen = flagsAmong(records.flags, flagMask);

  const ctx: Context = {
    request,
    pack,
    facts,
    agreement,
    count,
    anyChild: (flagsSeen & RECORD_CHILD) !== 0,
    anySpecial: (flagsSeen & RECORD_SPECIAL) !== 0,
    stripped: fields.stripped,
    to: facts.organisations.get(request.to),
    onBehalfOf: request.onBehalfOf === null ? undefined : facts.organisations.get(request.onBehalfOf),
    notices: noticesInForce(facts, request.from, request.at),
  };

  for (const rule of pack.rules) {
    if (rule.scope !== 'transfer' || findings.has(rule.id)) continue;
    const check = CHECKS[rule.id];
    try {
      if (!check) throw new Error(`no transfer check for rule ${rule.id}`);
      const out = check(ctx, rule);
      if (!out) continue;
      // A rule may escalate a warn to block (data-sharing-agreement for processors); never the reverse.
      const level = out.level === 'block' ? 'block' : rule.level;
      findings.set(rule.id, { rule: rule.id, code: out.code, level, citation: rule.citation, message: out.message, affected: count });
      if (level === 'block') blocked = true;
    } catch (e) {
      fail(rule, e);
    }
  }
  // INVARIANT: survivingFlags clears a bit only when its fields were requested and all stripped.
  const strippedFlags = (RECORD_CHILD | RECORD_SPECIAL) & ~flagMask;
  return { agreement, fields, flagMask, strippedFlags, findings, blocked };
}
