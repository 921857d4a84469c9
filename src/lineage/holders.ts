/**
 * Who holds a person's data, following the data: from the organisation that collected it along
 * every committed transfer that delivered the person's record (to the recipient and the end
 * client it acted for), and into every derived dataset built from those transfers. Pure.
 */
import type { StoredDerivation, StoredTransfer, SubjectHistory } from '../store/store.ts';

export interface Holding {
  readonly organisation: string;
  /** How the organisation came to hold the data. */
  readonly via: 'collection' | 'transfer' | 'on-behalf-of' | 'derivation';
  readonly since: number;
  readonly transfer?: StoredTransfer;
  readonly derivation?: StoredDerivation;
}

/** Organisations that collected the person's data: controllers of their consent events. */
export function collectors(h: SubjectHistory): Map<string, number> {
  const since = new Map<string, number>();
  for (const e of h.consents) since.set(e.controller, Math.min(since.get(e.controller) ?? Number.POSITIVE_INFINITY, e.at));
  return since;
}

/**
 * Every holding reachable from `from` (an organisation, or every collector when omitted),
 * excluding `from` itself. Transfers count only where this person's records were allowed.
 */
export function downstreamHoldings(h: SubjectHistory, from?: string): Holding[] {
  const reached = new Set<string>(from === undefined ? [...collectors(h).keys()] : [from]);
  const out: Holding[] = [];
  const delivered = h.transfers.filter((t) => t.allowed).map((t) => t.transfer);
  const usedTransfers = new Set<string>();
  // Transfers may chain (club → broker → party): repeat until nothing new is reached.
  for (let changed = true; changed; ) {
    changed = false;
    for (const t of delivered) {
      if (usedTransfers.has(t.id) || !reached.has(t.request.from)) continue;
      usedTransfers.add(t.id);
      changed = true;
      const when = t.request.at;
      out.push({ organisation: t.request.to, via: 'transfer', since: when, transfer: t });
      reached.add(t.request.to);
      if (t.request.onBehalfOf !== null) {
        out.push({ organisation: t.request.onBehalfOf, via: 'on-behalf-of', since: when, transfer: t });
        reached.add(t.request.onBehalfOf);
      }
    }
  }
  for (const d of h.derivations) {
    if (reached.has(d.controller) || d.sources.some((s) => usedTransfers.has(s))) out.push({ organisation: d.controller, via: 'derivation', since: d.at, derivation: d });
  }
  return out.filter((x) => x.organisation !== from);
}

/** The distinct organisations among holdings, each with the earliest time it held the data. */
export function holders(holdings: readonly Holding[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const x of holdings) m.set(x.organisation, Math.min(m.get(x.organisation) ?? Number.POSITIVE_INFINITY, x.since));
  return m;
}
