/**
 * The access answer (Art 15): for one person, who collected their data and under which notice,
 * every organisation that received it or built something from it — when, for what purpose, on
 * behalf of whom, with the decision and its reasons — the transfers that were attempted and
 * refused, their rights requests, and a ledger proof for each fact.
 */
import { buildTransferProof, type TransferSubjectProof } from '../gateway/transfer-proof.ts';
import { buildInclusionProof, type InclusionProofJson } from '../ledger/inclusion-proof.ts';
import type { TreeHead } from '../ledger/ledger-storage.ts';
import type { Store } from '../store/store.ts';
import { collectors, downstreamHoldings } from './holders.ts';

export interface WhoHasAnswer {
  readonly found: boolean;
  /** Present when found: the person's subject key (hex), which their proofs refer to. */
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
      readonly proof?: InclusionProofJson;
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
    readonly proof?: TransferSubjectProof;
  }[];
  readonly rights: readonly { readonly id: string; readonly kind: string; readonly controller: string; readonly at: string; readonly scope: readonly string[] }[];
}

const iso = (t: number): string => new Date(t).toISOString();

/** The earliest signed tree head that covers `leaf` (heads sorted by size), as buildInclusionProof picks. */
function headCovering(heads: readonly TreeHead[], leaf: number): TreeHead | undefined {
  let lo = 0;
  let hi = heads.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (heads[mid]!.size > leaf) hi = mid;
    else lo = mid + 1;
  }
  return heads[lo];
}

export async function whoHas(store: Store, subject: Uint8Array, opts: { readonly proofs?: boolean } = {}): Promise<WhoHasAnswer> {
  const h = await store.subjectHistory(subject);
  if (!h) return { found: false, collectedBy: [], heldBy: [], transfers: [], rights: [] };
  const proofs = opts.proofs ?? true;
  // Read once for every proof in the answer, not once per proof.
  const heads = proofs ? [...(await store.ledger.treeHeads())].sort((a, b) => a.size - b.size) : [];
  const orgs = new Map((await store.listOrganisations()).map((o) => [o.id, o]));
  const org = (id: string): { id: string; name: string } => ({ id, name: orgs.get(id)?.name ?? id });
  const noticeCache = new Map<string, Awaited<ReturnType<Store['getNotice']>>>();
  const collectedBy: WhoHasAnswer['collectedBy'][number][] = [];
  for (const [controller, since] of collectors(h)) {
    const consents = [];
    for (const e of h.consents.filter((x) => x.controller === controller)) {
      const key = `${controller}/${e.notice}`;
      if (e.notice !== null && !noticeCache.has(key)) noticeCache.set(key, await store.getNotice(controller, e.notice));
      const n = e.notice === null ? null : noticeCache.get(key) ?? null;
      consents.push({
        event: e.id,
        at: iso(e.at),
        purposes: e.purposes,
        recipients: e.recipients,
        status: e.status,
        method: e.method,
        notice: n ? { id: n.id, version: n.version, language: n.language, title: n.title, text: n.text, hash: n.hash } : null,
        ...(await proofField(store, e.leaf, proofs ? headCovering(heads, e.leaf) : undefined)),
      });
    }
    collectedBy.push({ organisation: org(controller), since: iso(since), consents });
  }
  const heldBy = downstreamHoldings(h).map((x) => ({
    organisation: org(x.organisation),
    via: x.via,
    since: iso(x.since),
    ...(x.transfer ? { transfer: { id: x.transfer.id, from: x.transfer.request.from, to: x.transfer.request.to, onBehalfOf: x.transfer.request.onBehalfOf, purpose: x.transfer.request.purpose, fields: x.transfer.fields.sent } } : {}),
    ...(x.derivation ? { derivation: { id: x.derivation.id, name: x.derivation.name, purpose: x.derivation.purpose } } : {}),
  }));
  // Built concurrently (for a database across a network); a transfer appended after the last
  // signed tree head has no proof yet.
  const transferProofs = await Promise.all(
    h.transfers.map((t) => {
      const head = headCovering(heads, t.transfer.leaf);
      return proofs && head ? buildTransferProof(store, t.transfer.id, subject, { transfer: t.transfer, head }).catch(() => null) : null;
    }),
  );
  const transfers = [];
  for (const [i, t] of h.transfers.entries()) {
    const proof = transferProofs[i];
    transfers.push({
      id: t.transfer.id,
      at: iso(t.transfer.request.at),
      from: t.transfer.request.from,
      to: t.transfer.request.to,
      onBehalfOf: t.transfer.request.onBehalfOf,
      purpose: t.transfer.request.purpose,
      decision: t.allowed ? ('allowed' as const) : ('refused' as const),
      reasons: t.reasons,
      pack: `${t.transfer.pack.id} ${t.transfer.pack.version}`,
      ...(proof ? { proof } : {}),
    });
  }
  const rights = h.rights.map((r) => ({ id: r.id, kind: r.kind, controller: r.controller, at: iso(r.at), scope: r.scope }));
  return { found: true, subject: Buffer.from(subject).toString('hex'), collectedBy, heldBy, transfers, rights };
}

/** The leaf's proof under `head`; none when proofs were not asked for or no signed tree head covers the leaf yet. */
async function proofField(store: Store, leaf: number, head: TreeHead | undefined): Promise<{ proof: InclusionProofJson } | Record<string, never>> {
  if (!head) return {};
  const proof = await buildInclusionProof(store.ledger, leaf, { head }).catch(() => null);
  return proof ? { proof } : {};
}
