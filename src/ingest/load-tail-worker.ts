/**
 * Worker thread entry: what the end of a reference-case load needs from the registrants' keys
 * alone, made on another core while the loading thread builds the store's indexes (see
 * load-reference-case.ts): the flow's requested set (both its transfers ask for every
 * registrant) and the key table the facts snapshot keeps.
 */
import { buildKeyTable, type KeyTable } from '../gateway/key-table.ts';
import { requestedSetBuffers, requestedSetOf, type RequestedSet } from '../gateway/transfer-commit.ts';
import { serveTasks } from '../workers/ordered-pool.ts';

export interface LoadTail {
  readonly requested: RequestedSet;
  readonly keyTable: KeyTable;
}

serveTasks<{ readonly keys: Uint8Array }, LoadTail>(
  (task) => ({ requested: requestedSetOf(task.keys), keyTable: buildKeyTable(task.keys) }),
  (r) => [...new Set([...requestedSetBuffers(r.requested), ...[r.keyTable.dir, r.keyTable.keys, r.keyTable.ordinals].map((a) => a.buffer as ArrayBuffer)])],
);
