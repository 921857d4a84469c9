/**
 * What the ledger shows a collector actually did with people's data: the purposes and the
 * organisations (recipients and the clients they acted for) of every transfer it asked about
 * or reported. A notice is compared with this.
 */
import type { Store, StoredTransfer, StoredTransferReport } from '../store/store.ts';

export interface SeenUse {
  readonly purposes: readonly string[];
  readonly recipients: readonly string[];
  /** Recipients and end clients that are political parties. */
  readonly politicalRecipients: readonly string[];
}

export function seenUseOf(controller: string, transfers: readonly StoredTransfer[], reports: readonly StoredTransferReport[], kindOf: ReadonlyMap<string, string>): SeenUse {
  const purposes = new Set<string>();
  const recipients = new Set<string>();
  for (const r of [...transfers.map((t) => t.request), ...reports.map((x) => x.request)]) {
    if (r.from !== controller) continue;
    purposes.add(r.purpose);
    recipients.add(r.to);
    if (r.onBehalfOf !== null) recipients.add(r.onBehalfOf);
  }
  const sorted = [...recipients].sort();
  return { purposes: [...purposes].sort(), recipients: sorted, politicalRecipients: sorted.filter((o) => kindOf.get(o) === 'political-party') };
}

export async function loadSeenUse(store: Store, controller: string): Promise<SeenUse> {
  const orgs = await store.listOrganisations();
  return seenUseOf(controller, await store.listTransfers(), await store.listTransferReports(), new Map(orgs.map((o) => [o.id, o.kind])));
}
