/**
 * Registering a derived dataset (e.g. the broker's segment "new mothers in 106 target seats"
 * built from T1): record-level lineage from the source transfers to the output. Derived data
 * inherits the restrictions of its sources: only people whose records were delivered to the
 * deriving organisation by those transfers may be in it, and only for a purpose the transfers
 * allowed (source due diligence, Democracy disrupted? §3.8.2).
 */
import { isWithin } from '../domain/purposes.ts';
import { UserError } from '../errors.ts';
import { sortSubjectKeys, subjectKeysRoot } from '../ledger/subject-commitment.ts';
import type { Store, StoredDerivation } from '../store/store.ts';

export interface DeriveInput {
  readonly id: string;
  readonly controller: string;
  readonly name: string;
  readonly purpose: string;
  readonly sources: readonly string[];
  readonly at: number;
  /** Subject keys of the records in the derived dataset (n × 32 bytes). */
  readonly keys: Uint8Array;
}

export async function registerDerivation(store: Store, d: DeriveInput): Promise<{ derivation: StoredDerivation; created: boolean }> {
  if (d.sources.length === 0) throw new UserError('no-sources', 'a derived dataset needs at least one source transfer', [{ where: '--from', message: 'give the committed transfer(s) it was built from' }]);
  for (const id of d.sources) {
    const t = await store.getTransfer(id);
    if (!t) throw new UserError('unknown-transfer', `no committed transfer "${id}"`, [{ where: '--from', message: 'see `consentry transfer list`' }]);
    if (t.request.to !== d.controller && t.request.onBehalfOf !== d.controller) {
      throw new UserError('not-a-recipient', `${d.controller} did not receive transfer ${id}`, [{ where: '--from', message: 'a dataset can only be derived from transfers made to you (or on your behalf)' }]);
    }
    if (!isWithin(d.purpose, t.request.purpose)) {
      throw new UserError('purpose-not-covered', `transfer ${id} was for ${t.request.purpose}, which does not cover ${d.purpose}`, [{ where: '--purpose', message: 'derived data keeps the purpose of its sources' }]);
    }
  }
  const ordinals = await store.subjectOrdinals(d.keys);
  const delivered = await store.deliveredSubjects(d.sources);
  const without = [...ordinals].filter((o) => o < 0 || !delivered.has(o)).length;
  if (without > 0) {
    throw new UserError('provenance-missing', `${without} of ${ordinals.length} records have no provenance in ${d.sources.join(', ')}; nothing was registered`, [
      { where: 'records', message: 'a derived dataset may hold only people whose records those transfers delivered to you' },
    ]);
  }
  const sorted = sortSubjectKeys(d.keys);
  const root = Buffer.from(subjectKeysRoot(sorted)).toString('hex');
  const distinct = Int32Array.from(new Set(ordinals));
  return store.recordDerivation(
    { id: d.id, controller: d.controller, name: d.name, purpose: d.purpose, sources: [...d.sources], at: d.at, subjects: { count: sorted.length / 32, root } },
    distinct,
  );
}
