/**
 * IAB TCF v2 (2.2 / 2.3) TC strings, decoded bit by bit as the "Consent string and vendor list
 * formats v2" specification lays them out: the core segment, then optional DisclosedVendors
 * and PublisherTC segments, joined by ".". Pure; a bad string throws a SignalError naming the
 * field that is wrong.
 */
import { BitReader, base64UrlBits, SignalError } from './bits.ts';

/** Publisher restriction types (2 bits). */
export const RESTRICTION_TYPES = ['not-allowed', 'require-consent', 'require-legitimate-interest', 'undefined'] as const;
export type RestrictionType = (typeof RESTRICTION_TYPES)[number];

export interface PublisherRestriction {
  readonly purposeId: number;
  readonly restrictionType: RestrictionType;
  readonly vendorIds: readonly number[];
}

export interface TcCore {
  readonly version: number;
  /** Epoch ms (the string holds deciseconds). */
  readonly created: number;
  readonly lastUpdated: number;
  readonly cmpId: number;
  readonly cmpVersion: number;
  readonly consentScreen: number;
  /** ISO 639-1, upper case as encoded, e.g. "EN". */
  readonly consentLanguage: string;
  readonly vendorListVersion: number;
  readonly tcfPolicyVersion: number;
  readonly isServiceSpecific: boolean;
  readonly useNonStandardTexts: boolean;
  readonly specialFeatureOptIns: readonly number[];
  /** Purposes (1-24) with consent. */
  readonly purposesConsent: readonly number[];
  /** Purposes (1-24) whose legitimate interest was disclosed and not objected to. */
  readonly purposesLITransparency: readonly number[];
  readonly purposeOneTreatment: boolean;
  readonly publisherCC: string;
  readonly vendorConsents: readonly number[];
  readonly vendorLegitimateInterests: readonly number[];
  readonly publisherRestrictions: readonly PublisherRestriction[];
}

export interface TcString {
  readonly core: TcCore;
  /** Vendors disclosed to the user (segment type 1); null when the segment is absent. */
  readonly disclosedVendors: readonly number[] | null;
  /** The publisher's own purposes (segment type 3); null when absent. */
  readonly publisherTC: {
    readonly purposesConsent: readonly number[];
    readonly purposesLITransparency: readonly number[];
    readonly customPurposesConsent: readonly number[];
    readonly customPurposesLITransparency: readonly number[];
  } | null;
  /** Decoding notes that do not make the string unusable (e.g. an old policy version). */
  readonly warnings: readonly string[];
}

/** TCF v2.2 forbids legitimate interest as the basis for purposes 3-6 (policy version 4 on). */
const NO_LI_PURPOSES = [3, 4, 5, 6];

const decisecondsToMs = (ds: number): number => ds * 100;

/** A vendor list: a bit field, or ranges (the encoder picks the shorter). */
function vendorSection(r: BitReader, name: string): number[] {
  const maxVendorId = r.int(16, `${name}.maxVendorId`);
  const isRange = r.bool(`${name}.isRangeEncoding`);
  if (!isRange) return r.flags(maxVendorId, `${name}.bitField`);
  const ids = rangeEntries(r, name);
  const over = ids.find((id) => id > maxVendorId);
  if (over !== undefined) throw new SignalError(`${r.segment}.${name}.ranges`, `vendor ${over} is above maxVendorId ${maxVendorId}`);
  return ids;
}

function rangeEntries(r: BitReader, name: string): number[] {
  const n = r.int(12, `${name}.numEntries`);
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const isARange = r.bool(`${name}.entry[${i}].isARange`);
    const start = r.int(16, `${name}.entry[${i}].startOrOnlyVendorId`);
    if (start === 0) throw new SignalError(`${r.segment}.${name}.entry[${i}].startOrOnlyVendorId`, 'vendor ids start at 1');
    if (!isARange) {
      ids.push(start);
      continue;
    }
    const end = r.int(16, `${name}.entry[${i}].endVendorId`);
    if (end < start) throw new SignalError(`${r.segment}.${name}.entry[${i}].endVendorId`, `range ends (${end}) before it starts (${start})`);
    for (let id = start; id <= end; id++) ids.push(id);
  }
  return [...new Set(ids)].sort((a, b) => a - b);
}

function decodeCore(text: string): { core: TcCore; warnings: string[] } {
  const r = new BitReader(base64UrlBits(text, 'core'), 'core');
  const version = r.int(6, 'version');
  if (version !== 2) throw new SignalError('core.version', `is ${version}; only TCF v2 strings (version 2) are supported`);
  const created = decisecondsToMs(r.int(36, 'created'));
  const lastUpdated = decisecondsToMs(r.int(36, 'lastUpdated'));
  const cmpId = r.int(12, 'cmpId');
  const cmpVersion = r.int(12, 'cmpVersion');
  const consentScreen = r.int(6, 'consentScreen');
  const consentLanguage = r.letters('consentLanguage');
  const vendorListVersion = r.int(12, 'vendorListVersion');
  const tcfPolicyVersion = r.int(6, 'tcfPolicyVersion');
  const isServiceSpecific = r.bool('isServiceSpecific');
  const useNonStandardTexts = r.bool('useNonStandardTexts');
  const specialFeatureOptIns = r.flags(12, 'specialFeatureOptIns');
  const purposesConsent = r.flags(24, 'purposesConsent');
  const purposesLITransparency = r.flags(24, 'purposesLITransparency');
  const purposeOneTreatment = r.bool('purposeOneTreatment');
  const publisherCC = r.letters('publisherCC');
  const vendorConsents = vendorSection(r, 'vendorConsents');
  const vendorLegitimateInterests = vendorSection(r, 'vendorLegitimateInterests');
  const numPubRestrictions = r.int(12, 'publisherRestrictions.numPubRestrictions');
  const publisherRestrictions: PublisherRestriction[] = [];
  for (let i = 0; i < numPubRestrictions; i++) {
    const purposeId = r.int(6, `publisherRestrictions[${i}].purposeId`);
    const restrictionType = RESTRICTION_TYPES[r.int(2, `publisherRestrictions[${i}].restrictionType`)]!;
    publisherRestrictions.push({ purposeId, restrictionType, vendorIds: rangeEntries(r, `publisherRestrictions[${i}]`) });
  }

  const warnings: string[] = [];
  if (cmpId < 2) throw new SignalError('core.cmpId', `is ${cmpId}; registered CMP ids start at 2`);
  if (vendorListVersion === 0) throw new SignalError('core.vendorListVersion', 'is 0; a TC string names the Global Vendor List version it was made with');
  if (created > lastUpdated) throw new SignalError('core.lastUpdated', 'is before created');
  if (tcfPolicyVersion < 4) warnings.push(`tcfPolicyVersion ${tcfPolicyVersion} is before TCF v2.2 (4); such strings are no longer valid since 30 September 2023`);
  if (tcfPolicyVersion >= 4) {
    const bad = purposesLITransparency.filter((p) => NO_LI_PURPOSES.includes(p));
    if (bad.length > 0) throw new SignalError('core.purposesLITransparency', `${bad.length === 1 ? 'purpose' : 'purposes'} ${bad.join(', ')} ${bad.length === 1 ? 'is' : 'are'} set; TCF v2.2 forbids legitimate interest for purposes 3-6`);
  }
  return {
    core: {
      version,
      created,
      lastUpdated,
      cmpId,
      cmpVersion,
      consentScreen,
      consentLanguage,
      vendorListVersion,
      tcfPolicyVersion,
      isServiceSpecific,
      useNonStandardTexts,
      specialFeatureOptIns,
      purposesConsent,
      purposesLITransparency,
      purposeOneTreatment,
      publisherCC,
      vendorConsents,
      vendorLegitimateInterests,
      publisherRestrictions,
    },
    warnings,
  };
}

const SEGMENT_NAMES: Record<number, string> = { 1: 'disclosedVendors', 2: 'allowedVendors', 3: 'publisherTC' };

/** Decodes a TC string; throws SignalError naming the bad field. */
export function decodeTcString(raw: string): TcString {
  const text = raw.trim();
  if (text === '') throw new SignalError('tc_string', 'is empty');
  const [coreText, ...rest] = text.split('.');
  const { core, warnings } = decodeCore(coreText!);
  let disclosedVendors: number[] | null = null;
  let publisherTC: TcString['publisherTC'] = null;
  rest.forEach((seg, i) => {
    const label = `segment[${i + 1}]`;
    const type = new BitReader(base64UrlBits(seg, label), label).int(3, 'segmentType');
    const name = SEGMENT_NAMES[type];
    if (name === undefined) throw new SignalError(`${label}.segmentType`, `is ${type}; expected 1 (DisclosedVendors) or 3 (PublisherTC)`);
    const named = new BitReader(base64UrlBits(seg, name), name);
    named.int(3, 'segmentType');
    if (type === 1) {
      if (disclosedVendors) throw new SignalError(`${name}`, 'appears twice');
      disclosedVendors = vendorSection(named, 'vendors');
    } else if (type === 2) {
      // AllowedVendors was removed in TCF v2.2; read it so the rest of the string still decodes.
      vendorSection(named, 'vendors');
      warnings.push('an AllowedVendors segment (removed in TCF v2.2) was ignored');
    } else {
      if (publisherTC) throw new SignalError(`${name}`, 'appears twice');
      const purposesConsent = named.flags(24, 'pubPurposesConsent');
      const purposesLITransparency = named.flags(24, 'pubPurposesLITransparency');
      const numCustom = named.int(6, 'numCustomPurposes');
      const customPurposesConsent = named.flags(numCustom, 'customPurposesConsent');
      const customPurposesLITransparency = named.flags(numCustom, 'customPurposesLITransparency');
      publisherTC = { purposesConsent, purposesLITransparency, customPurposesConsent, customPurposesLITransparency };
    }
  });
  return { core, disclosedVendors, publisherTC, warnings };
}
