/** Purpose taxonomy: our short ids, each mapped to a W3C DPV 2.x concept. */
export interface Purpose {
  readonly id: string;
  readonly label: string;
  readonly dpv: string;
  readonly parent: string | null;
  /** Never implied by a broader consent: must be named explicitly (rules.md, purpose-named). */
  readonly mustName: boolean;
}

const DPV = 'https://w3id.org/dpv#';

export const PURPOSES: readonly Purpose[] = [
  { id: 'marketing', label: 'Marketing', dpv: `${DPV}Marketing`, parent: null, mustName: false },
  { id: 'direct-marketing', label: 'Direct marketing', dpv: `${DPV}DirectMarketing`, parent: 'marketing', mustName: false },
  { id: 'advertising', label: 'Advertising', dpv: `${DPV}Advertising`, parent: 'marketing', mustName: false },
  { id: 'personalised-advertising', label: 'Personalised advertising', dpv: `${DPV}PersonalisedAdvertising`, parent: 'advertising', mustName: false },
  { id: 'targeted-advertising', label: 'Targeted advertising', dpv: `${DPV}TargetedAdvertising`, parent: 'personalised-advertising', mustName: false },
  // DPV places PoliticalCampaign under Advertising: plain subsumption would let "marketing" cover it.
  { id: 'political-campaign', label: 'Political campaigning', dpv: `${DPV}PoliticalCampaign`, parent: 'advertising', mustName: true },
  { id: 'sale-of-data', label: 'Sale of data to third parties', dpv: `${DPV}SellDataToThirdParties`, parent: null, mustName: true },
  { id: 'profiling', label: 'Profiling and insight', dpv: `${DPV}Personalisation`, parent: null, mustName: false },
  { id: 'service-provision', label: 'Providing the service', dpv: `${DPV}ServiceProvision`, parent: null, mustName: false },
  { id: 'account-management', label: 'Account management', dpv: `${DPV}AccountManagement`, parent: 'service-provision', mustName: false },
  { id: 'research', label: 'Research and development', dpv: `${DPV}ResearchAndDevelopment`, parent: null, mustName: false },
  { id: 'legal-obligation', label: 'Meeting a legal obligation', dpv: `${DPV}FulfilmentOfObligation`, parent: null, mustName: false },
];

const BY_ID = new Map(PURPOSES.map((p) => [p.id, p]));

export function purposeById(id: string): Purpose | undefined {
  return BY_ID.get(id);
}

export function isPurposeId(id: string): boolean {
  return BY_ID.has(id);
}

/** The purpose itself and its ancestors, nearest first. */
export function purposeLineage(id: string): string[] {
  const out: string[] = [];
  for (let p = BY_ID.get(id); p; p = p.parent ? BY_ID.get(p.parent) : undefined) out.push(p.id);
  return out;
}

/** True when `ancestor` is `id` or one of its ancestors. */
export function isWithin(id: string, ancestor: string): boolean {
  return purposeLineage(id).includes(ancestor);
}

/**
 * The consented purposes that would cover a transfer for `purpose`: the purpose itself and,
 * unless it is must-name, its ancestors.
 */
export function coveringPurposes(purpose: string): string[] {
  const p = BY_ID.get(purpose);
  if (!p) return [];
  return p.mustName ? [p.id] : purposeLineage(p.id);
}
