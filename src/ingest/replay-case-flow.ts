/**
 * After the registrants are loaded, the rest of case.md happens as it did (and as it should
 * have): T1 is asked for on 5 May 2017 and refused, and committed as refused; the same transfer
 * under the corrected notice and an agreement with a DPIA is allowed for the opted-in; the broker
 * builds its segment of new mothers in the target seats from it; some of those mothers withdraw
 * and one sends a Global Privacy Control signal, and the notices go to the broker and the party —
 * the broker acknowledges, the party does not, so its notices fall overdue.
 * Every time here is fixed, so the same seed gives the same ledger entries.
 */
import { commitTransfer, RequestedSetMemo, type RequestedSet } from '../gateway/transfer-commit.ts';
import { loadFacts } from '../gateway/load-facts.ts';
import type { CheckResult } from '../gateway/transfer-check.ts';
import { registerDerivation } from '../lineage/derive.ts';
import { requestRights } from '../lineage/rights.ts';
import { decide } from '../policy/decision.ts';
import type { FactsBuilder } from '../policy/facts.ts';
import { loadBuiltinPack } from '../policy/pack-loader.ts';
import { ORG_IDS, T1_TRANSFER, T2026_TRANSFER } from '../demo/reference-case.ts';
import type { TransferRequest } from '../domain/types.ts';
import type { Store } from '../store/store.ts';

export const SEGMENT_ID = 'seg-106-target-seats';
export const FLOW_TIMES = {
  segmentBuilt: Date.parse('2026-03-10T12:00:00Z'),
  withdrawals: Date.parse('2026-04-01T10:00:00Z'),
  gpcSignal: Date.parse('2026-04-02T18:30:00Z'),
  brokerAcks: Date.parse('2026-04-15T09:00:00Z'),
} as const;
export const FLOW_WITHDRAWALS = 5;

export interface CaseRecords {
  /** Registrants' subject keys in file order (n × 32 bytes). */
  readonly keys: Uint8Array;
  /** RECORD_CHILD where the registrant has a child's date of birth. */
  readonly flags: Uint8Array;
  /** 1 where the registrant lives in a target area. */
  readonly targetArea: Uint8Array;
  /** Registrants' ordinals, when the store gave them as it stored them (else they are looked up). */
  readonly ordinals?: Int32Array;
}

export interface FlowSummary {
  readonly t1: { readonly id: string; readonly allowed: number; readonly refused: number };
  readonly t2026: { readonly id: string; readonly allowed: number; readonly refused: number };
  readonly segment: { readonly id: string; readonly people: number };
  readonly withdrawals: number;
  readonly gpcObjections: number;
  readonly acknowledged: number;
}

/**
 * `facts`: the store's decision facts when the caller has them (else they are loaded);
 * `requested`: the registrants' requested set when the caller made it ahead (requestedSetOf).
 */
export async function replayCaseFlow(store: Store, records: CaseRecords, given?: FactsBuilder, requested?: RequestedSet): Promise<FlowSummary> {
  const n = records.flags.length;
  const facts = given ?? (await loadFacts(store));
  const pack = loadBuiltinPack('uk');
  const ordinals = records.ordinals ?? (await store.subjectOrdinals(records.keys));
  const none = new Uint8Array(n);
  // Both transfers ask for every registrant: their requested set is built once.
  const memo = new RequestedSetMemo();
  // Used only if its digest matches the transfers' records, as any memo is.
  if (requested !== undefined) memo.set(RequestedSetMemo.digest(records.keys, none, n), requested.keys, requested.blocks);
  const run = async (request: TransferRequest) => {
    const decision = decide(request, { ordinals, flags: records.flags }, facts, pack);
    const result: CheckResult = { decision, unidentified: 0, unidentifiedMask: none, keys: records.keys, ordinals };
    const { transfer } = await commitTransfer(store, result, request.at, memo);
    return { decision, transfer };
  };
  const t1 = await run(T1_TRANSFER);
  const t2026 = await run(T2026_TRANSFER);

  const members: number[] = [];
  for (let i = 0; i < n; i++) if (t2026.decision.allowedMask[i] === 1 && records.targetArea[i] === 1) members.push(i);
  const segmentKeys = new Uint8Array(members.length * 32);
  members.forEach((i, k) => segmentKeys.set(records.keys.subarray(i * 32, i * 32 + 32), k * 32));
  let segmentPeople = 0;
  if (members.length > 0) {
    const seg = await registerDerivation(store, {
      id: SEGMENT_ID,
      controller: ORG_IDS.broker,
      name: 'New mothers in 106 target seats',
      purpose: 'political-campaign',
      sources: [t2026.transfer.id],
      at: FLOW_TIMES.segmentBuilt,
      keys: segmentKeys,
    });
    segmentPeople = seg.derivation.subjects.count;
  }

  let withdrawals = 0;
  let acknowledged = 0;
  for (const i of members.slice(0, FLOW_WITHDRAWALS)) {
    const r = await requestRights(store, { kind: 'withdraw', controller: ORG_IDS.collector, subject: records.keys.subarray(i * 32, i * 32 + 32), at: FLOW_TIMES.withdrawals, scope: ['political-campaign'] });
    if (!r.found) continue;
    withdrawals++;
    if ((await store.acknowledgeRights(r.request.id, ORG_IDS.broker, FLOW_TIMES.brokerAcks)) === 'created') acknowledged++;
  }
  let gpcObjections = 0;
  const gpc = members[FLOW_WITHDRAWALS];
  if (gpc !== undefined) {
    const r = await requestRights(store, { kind: 'object', controller: ORG_IDS.collector, subject: records.keys.subarray(gpc * 32, gpc * 32 + 32), at: FLOW_TIMES.gpcSignal, source: 'gpc' });
    if (r.found) gpcObjections++;
  }
  return {
    t1: { id: t1.transfer.id, allowed: t1.decision.allowed, refused: t1.decision.refused },
    t2026: { id: t2026.transfer.id, allowed: t2026.decision.allowed, refused: t2026.decision.refused },
    segment: { id: SEGMENT_ID, people: segmentPeople },
    withdrawals,
    gpcObjections,
    acknowledged,
  };
}
