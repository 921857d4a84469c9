/**
 * A person's rights requests: withdraw, object (incl. a Global Privacy Control signal), erase,
 * rectify. Each is recorded once (the same request again is the same request), passed to every
 * downstream holder along the lineage with a one-month deadline, and — for withdrawals and
 * objections — takes effect on decisions made after it at once.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../domain/canonical-json.ts';
import { isValidStatus, type ConsentEvent, type Objection, type ObjectionScope } from '../domain/types.ts';
import type { RightsKind, Store, StoredRightsRequest } from '../store/store.ts';
import { downstreamHoldings, holders } from './holders.ts';

/** Deadline: one calendar month after the request (Art 12(3)), in UTC. */
export function oneMonthAfter(at: number): number {
  const d = new Date(at);
  const target = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()));
  // 31 January + one month is the last day of February, not 3 March.
  if (target.getUTCDate() !== d.getUTCDate()) target.setUTCDate(0);
  return target.getTime();
}

export interface RightsInput {
  readonly kind: RightsKind;
  readonly controller: string;
  readonly subject: Uint8Array;
  readonly at: number;
  /** withdraw: purposes (default: every purpose with consent in force); object: one scope. */
  readonly scope?: readonly string[];
  readonly source?: 'request' | 'gpc';
  readonly note?: string | null;
}

export type RightsOutcome =
  | { readonly found: false }
  | {
      readonly found: true;
      readonly created: boolean;
      readonly request: StoredRightsRequest;
      readonly passedTo: readonly { holder: string; due: number }[];
      /** What the request added to the facts decisions see (for an in-memory engine to follow). */
      readonly applied: { readonly consents: readonly ConsentEvent[]; readonly objections: readonly Objection[] };
    };

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

export async function requestRights(store: Store, input: RightsInput): Promise<RightsOutcome> {
  const history = await store.subjectHistory(input.subject);
  // An unknown person, or one the controller holds nothing about, gets the same answer:
  // nothing here says which organisations exist or hold whom.
  if (!history || !history.consents.some((e) => e.controller === input.controller)) return { found: false };
  const subject = hex(input.subject);
  let scope = [...(input.scope ?? [])].sort();
  if (input.kind === 'withdraw' && scope.length === 0) {
    const latest = new Map<string, string>();
    for (const e of history.consents) if (e.controller === input.controller && e.at <= input.at) for (const p of e.purposes) latest.set(p, e.status);
    scope = [...latest].filter(([, s]) => isValidStatus(s as never)).map(([p]) => p).sort();
  }
  if (input.kind === 'object' && scope.length === 0) scope = [input.source === 'gpc' ? 'sale-sharing' : 'direct-marketing'];
  const source = input.source ?? 'request';
  const note = input.note ?? null;
  const id = `rr-${createHash('sha256').update(canonicalJson({ kind: input.kind, controller: input.controller, subject, scope, source, note })).digest('hex').slice(0, 20)}`;
  const passedTo = [...holders(downstreamHoldings(history, input.controller))].map(([holder]) => ({ holder, due: oneMonthAfter(input.at) })).sort((a, b) => a.holder.localeCompare(b.holder));
  const { request, created } = await store.recordRightsRequest({ id, kind: input.kind, controller: input.controller, subject, at: input.at, scope, source, note }, passedTo);
  const applied = created ? await applyEffect(store, request) : { consents: [], objections: [] };
  return { found: true, created, request, passedTo, applied };
}

/** Withdrawals and objections change what later decisions see; erasure and rectification are passed on. */
async function applyEffect(store: Store, r: StoredRightsRequest): Promise<{ consents: ConsentEvent[]; objections: Objection[] }> {
  const subject = new Uint8Array(Buffer.from(r.subject, 'hex'));
  const consents: ConsentEvent[] = [];
  const objections: Objection[] = [];
  if (r.kind === 'withdraw' && r.scope.length > 0) {
    const e: ConsentEvent = { id: `${r.id}-withdrawal`, controller: r.controller, subject, purposes: [...r.scope], recipients: [], status: 'ConsentWithdrawn', notice: null, at: r.at, expiresAt: null, method: 'api', consentType: 'expressed', evidence: `rights request ${r.id}` };
    if ((await store.appendConsentEvents([e])).inserted === 1) consents.push(e);
  }
  if (r.kind === 'object') {
    for (const scope of r.scope) {
      const o: Objection = { id: `${r.id}-${scope}`, controller: r.controller, subject, scope: scope as ObjectionScope, at: r.at, source: r.source === 'gpc' ? 'gpc' : 'request' };
      if ((await store.appendObjection(o)) === 'created') objections.push(o);
    }
  }
  return { consents, objections };
}
