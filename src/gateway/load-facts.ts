/**
 * Reads the store into the decision engine's in-memory facts (columnar, by subject ordinal).
 * The consent rows and subject keys come from the store's facts snapshot when it matches the
 * store's current state, and are otherwise read from the store and the snapshot rewritten.
 */
import { FactsBuilder, type Facts } from '../policy/facts.ts';
import type { Store } from '../store/store.ts';
import { readSnapshot, snapshotPathOf, writeSnapshot, type StoreStamp } from './facts-snapshot.ts';
import type { OrdinalLookup } from './csv-parallel-keys.ts';
import { buildKeyTable, lookupKeyParts, lookupKeys, prepareLargeLookups, type KeyTable } from './key-table.ts';

const KEY_BYTES = 32;
const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

export interface LoadFactsOptions {
  /** Use and maintain the snapshot beside the store (default true). */
  readonly snapshot?: boolean;
}

/** How the last loadFacts call got its rows (for tests and benchmarks). */
export type FactsSource = 'snapshot' | 'store';

interface KnownKeys {
  readonly stamp: StoreStamp;
  readonly table: KeyTable;
}

/** Subject keys loaded with the facts, so ordinals can be looked up without the store's index. */
const knownKeys = new WeakMap<Facts, KnownKeys>();
const sources = new WeakMap<Facts, FactsSource>();

export async function storeStamp(store: Store): Promise<StoreStamp> {
  const ledgerSize = await store.ledger.size();
  return { ledgerSize, ledgerRoot: ledgerSize === 0 ? '' : hex(await store.ledger.root()) };
}

export async function loadFacts(store: Store, opts: LoadFactsOptions = {}): Promise<FactsBuilder> {
  const path = opts.snapshot === false ? null : snapshotPathOf(store.description, store.keyFolder);
  const stamp = path ? await storeStamp(store) : null;
  const snap = path && stamp ? readSnapshot(path, stamp) : null;
  let facts: FactsBuilder | null = null;
  if (snap) {
    try {
      facts = FactsBuilder.fromConsentColumns(snap.columns);
      knownKeys.set(facts, { stamp: snap.stamp, table: snap.keyTable });
      sources.set(facts, 'snapshot');
    } catch {
      facts = null; // inconsistent columns: read the store instead
    }
  }
  const organisations = await store.listOrganisations();
  const notices = await store.listNotices();
  if (!facts) {
    // Every consent event is a leaf: the ledger's size bounds their number without counting rows.
    facts = new FactsBuilder(Math.max(1024, Math.ceil((stamp?.ledgerSize ?? (await store.ledger.size())) * 1.2)));
    facts.reserveSubjects(await store.subjectCount());
    // INVARIANT: organisations, then notices, then consent rows: the order values are interned
    // in, which a snapshot reproduces.
    for (const o of organisations) facts.addOrganisation(o);
    for (const n of notices) facts.addNotice(n);
    await store.eachConsentFact((ordinal, f) => facts!.addConsent(ordinal, f));
    sources.set(facts, 'store');
    if (path && stamp) await saveSnapshot(store, facts, path, stamp);
  }
  for (const o of organisations) facts.addOrganisation(o);
  for (const n of notices) facts.addNotice(n);
  for (const a of await store.listAgreements()) facts.addAgreement(a);
  await store.eachObjection((o) => facts.addObjection(o.ordinal, o));
  return facts;
}

/**
 * Keeps facts that the caller built from what it stored itself (a bulk load) as if loadFacts had
 * read them: their keys are registered for lookups, and the snapshot is written for the store's
 * current state, so the next process reads it rather than the store. The facts must hold every
 * consent row of the store, added after its organisations and notices as loadFacts adds them;
 * `keys` are every subject's key in ordinal order. Returns false, keeping nothing, when the store
 * holds subjects beyond `keys`.
 */
export async function keepLoadedFacts(store: Store, facts: FactsBuilder, keys: Uint8Array, table?: KeyTable): Promise<boolean> {
  if ((await store.subjectCount()) * KEY_BYTES !== keys.length) return false;
  keep(facts, await storeStamp(store), keys, snapshotPathOf(store.description, store.keyFolder), table);
  return true;
}

/**
 * Registers `keys` (every subject's, in ordinal order) with `facts` and writes their snapshot;
 * `table` is buildKeyTable(keys) when the caller built it already (on another thread).
 */
function keep(facts: FactsBuilder, stamp: StoreStamp, keys: Uint8Array, path: string | null, table: KeyTable = buildKeyTable(keys)): void {
  knownKeys.set(facts, { stamp, table });
  if (path === null) return;
  try {
    // The snapshot holds consent rows only (objections are read from the store each time).
    writeSnapshot(path, { stamp, columns: facts.exportConsentColumns(), keyTable: table });
  } catch {
    // A snapshot that cannot be written (read-only folder, full disk) only costs time.
  }
}

/** Reads the subject keys and writes the snapshot, unless the store changed meanwhile. */
async function saveSnapshot(store: Store, facts: FactsBuilder, path: string, stamp: StoreStamp): Promise<void> {
  let keys = new Uint8Array(Math.max(1, facts.subjectCount) * KEY_BYTES);
  let count = 0;
  let dense = true;
  await store.eachSubjectKey((ordinal, key) => {
    if (ordinal !== count || key.length !== KEY_BYTES) dense = false;
    if (!dense) return;
    if ((count + 1) * KEY_BYTES > keys.length) {
      const grown = new Uint8Array(keys.length * 2);
      grown.set(keys);
      keys = grown;
    }
    keys.set(key, count * KEY_BYTES);
    count++;
  });
  // Ordinals are assigned 0, 1, 2, … by the store; anything else is not ours to index.
  if (!dense) return;
  keys = keys.subarray(0, count * KEY_BYTES);
  const after = await storeStamp(store);
  if (after.ledgerSize !== stamp.ledgerSize || after.ledgerRoot !== stamp.ledgerRoot) return;
  keep(facts, stamp, keys, path);
}

/** Which source the facts came from, or undefined for facts not made by loadFacts. */
export function factsSource(facts: Facts): FactsSource | undefined {
  return sources.get(facts);
}

/**
 * A synchronous lookup over the keys loaded with `facts`, while the store is still in the state
 * they were read in (checked now); null otherwise (then use subjectOrdinalsFor).
 */
export async function knownKeyLookup(store: Store, facts: Facts): Promise<OrdinalLookup | null> {
  const known = knownKeys.get(facts);
  if (!known) return null;
  const now = await storeStamp(store);
  if (now.ledgerSize !== known.stamp.ledgerSize || now.ledgerRoot !== known.stamp.ledgerRoot) return null;
  return { find: (parts, out) => lookupKeyParts(known.table, parts, out), expectLarge: () => prepareLargeLookups(known.table) };
}

/**
 * Ordinals of n concatenated 32-byte keys (-1 when unknown), as `store.subjectOrdinals` gives
 * them. Uses the keys loaded with `facts` while the store is still in the state they were read
 * in, which spares the store from loading its own index of every key.
 */
export async function subjectOrdinalsFor(store: Store, facts: Facts, keys: Uint8Array): Promise<Int32Array> {
  const known = knownKeys.get(facts);
  if (known) {
    const now = await storeStamp(store);
    if (now.ledgerSize === known.stamp.ledgerSize && now.ledgerRoot === known.stamp.ledgerRoot) {
      if (keys.length % KEY_BYTES !== 0) throw new Error('subject keys must be 32 bytes each');
      const out = new Int32Array(keys.length / KEY_BYTES);
      lookupKeys(known.table, keys, out);
      return out;
    }
    knownKeys.delete(facts); // the store has moved on: its own index answers from now on
  }
  return store.subjectOrdinals(keys);
}
