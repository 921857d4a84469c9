/**
 * Persistence of the ledger, one interface for every database (SQLite now, PostgreSQL later).
 * Asynchronous because a networked database is. Implementations store rows and run queries;
 * the hashing and proof algorithms stay in merkle.ts / frontier.ts / append-batch.ts.
 */
import type { LedgerEntry } from './ledger-entry.ts';
import { equalHashes, leafHash } from './merkle.ts';
import type { SigningKey, VerifierKey } from './signing-key.ts';

export interface AppendResult {
  /** Index of the first appended leaf. */
  readonly first: number;
  readonly count: number;
  /** Root after the append. */
  readonly root: Uint8Array;
}

export interface StoredLeaf {
  readonly index: number;
  /** Leaf data: canonical JSON of the entry, UTF-8. */
  readonly data: Uint8Array;
  /** SHA-256(0x00 || data) as stored. */
  readonly hash: Uint8Array;
}

/**
 * Where leaves stored without data (entries marked REBUILT) get it back: the store rebuilds the
 * data of such leaves in [from, to) from its own rows. Leaf data is never empty otherwise.
 */
export type LeafDataSource = (from: number, to: number) => Promise<ReadonlyMap<number, Uint8Array>>;

/**
 * Fills in the data of leaves stored without it; throws when a leaf has none and no source can
 * rebuild it. With `check`, rebuilt data must hash to the stored leaf hash (a single leaf handed
 * out with its proof); bulk readers leave that to whoever verifies the export.
 */
export async function withLeafData(leaves: StoredLeaf[], source: LeafDataSource | undefined, check = false): Promise<StoredLeaf[]> {
  let from = -1;
  let to = -1;
  for (const l of leaves) {
    if (l.data.length > 0) continue;
    if (from < 0) from = l.index;
    to = l.index + 1;
  }
  if (from < 0) return leaves;
  const rebuilt = source === undefined ? new Map<number, Uint8Array>() : await source(from, to);
  return leaves.map((l) => {
    if (l.data.length > 0) return l;
    const data = rebuilt.get(l.index);
    if (data === undefined) throw new Error(`ledger leaf ${l.index} keeps its data in the store's rows, but no row rebuilds it`);
    if (check && !equalHashes(leafHash(data), l.hash)) throw new Error(`ledger leaf ${l.index}: the store's row no longer matches the leaf hash`);
    return { index: l.index, data, hash: l.hash };
  });
}

export interface TreeHead {
  readonly id: number;
  readonly size: number;
  readonly root: Uint8Array;
  /** When it was signed, epoch ms. */
  readonly at: number;
  /** The signed checkpoint note, with any cosignature lines appended. */
  readonly note: string;
  /** Names of the witnesses whose cosignatures are in `note`. */
  readonly witnesses: readonly string[];
}

export interface LedgerStorage {
  /** The log's name, used as checkpoint origin. */
  readonly origin: string;
  appendMany(entries: readonly LedgerEntry[]): Promise<AppendResult>;
  append(entry: LedgerEntry): Promise<AppendResult>;
  size(): Promise<number>;
  root(): Promise<Uint8Array>;
  leaf(index: number): Promise<StoredLeaf>;
  /** Leaves [from, to) in index order, in batches. */
  leaves(from: number, to: number, batchSize?: number): AsyncIterable<readonly StoredLeaf[]>;
  /** Hashes of perfect subtrees (level 0 = leaf hashes), in the order asked. */
  readNodes(ids: readonly (readonly [level: number, index: number])[]): Promise<Uint8Array[]>;
  /** Signs the current tree with the log key and stores the tree head. */
  signTreeHead(key: SigningKey, at?: number): Promise<TreeHead>;
  /** Stores a witness's cosignature line after checking it against the witness key. */
  addCosignature(treeHeadId: number, line: string, witness: VerifierKey): Promise<TreeHead>;
  treeHeads(): Promise<TreeHead[]>;
  inclusionProof(index: number, treeSize: number): Promise<Uint8Array[]>;
  consistencyProof(m: number, n: number): Promise<Uint8Array[]>;
}
