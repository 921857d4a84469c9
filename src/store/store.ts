/**
 * The one storage interface. Each database has its own folder (sqlite/, postgres/) with an
 * implementation that passes the same contract suite (test/store/contract.ts).
 * Callers never learn which database they talk to.
 */
import type { Agreement, ConsentEvent, Dataset, Notice, Objection, Organisation, SubjectKey, TransferRequest } from '../domain/types.ts';
import type { LeafSubtrees } from '../ledger/leaf-subtrees.ts';
import type { LedgerStorage } from '../ledger/ledger-storage.ts';
import type { SubjectBlockRead, SubjectSetBlocks } from '../ledger/subject-set-blocks.ts';

export type PutResult = 'created' | 'unchanged';

/** A consent event as written: the subject by key; the store assigns ordinals. */
export type NewConsentEvent = ConsentEvent;

/** A consent event as read back, with its subject ordinal and store sequence number. */
export interface StoredConsentEvent extends ConsentEvent {
  readonly seq: number;
  readonly ordinal: number;
  /** Its leaf in the ledger. */
  readonly leaf: number;
}

export interface ImportRun {
  readonly id: number;
  readonly controller: string;
  readonly fileSha256: string;
  readonly totalRows: number;
  /** Last source line whose row is stored (0 = none). */
  readonly committedLine: number;
  readonly state: 'running' | 'done';
}

/**
 * A batch's event ids as their UTF-8 bytes one after another: id i is text[ends[i - 1] ?? 0, ends[i]).
 * Bytes rather than strings so that a batch built on a worker thread moves to the store's thread
 * without a copy, and the store writes them into its blocks as they are.
 */
export interface EventIdColumn {
  readonly text: Uint8Array;
  readonly ends: Uint32Array;
}

/**
 * Consent events in columns, already keyed and leaf-hashed off the writing thread (bulk loads).
 * Text columns are indexes into `strings` (-1 for null); lists are joined by ';', sorted and
 * distinct as a ConsentEvent's are. `leafHashes` must be SHA-256(0x00 || consentLeafJson(event))
 * of each event: the store keeps them as the events' leaves and rebuilds the data from the rows,
 * so `ledger verify` checks every one.
 */
export interface ConsentColumns {
  readonly count: number;
  readonly strings: readonly string[];
  readonly controller: Int32Array;
  readonly purposes: Int32Array;
  readonly recipients: Int32Array;
  readonly status: Int32Array;
  readonly notice: Int32Array;
  readonly method: Int32Array;
  readonly consentType: Int32Array;
  readonly evidence: Int32Array;
  readonly eventIds: EventIdColumn;
  /** Per event, which of `subjectKeys` (32 bytes each) is its subject. */
  readonly subject: Uint32Array;
  readonly subjectKeys: Uint8Array;
  readonly at: Float64Array;
  /** NaN for none. */
  readonly expiresAt: Float64Array;
  readonly leafHashes: Uint8Array;
  /** The leaves' subtrees hashed ahead, when the caller knew where they fall in the log (used only if they do). */
  readonly leafSubtrees?: LeafSubtrees;
}

export interface ConsentBatchResult {
  readonly inserted: number;
  /** Events already stored with identical content (idempotent re-import). */
  readonly unchanged: number;
  readonly newSubjects: number;
}

export interface ConsentColumnsResult extends ConsentBatchResult {
  /** The ordinal of each entry of the block's subjectKeys (-1 where no event names it). */
  readonly ordinals: Int32Array;
}

/** A decided transfer as committed: the decision, and Merkle roots over its subjects' keys. */
export interface CommittedTransfer {
  /** Derived from the request, the rule pack and the subjects: committing again is a no-op. */
  readonly id: string;
  readonly decidedAt: number;
  readonly request: TransferRequest;
  readonly pack: { readonly id: string; readonly version: string };
  readonly requested: number;
  readonly allowed: number;
  readonly refused: number;
  readonly reasons: Readonly<Record<string, number>>;
  readonly warnings: Readonly<Record<string, number>>;
  readonly findings: readonly { readonly rule: string; readonly code: string; readonly level: string; readonly affected: number }[];
  readonly fields: { readonly sent: readonly string[]; readonly stripped: readonly string[] };
  /** Root over the sorted, distinct keys of every subject in the request (hex), and their number. */
  readonly subjects: { readonly count: number; readonly root: string };
  /** The same over the subjects whose records were allowed. */
  readonly allowedSubjects: { readonly count: number; readonly root: string };
}

export interface StoredTransfer extends CommittedTransfer {
  readonly leaf: number;
}

/** Why each refused subject's records were refused (codes joined by ';'). */
export interface TransferReasons {
  /** By the subject's ordinal, for subjects the store already knew (a Map will do). */
  readonly byOrdinal: { get(ordinal: number): string | undefined };
  /** For subjects new to the store (they had no consent record). */
  readonly unknown: string | null;
}

/** A dataset a recipient built from what it received, with record-level lineage. */
export interface Derivation {
  readonly id: string;
  /** The organisation that built (and holds) it. */
  readonly controller: string;
  readonly name: string;
  readonly purpose: string;
  /** Committed transfers (ids) it was built from. */
  readonly sources: readonly string[];
  readonly at: number;
  /** Root over the sorted distinct keys of the subjects in it (hex), and their number. */
  readonly subjects: { readonly count: number; readonly root: string };
}

export interface StoredDerivation extends Derivation {
  readonly leaf: number;
}

export const RIGHTS_KINDS = ['withdraw', 'object', 'erase', 'rectify'] as const;
export type RightsKind = (typeof RIGHTS_KINDS)[number];

/** A person's request to the organisation that collected their data, passed down the lineage. */
export interface RightsRequest {
  /** Derived from (kind, controller, subject, scope): the same request again is the same request. */
  readonly id: string;
  readonly kind: RightsKind;
  readonly controller: string;
  /** Subject key, lowercase hex. */
  readonly subject: string;
  readonly at: number;
  /** Purposes withdrawn, or the objection scope; empty for erase and rectify. */
  readonly scope: readonly string[];
  readonly source: 'request' | 'gpc';
  readonly note: string | null;
}

export interface StoredRightsRequest extends RightsRequest {
  readonly leaf: number;
}

/** One downstream holder's copy of a rights request, with its deadline and acknowledgement. */
export interface RightsNotice {
  readonly request: string;
  readonly kind: RightsKind;
  readonly controller: string;
  readonly holder: string;
  readonly at: number;
  readonly due: number;
  readonly acknowledgedAt: number | null;
}

/**
 * A transfer an organisation reports as made, through the gateway or outside it (audit: was it
 * checked, was it refused, was there an agreement). The records are never stored; only their
 * subjects' keys, when a file was given.
 */
export interface TransferReport {
  /** Derived from the report's content: reporting the same transfer again is a no-op. */
  readonly id: string;
  readonly reportedAt: number;
  /** The organisation that reported it; null when an admin or regulator did. */
  readonly reportedBy: string | null;
  readonly request: {
    readonly from: string;
    readonly to: string;
    readonly onBehalfOf: string | null;
    readonly purpose: string;
    readonly fields: readonly string[];
    /** When the records were sent (epoch ms). */
    readonly at: number;
  };
  /** Records reported sent. */
  readonly count: number;
  /** Root over the sorted distinct keys of the reported subjects and their number; null when only a count was reported. */
  readonly subjects: { readonly count: number; readonly root: string } | null;
}

export interface StoredTransferReport extends TransferReport {
  readonly leaf: number;
}

/** Everything recorded about one person, for the access answer (who has my data). */
export interface SubjectHistory {
  readonly consents: readonly StoredConsentEvent[];
  readonly objections: readonly (Objection & { readonly leaf: number })[];
  readonly transfers: readonly { readonly transfer: StoredTransfer; readonly allowed: boolean; readonly reasons: readonly string[] }[];
  readonly derivations: readonly StoredDerivation[];
  readonly rights: readonly StoredRightsRequest[];
}

export const API_ROLES = ['admin', 'collector', 'discloser', 'recipient', 'regulator'] as const;
export type ApiRole = (typeof API_ROLES)[number];

/** An API key as stored: never the secret itself, only its hash. */
export interface ApiKey {
  readonly id: string;
  /** The organisation the key acts for; null for admin keys. */
  readonly organisation: string | null;
  readonly role: ApiRole;
  readonly label: string | null;
  readonly createdAt: number;
  readonly revokedAt: number | null;
}

/** A stored response to a write, replayed when the same idempotency key comes again. */
export interface IdempotentResponse {
  readonly requestHash: string;
  readonly status: number;
  readonly response: string;
}

/** An Idempotency-Key as sent by the holder of an API key. */
export interface IdempotencyKey {
  readonly apiKey: string;
  readonly key: string;
}

/** A response to store under an API key's idempotency key. */
export interface IdempotentRecord extends IdempotentResponse, IdempotencyKey {}

/** Everything the store can tell about its own health and size. */
export interface StoreStats {
  readonly organisations: number;
  readonly notices: number;
  readonly agreements: number;
  readonly datasets: number;
  readonly subjects: number;
  readonly consentEvents: number;
  readonly objections: number;
  readonly transfers: number;
  readonly derivations: number;
  readonly rightsRequests: number;
  readonly ledgerLeaves: number;
}

export interface Store {
  /** "sqlite:/path/file.db" or a redacted postgres URL: safe to print. */
  readonly description: string;
  /** Folder holding the deployment secret and signing keys. */
  readonly keyFolder: string;
  /** The Merkle log: every write below appends its event's leaf in the same transaction. */
  readonly ledger: LedgerStorage;
  close(): Promise<void>;
  stats(): Promise<StoreStats>;

  putOrganisation(o: Organisation): Promise<PutResult>;
  getOrganisation(id: string): Promise<Organisation | null>;
  listOrganisations(): Promise<Organisation[]>;

  putNotice(n: Notice): Promise<PutResult>;
  /** By controller and either the notice id or its hash. */
  getNotice(controller: string, idOrHash: string): Promise<Notice | null>;
  listNotices(controller?: string): Promise<Notice[]>;

  putDataset(d: Dataset): Promise<PutResult>;
  getDataset(controller: string, id: string): Promise<Dataset | null>;
  listDatasets(controller?: string): Promise<Dataset[]>;

  putAgreement(a: Agreement): Promise<PutResult>;
  listAgreements(): Promise<Agreement[]>;

  /** Ordinals for n concatenated 32-byte keys; -1 where the subject is unknown. */
  subjectOrdinals(keys: Uint8Array): Promise<Int32Array>;
  /** Streams every subject's ordinal and 32-byte key in ordinal order (read-only; for snapshots). */
  eachSubjectKey(visit: (ordinal: number, key: Uint8Array) => void): Promise<number>;
  /** How many subjects the store holds: ordinals run from 0 to this minus one (cheap, unlike stats). */
  subjectCount(): Promise<number>;

  /** Stored events among `eventIds` of this controller (to check re-imports before writing). */
  findConsentEvents(controller: string, eventIds: readonly string[]): Promise<Map<string, ConsentEvent>>;
  /** Appends one batch atomically; identical events already stored are skipped. */
  appendConsentEvents(events: readonly NewConsentEvent[], progress?: { runId: number; line: number }): Promise<ConsentBatchResult>;
  /**
   * Inside bulkLoad only: appends events given in columns with their leaf hashes (see
   * ConsentColumns). Repeated event ids are refused when the load ends, as in appendConsentEvents.
   */
  appendConsentColumns(columns: ConsentColumns): Promise<ConsentColumnsResult>;
  /** Streams every consent event in store order (for building decision facts). */
  eachConsentEvent(visit: (e: StoredConsentEvent) => void): Promise<number>;
  consentEventsOf(subject: SubjectKey): Promise<StoredConsentEvent[]>;
  /**
   * Streams what decisions need of every consent event, in store order: the fast path that
   * loads millions of events into the decision engine. The id, subject key and evidence are
   * left empty, and the object passed to `visit` is reused: copy what you keep.
   */
  eachConsentFact(visit: (ordinal: number, fact: ConsentEvent) => void): Promise<number>;

  appendObjection(o: Objection): Promise<PutResult>;
  eachObjection(visit: (o: Objection & { ordinal: number }) => void): Promise<number>;

  /**
   * Records a decided transfer and its subjects (sorted distinct keys, with whether each one's
   * records were allowed) and appends its leaf, atomically. Subjects new to the store are
   * registered: a person can then see that their data was in a transfer even without consent.
   */
  recordTransfer(
    t: CommittedTransfer,
    subjects: { readonly keys: Uint8Array; readonly allowed: Uint8Array; readonly reasons?: TransferReasons },
  ): Promise<{ transfer: StoredTransfer; created: boolean }>;
  getTransfer(id: string): Promise<StoredTransfer | null>;
  listTransfers(): Promise<StoredTransfer[]>;
  /** The transfer's subjects: sorted distinct keys (n × 32 bytes) and their allowed flags. */
  transferSubjects(id: string): Promise<{ keys: Uint8Array; allowed: Uint8Array }>;
  /**
   * Keeps a committed subject set's blocks for proofs under `id` (src/ledger/subject-set-blocks.ts);
   * 'unchanged' when a set is already kept under that id.
   */
  putSubjectSet(id: string, set: SubjectSetBlocks): Promise<PutResult>;
  /**
   * The kept set's layout and its block whose first key is the greatest at or below `key` ('at'),
   * or the first above it ('after'); null when no set is kept under `id`.
   */
  subjectSetBlock(id: string, key: Uint8Array, side: 'at' | 'after'): Promise<SubjectBlockRead>;

  /** Records a derived dataset and the (known) subjects in it, with its leaf. */
  recordDerivation(d: Derivation, ordinals: Int32Array): Promise<{ derivation: StoredDerivation; created: boolean }>;
  getDerivation(id: string): Promise<StoredDerivation | null>;
  listDerivations(): Promise<StoredDerivation[]>;

  /** Ordinals of the subjects that `transferIds` delivered (allowed) to their recipients. */
  deliveredSubjects(transferIds: readonly string[]): Promise<Set<number>>;
  /** Everything recorded about the subject with this key; null when the key is unknown. */
  subjectHistory(subject: SubjectKey): Promise<SubjectHistory | null>;

  /** Records a rights request and a notice to each downstream holder, atomically. */
  recordRightsRequest(r: RightsRequest, notices: readonly { readonly holder: string; readonly due: number }[]): Promise<{ request: StoredRightsRequest; created: boolean }>;
  /** A holder acknowledges its notice; 'not-yours' when it holds no notice for that request. */
  acknowledgeRights(requestId: string, holder: string, at: number): Promise<'created' | 'unchanged' | 'not-yours'>;
  listRightsNotices(filter?: { readonly holder?: string; readonly controller?: string }): Promise<RightsNotice[]>;

  /** Every rights request, oldest first (for audits: overdue acknowledgements). */
  listRightsRequests(): Promise<StoredRightsRequest[]>;

  /**
   * Records a reported transfer and, when given, its subjects (sorted distinct keys), with its
   * leaf, atomically. Subjects new to the store are registered, as for committed transfers.
   */
  recordTransferReport(r: TransferReport, keys: Uint8Array | null): Promise<{ report: StoredTransferReport; created: boolean }>;
  listTransferReports(): Promise<StoredTransferReport[]>;
  /** The reported subjects' keys, sorted (n × 32 bytes); empty when only a count was reported. */
  transferReportSubjects(id: string): Promise<Uint8Array>;

  /** API keys: the caller hashes the secret (see src/api); the store never sees it in clear. */
  putApiKey(key: ApiKey, secretHash: Uint8Array): Promise<void>;
  findApiKey(secretHash: Uint8Array): Promise<ApiKey | null>;
  listApiKeys(organisation?: string): Promise<ApiKey[]>;
  revokeApiKey(id: string, at: number): Promise<boolean>;

  getIdempotent(apiKey: string, key: string): Promise<IdempotentResponse | null>;
  /** getIdempotent for many keys in one query, answers in the order asked. */
  getIdempotentMany(keys: readonly IdempotencyKey[]): Promise<(IdempotentResponse | null)[]>;
  /** Stores the response unless one is already stored for this key (first writer wins). */
  putIdempotent(apiKey: string, key: string, r: IdempotentResponse): Promise<void>;
  /** putIdempotent for many keys in one transaction: concurrent writes share one commit. */
  putIdempotentMany(records: readonly IdempotentRecord[]): Promise<void>;

  /**
   * Runs a large first load into a store without consent events as one atomic unit: all of it
   * is stored or none of it. Implementations may defer index maintenance until the end.
   * `expected.subjects`, when known, sizes the in-memory structures for the subjects to come.
   */
  bulkLoad<T>(load: () => Promise<T>, expected?: { readonly subjects?: number }): Promise<T>;

  /** Import bookkeeping for resumable imports. */
  beginImport(controller: string, fileSha256: string, totalRows: number): Promise<ImportRun>;
  finishImport(runId: number): Promise<void>;
}
