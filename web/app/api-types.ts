/** The shapes of the API answers the app reads (docs/api.md, /openapi.json). */

export type Role = 'admin' | 'collector' | 'discloser' | 'recipient' | 'regulator';

export interface OrganisationRef {
  readonly id: string;
  readonly name: string;
  readonly kind: string;
}

export type SessionInfo =
  | { readonly kind: 'key'; readonly role: Role; readonly organisation: OrganisationRef | null }
  | { readonly kind: 'subject'; readonly expiresAt: string };

export interface Organisation extends OrganisationRef {
  readonly country: string;
  readonly rightsContact: string | null;
}

export interface FlowNode {
  readonly id: string;
  readonly name: string;
  readonly kind: string;
}

export interface FlowLink {
  readonly from: string;
  readonly to: string;
  readonly onBehalfOf: string | null;
  readonly purpose: string;
  readonly transfers: number;
  readonly requested: number;
  readonly allowed: number;
  readonly refused: number;
}

export interface Flows {
  readonly nodes: readonly FlowNode[];
  readonly links: readonly FlowLink[];
}

export interface Evidence {
  readonly leaf: number;
  readonly kind: string;
  readonly ref: string;
}

export interface AuditFinding {
  readonly id: string;
  readonly rule: string;
  readonly level: 'block' | 'warn';
  readonly citation: string;
  readonly message: string;
  readonly organisations: readonly string[];
  readonly affected: number;
  readonly first: string;
  readonly last: string;
  readonly evidence: readonly Evidence[];
}

export interface Findings {
  readonly generatedAt: string;
  readonly treeSize: number;
  readonly findings: readonly AuditFinding[];
}

export interface LintFinding {
  readonly code: string;
  readonly level: string;
  readonly message: string;
  /** The sentence it points at; null when the finding is about something missing. */
  readonly sentence: string | null;
  readonly start: number | null;
  readonly end: number | null;
}

export interface Lint {
  readonly score: number;
  readonly findings: readonly LintFinding[];
  readonly comparison: { readonly purposesSeenNotNamed: readonly string[]; readonly recipientsSeenNotNamed: readonly string[] };
}

export interface Review {
  readonly organisation: Organisation | string;
  readonly sources: readonly { readonly from: string; readonly transfers: number; readonly records: number }[];
  readonly recipients: readonly { readonly to: string; readonly transfers: number; readonly records: number }[];
  readonly purposes: readonly string[];
  readonly findings: readonly AuditFinding[];
  readonly notices: readonly { readonly id: string; readonly hash: string; readonly language: string; readonly score: number; readonly findings: readonly LintFinding[] }[];
}

export interface TransferRequestJson {
  readonly from: string;
  readonly to: string;
  readonly onBehalfOf: string | null;
  readonly purpose: string;
  readonly fields: readonly string[];
  readonly channel: string;
  readonly at: string;
}

export interface StoredTransfer {
  readonly id: string;
  readonly leaf: number;
  readonly decidedAt: string;
  readonly request: TransferRequestJson;
  readonly pack: { readonly id: string; readonly version: string };
  readonly requested: number;
  readonly allowed: number;
  readonly refused: number;
  readonly reasons: Readonly<Record<string, number>>;
  readonly warnings: Readonly<Record<string, number>>;
  readonly findings: readonly { readonly rule: string; readonly code: string; readonly level: string; readonly affected: number }[];
  readonly fields: { readonly sent: readonly string[]; readonly stripped: readonly string[] };
}

export interface TreeHead {
  readonly id: number;
  readonly size: number;
  readonly root: string;
  readonly at: string;
  readonly checkpoint: string;
  readonly witnesses: readonly string[];
}

export interface LedgerStatus {
  readonly size: number;
  readonly publicKey: string;
  readonly latest: TreeHead | null;
  readonly treeHeads: number;
}

export interface LedgerCheck {
  readonly verified: boolean;
  readonly treeSize: number;
  readonly checks: readonly { readonly check: string; readonly ok: boolean; readonly detail: string }[];
}

export interface Notice {
  readonly id: string;
  readonly controller: string;
  readonly version: string;
  readonly language: string;
  readonly title: string;
  readonly text: string;
  readonly purposes: readonly string[];
  readonly recipients: readonly string[];
  readonly recipientCategories: readonly string[];
  readonly hash: string;
}

export interface ConsentStats {
  readonly controller: string;
  readonly asOf: string;
  readonly purposes: readonly { readonly purpose: string; readonly people: number; readonly valid: number; readonly withdrawn: number; readonly refused: number; readonly other: number; readonly events: number }[];
}

export interface RightsNotice {
  readonly request: string;
  readonly kind: string;
  readonly controller: string;
  readonly holder: string;
  readonly at: string;
  readonly due: string;
  readonly acknowledgedAt: string | null;
  readonly overdue: boolean;
}

export interface CheckSummary {
  readonly requested: number;
  readonly allowed: number;
  readonly refused: number;
  readonly unidentified: number;
  readonly reasons: Readonly<Record<string, number>>;
  readonly warnings: Readonly<Record<string, number>>;
  readonly findings: readonly { readonly rule: string; readonly code: string; readonly level: string; readonly citation: string; readonly message: string; readonly affected: number }[];
  readonly fields: { readonly sent: readonly string[]; readonly stripped: readonly string[] };
  /** Bit i (least significant first) set when record i may be sent; base64. */
  readonly allowedRecords: string;
}

export interface InclusionProof {
  readonly [k: string]: unknown;
}

export interface WhoHas {
  readonly found: boolean;
  readonly subject?: string;
  readonly collectedBy: readonly {
    readonly organisation: { readonly id: string; readonly name: string };
    readonly since: string;
    readonly consents: readonly {
      readonly event: string;
      readonly at: string;
      readonly purposes: readonly string[];
      readonly recipients: readonly string[];
      readonly status: string;
      readonly method: string | null;
      readonly notice: { readonly id: string; readonly version: string; readonly language: string; readonly title: string; readonly text: string; readonly hash: string } | null;
      readonly proof?: InclusionProof;
    }[];
  }[];
  readonly heldBy: readonly {
    readonly organisation: { readonly id: string; readonly name: string };
    readonly via: string;
    readonly since: string;
    readonly transfer?: { readonly id: string; readonly from: string; readonly to: string; readonly onBehalfOf: string | null; readonly purpose: string; readonly fields: readonly string[] };
    readonly derivation?: { readonly id: string; readonly name: string; readonly purpose: string };
  }[];
  readonly transfers: readonly {
    readonly id: string;
    readonly at: string;
    readonly from: string;
    readonly to: string;
    readonly onBehalfOf: string | null;
    readonly purpose: string;
    readonly decision: 'allowed' | 'refused';
    readonly reasons: readonly string[];
    readonly pack: string;
    readonly proof?: InclusionProof;
  }[];
  readonly rights: readonly { readonly id: string; readonly kind: string; readonly controller: string; readonly at: string; readonly scope: readonly string[] }[];
}

export interface MyRightsRequest {
  readonly id: string;
  readonly kind: string;
  readonly controller: string;
  readonly at: string;
  readonly holders: readonly { readonly holder: string; readonly due: string; readonly acknowledgedAt: string | null; readonly overdue: boolean }[];
}
