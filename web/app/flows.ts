/**
 * What the regulator's pictures are made of, as pure functions: the Sankey of flows (allowed
 * records go on to the recipient and its end client; refused ones stop at the gateway, drawn
 * apart), and, while the audit routes are not there, flows and findings derived from the
 * committed transfers themselves.
 */
import type { AuditFinding, Flows, Organisation, StoredTransfer } from './api-types.ts';

export interface SankeyData {
  readonly nodes: readonly { readonly name: string; readonly label: string; readonly kind: string }[];
  readonly links: readonly { readonly source: string; readonly target: string; readonly value: number; readonly kind: 'allowed' | 'refused' }[];
}

export const REFUSED_PREFIX = 'refused:';

export function sankeyData(flows: Flows, refusedLabel: (recipient: string) => string): SankeyData {
  const names = new Map(flows.nodes.map((n) => [n.id, n]));
  const nodeMap = new Map<string, { name: string; label: string; kind: string }>();
  const node = (id: string): void => {
    if (nodeMap.has(id)) return;
    if (id.startsWith(REFUSED_PREFIX)) {
      const to = id.slice(REFUSED_PREFIX.length);
      nodeMap.set(id, { name: id, label: refusedLabel(names.get(to)?.name ?? to), kind: 'refused' });
    } else nodeMap.set(id, { name: id, label: names.get(id)?.name ?? id, kind: names.get(id)?.kind ?? 'other' });
  };
  const sums = new Map<string, { source: string; target: string; value: number; kind: 'allowed' | 'refused' }>();
  const add = (source: string, target: string, value: number, kind: 'allowed' | 'refused'): void => {
    if (value <= 0 || source === target) return;
    node(source);
    node(target);
    const k = `${source}\u0000${target}`;
    const cur = sums.get(k);
    if (cur) cur.value += value;
    else sums.set(k, { source, target, value, kind });
  };
  for (const l of flows.links) {
    add(l.from, l.to, l.allowed, 'allowed');
    add(l.from, REFUSED_PREFIX + l.to, l.refused, 'refused');
    if (l.onBehalfOf !== null) add(l.to, l.onBehalfOf, l.allowed, 'allowed');
  }
  return { nodes: [...nodeMap.values()], links: [...sums.values()] };
}

/** GET /v1/audit/flows computed from committed transfers: one link per (from, to, on behalf of, purpose). */
export function flowsFromTransfers(transfers: readonly StoredTransfer[], organisations: readonly Organisation[]): Flows {
  const links = new Map<string, { from: string; to: string; onBehalfOf: string | null; purpose: string; transfers: number; requested: number; allowed: number; refused: number }>();
  const used = new Set<string>();
  for (const t of transfers) {
    const r = t.request;
    const k = [r.from, r.to, r.onBehalfOf ?? '', r.purpose].join('\u0000');
    const l = links.get(k) ?? { from: r.from, to: r.to, onBehalfOf: r.onBehalfOf, purpose: r.purpose, transfers: 0, requested: 0, allowed: 0, refused: 0 };
    l.transfers++;
    l.requested += t.requested;
    l.allowed += t.allowed;
    l.refused += t.refused;
    links.set(k, l);
    for (const o of [r.from, r.to, r.onBehalfOf]) if (o !== null) used.add(o);
  }
  const orgs = new Map(organisations.map((o) => [o.id, o]));
  return { nodes: [...used].map((id) => ({ id, name: orgs.get(id)?.name ?? id, kind: orgs.get(id)?.kind ?? 'other' })), links: [...links.values()] };
}

/** Findings by rule from the transfers' own findings (no citations: those come with the audit). */
export function findingsFromTransfers(transfers: readonly StoredTransfer[]): AuditFinding[] {
  const byRule = new Map<string, { rule: string; level: 'block' | 'warn'; orgs: Set<string>; affected: number; first: string; last: string; evidence: { leaf: number; kind: string; ref: string }[] }>();
  for (const t of transfers) {
    for (const f of t.findings) {
      const cur = byRule.get(f.rule) ?? { rule: f.rule, level: f.level === 'warn' ? 'warn' : 'block', orgs: new Set<string>(), affected: 0, first: t.request.at, last: t.request.at, evidence: [] };
      cur.affected += f.affected;
      for (const o of [t.request.from, t.request.to, t.request.onBehalfOf]) if (o !== null) cur.orgs.add(o);
      if (t.request.at < cur.first) cur.first = t.request.at;
      if (t.request.at > cur.last) cur.last = t.request.at;
      cur.evidence.push({ leaf: t.leaf, kind: 'transfer', ref: t.id });
      byRule.set(f.rule, cur);
    }
  }
  return [...byRule.values()].map((f) => ({
    id: f.rule,
    rule: f.rule,
    level: f.level,
    citation: '',
    message: '',
    organisations: [...f.orgs].sort(),
    affected: f.affected,
    first: f.first,
    last: f.last,
    evidence: f.evidence,
  }));
}

/** Bit i of a little-endian packed bitset (base64), as the console's check answers it. */
export function unpackBits(base64: string, count: number): Uint8Array {
  const bin = atob(base64);
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) out[i] = (bin.charCodeAt(i >> 3) >> (i & 7)) & 1;
  return out;
}
