/**
 * The rules this code implements: what a rule pack may name, at which levels, with which codes.
 * A pack is data; this catalogue is the contract between the data and the evaluators.
 */
import { z } from 'zod';

export const RULE_LEVELS = ['block', 'warn', 'strip'] as const;
export type RuleLevel = (typeof RULE_LEVELS)[number];

export const RULE_SCOPES = ['record', 'transfer'] as const;
export type RuleScope = (typeof RULE_SCOPES)[number];

export interface RuleSpec {
  readonly scope: RuleScope;
  /** Levels the implementation supports; the first is the default. */
  readonly levels: readonly RuleLevel[];
  /** Codes the rule can emit, in the order they are reported. */
  readonly codes: readonly string[];
  /** Jurisdictions whose packs may use the rule; undefined = any. */
  readonly jurisdictions?: readonly string[];
  /** Rule-level parameters (strict: unknown keys are refused). */
  readonly params: z.ZodType<Record<string, unknown>>;
  /** Short plain-English description used in finding messages. */
  readonly title: string;
}

const noParams = z.strictObject({});

export const RULE_CATALOGUE = {
  'consent-status-valid': {
    scope: 'record',
    levels: ['block'],
    codes: ['consent-withdrawn', 'consent-expired', 'consent-not-given'],
    params: noParams,
    title: 'no valid consent for the purpose at the transfer time',
  },
  'purpose-named': {
    scope: 'record',
    levels: ['block'],
    codes: ['purpose-not-named'],
    params: noParams,
    title: 'no consent names the purpose (or a broader one that may cover it)',
  },
  'recipient-named': {
    scope: 'record',
    levels: ['block'],
    codes: ['recipient-not-named'],
    params: noParams,
    title: 'the recipient (and the controller it acts for) are not named in the consent',
  },
  'consent-demonstrable': {
    scope: 'record',
    levels: ['block'],
    codes: ['no-consent-record', 'consent-not-demonstrable'],
    params: noParams,
    title: 'the consent cannot be demonstrated (no record, notice or collection method)',
  },
  'objection-honoured': {
    scope: 'record',
    levels: ['block'],
    codes: ['objection'],
    params: noParams,
    title: 'the person objected to this use',
  },
  'child-data': {
    scope: 'record',
    levels: ['block', 'warn'],
    codes: ['child-data'],
    params: noParams,
    title: "the record carries a child's data",
  },
  'special-category': {
    scope: 'record',
    levels: ['block'],
    codes: ['special-category'],
    params: noParams,
    title: 'special-category data without an Art 9 condition',
  },
  'storage-limitation': {
    scope: 'record',
    levels: ['block', 'warn'],
    codes: ['retention-expired'],
    params: noParams,
    title: 'the record is past the retention period stated at collection',
  },
  'lawful-basis-no-switch': {
    scope: 'record',
    levels: ['block'],
    codes: ['basis-switch'],
    params: noParams,
    title: 'data collected on consent cannot move to another lawful basis',
  },
  'political-use-explicit': {
    scope: 'transfer',
    levels: ['block', 'warn'],
    codes: ['political-use-not-disclosed'],
    params: noParams,
    title: 'political use was not disclosed in any notice in force',
  },
  'recipient-disclosed-in-notice': {
    scope: 'transfer',
    levels: ['warn', 'block'],
    codes: ['recipient-not-in-notice'],
    params: noParams,
    title: 'no notice in force names the recipient or its category',
  },
  'data-minimisation': {
    scope: 'transfer',
    levels: ['strip'],
    codes: ['fields-stripped'],
    params: noParams,
    title: 'fields beyond what the channel and agreement need were stripped',
  },
  'data-sharing-agreement': {
    scope: 'transfer',
    levels: ['warn', 'block'],
    codes: ['agreement-missing'],
    params: noParams,
    title: 'no data-sharing agreement covers this transfer',
  },
  'dpia-required': {
    scope: 'transfer',
    levels: ['block', 'warn'],
    codes: ['dpia-missing'],
    params: noParams,
    title: 'a high-risk transfer without a DPIA reference',
  },
  'source-due-diligence': {
    scope: 'transfer',
    levels: ['block', 'warn'],
    codes: ['provenance-missing'],
    params: noParams,
    title: 'the discloser cannot show it collected the records',
  },
  'art14-notice-by-recipient': {
    scope: 'transfer',
    levels: ['warn', 'block'],
    codes: ['art14-notice-missing'],
    params: z.strictObject({ maxDays: z.number().int().nonnegative().default(30) }),
    title: 'the recipient has not committed to inform people in time',
  },
  'recipient-propagation': {
    scope: 'transfer',
    levels: ['block', 'warn'],
    codes: ['recipient-unreachable'],
    params: noParams,
    title: 'a recipient has no contact for withdrawals and erasures',
  },
  'pecr-channel': {
    scope: 'transfer',
    levels: ['block'],
    codes: ['pecr-consent-required', 'tps-not-screened'],
    jurisdictions: ['UK'],
    params: noParams,
    title: 'electronic marketing rules (PECR) not met',
  },
  'intl-transfer': {
    scope: 'transfer',
    levels: ['block'],
    codes: ['no-transfer-safeguard'],
    params: noParams,
    title: 'recipient outside the adequate countries without a safeguard',
  },
} as const satisfies Record<string, RuleSpec>;

export type RuleId = keyof typeof RULE_CATALOGUE;

export const RULE_IDS = Object.keys(RULE_CATALOGUE) as RuleId[];

/**
 * Rules every pack must list: without them a record with no valid consent could go out,
 * which would break deny-by-default (design.md invariant 4).
 */
export const REQUIRED_RULES: readonly RuleId[] = [
  'consent-status-valid',
  'purpose-named',
  'recipient-named',
  'consent-demonstrable',
  'lawful-basis-no-switch',
];

export function isRuleId(id: string): id is RuleId {
  return Object.hasOwn(RULE_CATALOGUE, id);
}

export function ruleSpec(id: RuleId): RuleSpec {
  return RULE_CATALOGUE[id];
}

/** Codes that are not emitted by one rule. */
export const TRANSFER_BLOCKED = 'transfer-blocked';
export const RULE_ERROR = 'rule-error';
