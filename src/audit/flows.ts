/**
 * The web of flows between organisations: one link per (from, to, on behalf of, purpose) over
 * committed decisions, with what was asked, allowed and refused (the regulator's Sankey).
 */
import type { Organisation } from '../domain/types.ts';
import type { StoredTransfer } from '../store/store.ts';

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

/** Pure: transfers decided for a time at or after `since` (epoch ms) when given. */
export function buildFlows(transfers: readonly StoredTransfer[], orgs: readonly Organisation[], since?: number): Flows {
  const links = new Map<string, { -readonly [K in keyof FlowLink]: FlowLink[K] }>();
  for (const t of transfers) {
    const r = t.request;
    if (since !== undefined && r.at < since) continue;
    const key = JSON.stringify([r.from, r.to, r.onBehalfOf, r.purpose]);
    const l = links.get(key) ?? { from: r.from, to: r.to, onBehalfOf: r.onBehalfOf, purpose: r.purpose, transfers: 0, requested: 0, allowed: 0, refused: 0 };
    l.transfers++;
    l.requested += t.requested;
    l.allowed += t.allowed;
    l.refused += t.refused;
    links.set(key, l);
  }
  const ids = new Set<string>();
  for (const l of links.values()) for (const id of [l.from, l.to, l.onBehalfOf]) if (id !== null) ids.add(id);
  const byId = new Map(orgs.map((o) => [o.id, o]));
  const nodes = [...ids].sort().map((id) => ({ id, name: byId.get(id)?.name ?? id, kind: byId.get(id)?.kind ?? 'other' }));
  const sorted = [...links.values()].sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to) || (a.onBehalfOf ?? '').localeCompare(b.onBehalfOf ?? '') || a.purpose.localeCompare(b.purpose));
  return { nodes, links: sorted };
}
