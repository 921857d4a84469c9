/** A rule pack: a jurisdiction's rules and parameters, as data (packs/*.yaml). */
import { z } from 'zod';
import { isPurposeId } from '../domain/purposes.ts';
import { CHANNELS, type Channel } from '../domain/types.ts';
import { RULE_LEVELS, RULE_SCOPES, type RuleId, type RuleLevel, type RuleScope } from './rule-catalogue.ts';

const purposeId = z.string().refine(isPurposeId, { message: 'unknown purpose id' });
const fieldList = z.array(z.string().min(1)).nullable();

export const packParamsSchema = z.strictObject({
  /** Age under which a subject is a child (UK 13, EU default 16). */
  childAge: z.number().int().min(0).max(18),
  /** Record count above which a transfer is high risk (Art 35). */
  dpiaRecordThreshold: z.number().int().nonnegative(),
  /** Fields each channel needs; null = every field allowed. */
  channelFields: z.strictObject(Object.fromEntries(CHANNELS.map((c) => [c, fieldList])) as Record<Channel, typeof fieldList>),
  /** ISO 3166-1 alpha-2 codes with adequacy (no Chapter V safeguard needed). */
  adequateCountries: z.array(z.string().regex(/^[A-Z]{2}$/, 'use ISO 3166-1 alpha-2 codes such as GB')).min(1),
  /** Purposes (with descendants) for which children's data blocks; other purposes warn. */
  childBlockPurposes: z.array(purposeId),
  /** Art 9 conditions the pack accepts for special-category data. */
  specialCategoryConditions: z.array(z.string().min(1)),
});

export type PackParams = z.infer<typeof packParamsSchema>;

export const packRuleSchema = z.strictObject({
  id: z.string().min(1),
  scope: z.enum(RULE_SCOPES),
  level: z.enum(RULE_LEVELS),
  citation: z.string().trim().min(1, 'citation is required'),
  params: z.record(z.string(), z.unknown()).optional(),
});

export const packSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'use lower-case letters, digits and hyphens'),
  version: z.string().min(1),
  jurisdiction: z.string().regex(/^[A-Z]{2,3}$/, 'use an upper-case jurisdiction code such as UK or EU'),
  name: z.string().min(1),
  params: packParamsSchema,
  rules: z.array(packRuleSchema).min(1),
});

export interface PackRule {
  readonly id: RuleId;
  readonly scope: RuleScope;
  readonly level: RuleLevel;
  readonly citation: string;
  /** Rule parameters after defaults (validated against the catalogue). */
  readonly params: Readonly<Record<string, unknown>>;
}

export interface RulePack {
  readonly id: string;
  readonly version: string;
  readonly jurisdiction: string;
  readonly name: string;
  readonly params: PackParams;
  /** In evaluation and reporting order. */
  readonly rules: readonly PackRule[];
}

export function packRule(pack: RulePack, id: RuleId): PackRule | undefined {
  return pack.rules.find((r) => r.id === id);
}
