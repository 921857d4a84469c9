/** The words of the domain (design.md). Plain immutable data; behaviour lives in small functions. */

export type OrgId = string;
export type PurposeId = string;

export const ORG_KINDS = ['collector', 'broker', 'political-party', 'processor', 'regulator', 'other'] as const;
export type OrgKind = (typeof ORG_KINDS)[number];

export interface Organisation {
  readonly id: OrgId;
  readonly name: string;
  readonly kind: OrgKind;
  /** ISO 3166-1 alpha-2, e.g. GB. */
  readonly country: string;
  /** Where withdrawals, erasures and rectifications are sent (email or URL); null = unreachable. */
  readonly rightsContact: string | null;
}

export interface Notice {
  /** Content hash (sha256 hex of the canonical notice JSON without `hash`). */
  readonly hash: string;
  /** Human id chosen by the controller, e.g. "n1"; unique per controller. */
  readonly id: string;
  readonly controller: OrgId;
  readonly version: string;
  readonly language: string;
  readonly title: string;
  readonly text: string;
  readonly purposes: readonly PurposeId[];
  /** Recipients named as organisations. */
  readonly recipients: readonly OrgId[];
  /** Recipients described only by category, e.g. "selected partners". */
  readonly recipientCategories: readonly string[];
  /** Retention period stated in the notice, in days; null when not stated. */
  readonly retentionDays: number | null;
  /** Epoch ms from which the notice was shown. */
  readonly effectiveFrom: number;
}

/** DPV consent statuses. */
export const CONSENT_STATUSES = [
  'ConsentGiven',
  'RenewedConsentGiven',
  'ConsentUnknown',
  'ConsentRequested',
  'ConsentRequestDeferred',
  'ConsentRefused',
  'ConsentWithdrawn',
  'ConsentRevoked',
  'ConsentExpired',
  'ConsentInvalidated',
] as const;
export type ConsentStatus = (typeof CONSENT_STATUSES)[number];

export function isValidStatus(s: ConsentStatus): boolean {
  return s === 'ConsentGiven' || s === 'RenewedConsentGiven';
}

export const COLLECTION_METHODS = ['web-form', 'paper-form', 'email', 'phone', 'in-person', 'api', 'signal'] as const;
export type CollectionMethod = (typeof COLLECTION_METHODS)[number];

export const CONSENT_TYPES = ['expressed', 'explicit', 'implied'] as const;
export type ConsentType = (typeof CONSENT_TYPES)[number];

/** 32-byte keyed hash (HMAC-SHA-256) of a person's normalised identifiers. */
export type SubjectKey = Uint8Array;

/** One consent event as stored (append-only). The subject is known only by its key. */
export interface ConsentEvent {
  /** Event id, unique per controller (idempotency key for imports). */
  readonly id: string;
  readonly controller: OrgId;
  readonly subject: SubjectKey;
  readonly purposes: readonly PurposeId[];
  /** Recipients named as organisations in this consent. */
  readonly recipients: readonly OrgId[];
  readonly status: ConsentStatus;
  /** Hash of the notice shown; null when none was recorded. */
  readonly notice: string | null;
  /** Epoch ms. */
  readonly at: number;
  /** Epoch ms after which the consent lapses; null = no expiry. */
  readonly expiresAt: number | null;
  readonly method: CollectionMethod | null;
  readonly consentType: ConsentType;
  readonly evidence: string | null;
}

export const OBJECTION_SCOPES = ['direct-marketing', 'sale-sharing', 'all'] as const;
export type ObjectionScope = (typeof OBJECTION_SCOPES)[number];

/** Art 21 objection (or a Global Privacy Control signal, recorded as sale-sharing). */
export interface Objection {
  readonly id: string;
  readonly controller: OrgId;
  readonly subject: SubjectKey;
  readonly scope: ObjectionScope;
  readonly at: number;
  readonly source: 'request' | 'gpc' | 'propagated';
}

/** A field of a dataset, tagged with a data category (see data-categories.ts). */
export interface DatasetField {
  readonly name: string;
  readonly category: string;
}

/** What an organisation holds: a named set of fields, each tagged with its data category. */
export interface Dataset {
  readonly id: string;
  readonly controller: OrgId;
  readonly name: string;
  readonly fields: readonly DatasetField[];
}

export const AGREEMENT_ROLES = ['controller', 'processor', 'joint-controller'] as const;
export type AgreementRole = (typeof AGREEMENT_ROLES)[number];

/** Data-sharing agreement between a discloser and a recipient (optionally for an end client). */
export interface Agreement {
  readonly id: string;
  readonly from: OrgId;
  readonly to: OrgId;
  readonly onBehalfOf: OrgId | null;
  /** Role of the recipient under this agreement. */
  readonly role: AgreementRole;
  readonly purposes: readonly PurposeId[];
  readonly fields: readonly string[];
  readonly retentionDays: number | null;
  readonly onwardSharing: boolean;
  readonly dpiaRef: string | null;
  /** Days after receipt within which the recipient informs people (Art 14(3)); null = not committed. */
  readonly art14NoticeDays: number | null;
  /** Art 9 condition relied on for special-category data, e.g. "explicit-consent", "party-condition"; null = none. */
  readonly art9Condition: string | null;
  /** Documented justification for children's data; null = none. */
  readonly childJustification: string | null;
  /** Chapter V safeguard for a recipient abroad, e.g. "IDTA"; null = none. */
  readonly transferSafeguard: string | null;
  readonly validFrom: number;
  readonly validTo: number | null;
}

export const CHANNELS = ['post', 'email', 'sms', 'phone', 'none'] as const;
export type Channel = (typeof CHANNELS)[number];

export const LAWFUL_BASES = ['consent', 'legitimate-interest', 'contract', 'legal-obligation'] as const;
export type LawfulBasis = (typeof LAWFUL_BASES)[number];

/** What the discloser asks before sending (without the records themselves). */
export interface TransferRequest {
  readonly from: OrgId;
  readonly to: OrgId;
  readonly onBehalfOf: OrgId | null;
  readonly purpose: PurposeId;
  readonly channel: Channel;
  readonly fields: readonly string[];
  /** Epoch ms: facts are judged as they stood at this time. */
  readonly at: number;
  /** Basis the recipient claims; consent unless stated. */
  readonly basis: LawfulBasis;
  /** Calls screened against the Telephone Preference Service (PECR reg 21). */
  readonly tpsScreened: boolean;
}
