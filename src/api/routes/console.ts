/**
 * What the web app needs beyond the other routes: who a credential is, consent statistics per
 * purpose, a transfer check that also answers which records may go (one bit per record, so the
 * browser builds the allowed file without the records coming back), the rights notices a holder
 * must acknowledge (and the acknowledgement), a person's requests with their status at every
 * holder, and a check of the ledger's latest signed tree head.
 */
import { z } from 'zod';
import { decisionJson } from '../../gateway/decision-json.ts';
import { CONSENT_STATUSES } from '../../domain/types.ts';
import { PURPOSES } from '../../domain/purposes.ts';
import { parseSignedNote, verifyCheckpoint } from '../../ledger/checkpoint.ts';
import { equalHashes, verifyConsistency } from '../../ledger/merkle.ts';
import { verifierKeyOf } from '../../ledger/signing-key.ts';
import type { Facts } from '../../policy/facts.ts';
import type { RightsNotice } from '../../store/store.ts';
import { maySee, readsAll, requireKey, requireSubject } from '../access.ts';
import { ApiError, forbidden, notFound } from '../api-error.ts';
import { defineRoute } from '../route-kit.ts';
import { iso, slugParam } from '../schemas.ts';
import { checkTransfer, TRANSFER_LIMIT, transferQuery } from './transfers.ts';

const VALID = new Set(['ConsentGiven', 'RenewedConsentGiven'].map((s) => CONSENT_STATUSES.indexOf(s as (typeof CONSENT_STATUSES)[number])));
const WITHDRAWN = new Set(['ConsentWithdrawn', 'ConsentRevoked'].map((s) => CONSENT_STATUSES.indexOf(s as (typeof CONSENT_STATUSES)[number])));
const REFUSED = CONSENT_STATUSES.indexOf('ConsentRefused');

export interface PurposeStats {
  readonly purpose: string;
  /** People with any consent event for the purpose. */
  readonly people: number;
  /** …whose latest event is a consent in force at `now`. */
  readonly valid: number;
  readonly withdrawn: number;
  readonly refused: number;
  readonly other: number;
  readonly events: number;
}

/**
 * People per purpose by the latest state of their consent to `controller` at `now`, from the
 * decision engine's columns (no store read). One array per purpose the controller uses.
 */
export function consentStats(facts: Facts, controller: string, now: number): PurposeStats[] {
  const ci = facts.orgIndex(controller);
  if (ci < 0) return [];
  const c = facts.consents;
  const n = facts.consentCount;
  const latest = new Map<number, Int32Array>();
  const events = new Map<number, number>();
  for (let r = 0; r < n; r++) {
    if (c.controller[r] !== ci || c.at[r]! > now) continue;
    const p = c.purpose[r]!;
    let rows = latest.get(p);
    if (!rows) latest.set(p, (rows = new Int32Array(facts.subjectCount).fill(-1)));
    const s = c.subject[r]!;
    const prev = rows[s]!;
    // Rows are in store order: a later row with the same time wins.
    if (prev < 0 || c.at[r]! >= c.at[prev]!) rows[s] = r;
    events.set(p, (events.get(p) ?? 0) + 1);
  }
  const out: PurposeStats[] = [];
  for (const [p, rows] of [...latest].sort((a, b) => a[0] - b[0])) {
    let people = 0;
    let valid = 0;
    let withdrawn = 0;
    let refused = 0;
    for (let s = 0; s < rows.length; s++) {
      const r = rows[s]!;
      if (r < 0) continue;
      people++;
      const st = c.status[r]!;
      const exp = c.expiresAt[r]!;
      if (VALID.has(st) && (Number.isNaN(exp) || exp > now)) valid++;
      else if (WITHDRAWN.has(st)) withdrawn++;
      else if (st === REFUSED) refused++;
    }
    out.push({ purpose: PURPOSES[p]!.id, people, valid, withdrawn, refused, other: people - valid - withdrawn - refused, events: events.get(p) ?? 0 });
  }
  return out;
}

/** A mask of 0/1 bytes as bits, least significant first, in base64. */
export function packBits(mask: Uint8Array): string {
  const out = new Uint8Array(Math.ceil(mask.length / 8));
  for (let i = 0; i < mask.length; i++) if (mask[i]) out[i >> 3]! |= 1 << (i & 7);
  return Buffer.from(out).toString('base64');
}

const noticeJson = (n: RightsNotice, now: number) => ({
  request: n.request,
  kind: n.kind,
  controller: n.controller,
  holder: n.holder,
  at: iso(n.at),
  due: iso(n.due),
  acknowledgedAt: iso(n.acknowledgedAt),
  overdue: n.acknowledgedAt === null && n.due < now,
});

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

export const consoleRoutes = [
  defineRoute({
    method: 'GET',
    url: '/v1/console/session',
    summary: 'Who this credential is: an API key’s role and organisation, or a person’s token and its expiry',
    tag: 'console',
    auth: 'caller',
    responses: { 200: { description: 'the caller' } },
    handler: async ({ principal, services }) => {
      if (principal.kind === 'subject') return { status: 200, body: { kind: 'subject', expiresAt: iso(principal.expiresAt) } };
      const o = principal.organisation === null ? null : await services.app.store.getOrganisation(principal.organisation);
      return { status: 200, body: { kind: 'key', role: principal.role, organisation: o ? { id: o.id, name: o.name, kind: o.kind } : null } };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/console/consent-stats',
    summary: 'People per purpose by the latest state of their consent to one organisation (yours by default)',
    tag: 'console',
    auth: 'caller',
    query: z.strictObject({ controller: slugParam.optional() }),
    responses: { 200: { description: 'per purpose: people, valid, withdrawn, refused, other, events' } },
    handler: async ({ principal, query, services }) => {
      const k = requireKey(principal);
      const controller = query.controller ?? k.organisation;
      if (controller === null) throw new ApiError(400, 'invalid-input', 'name the organisation', [{ where: 'query', field: 'controller', message: 'this key acts for no organisation' }]);
      if (!maySee(k, [controller])) throw notFound('organisation');
      const now = services.now();
      return { status: 200, body: { controller, asOf: iso(now), purposes: consentStats(services.live.facts, controller, now) } };
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/console/transfers/check',
    summary: 'Decide a transfer as /v1/transfers/check does, and say which records may go (one bit per record)',
    description:
      'Body: NDJSON records, as for /v1/transfers/check. The answer adds `allowedRecords`: bit i (least significant bit first, base64) is set when record i may be sent. Nothing is stored.',
    tag: 'console',
    auth: 'caller',
    ndjson: true,
    bodyLimit: TRANSFER_LIMIT,
    query: transferQuery,
    responses: { 200: { description: 'the decision summary and the allowed records as a bitset' } },
    handler: async ({ principal, query, services, ndjson }) => {
      const { decision, unidentified } = await checkTransfer(query, principal, services, ndjson!);
      return { status: 200, body: { ...decisionJson(decision, unidentified), allowedRecords: packBits(decision.allowedMask) } };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/console/rights-notices',
    summary: 'Rights requests passed to your organisation as a downstream holder (regulators and admins: every holder’s)',
    tag: 'console',
    auth: 'caller',
    query: z.strictObject({ state: z.enum(['pending', 'all']).default('pending'), holder: slugParam.optional() }),
    responses: { 200: { description: 'notices, oldest first; overdue when past due and not acknowledged' } },
    handler: async ({ principal, query, services }) => {
      const k = requireKey(principal);
      let holder: string | undefined;
      if (readsAll(k)) holder = query.holder;
      else if (k.organisation === null) throw forbidden('this key acts for no organisation');
      else if (query.holder !== undefined && query.holder !== k.organisation) throw notFound('holder');
      else holder = k.organisation;
      const now = services.now();
      const all = await services.app.store.listRightsNotices(holder === undefined ? {} : { holder });
      const items = all.filter((n) => query.state === 'all' || n.acknowledgedAt === null).sort((a, b) => a.at - b.at || a.request.localeCompare(b.request));
      return { status: 200, body: { items: items.map((n) => noticeJson(n, now)) } };
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/console/rights-notices/:request/acknowledge',
    summary: 'Acknowledge a rights request passed to your organisation (recorded in the ledger)',
    tag: 'console',
    auth: 'caller',
    write: true,
    params: z.strictObject({ request: slugParam }),
    body: z.strictObject({}).optional(),
    responses: { 201: { description: 'acknowledged' }, 200: { description: 'already acknowledged' }, 404: { description: 'no such request passed to you' } },
    handler: async ({ principal, params, services }) => {
      const k = requireKey(principal);
      if (k.role === 'regulator' || k.organisation === null) throw forbidden(`the ${k.role} role may not acknowledge for a holder`);
      const r = await services.app.store.acknowledgeRights(params.request, k.organisation, services.now());
      if (r === 'not-yours') throw notFound('rights request');
      return { status: r === 'created' ? 201 : 200, body: { request: params.request, holder: k.organisation, result: r } };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/me/rights-notices',
    summary: 'Your rights requests and their status at every organisation they were passed to (subject token)',
    tag: 'people',
    auth: 'caller',
    responses: { 200: { description: 'requests, oldest first, each with its holders' } },
    handler: async ({ principal, services }) => {
      const s = requireSubject(principal);
      const history = await services.app.store.subjectHistory(new Uint8Array(Buffer.from(s.subjectHex, 'hex')));
      const requests = history ? [...history.rights].sort((a, b) => a.at - b.at) : [];
      const now = services.now();
      const byController = new Map<string, RightsNotice[]>();
      for (const c of new Set(requests.map((r) => r.controller))) byController.set(c, await services.app.store.listRightsNotices({ controller: c }));
      const items = requests.map((r) => ({
        id: r.id,
        kind: r.kind,
        controller: r.controller,
        at: iso(r.at),
        holders: (byController.get(r.controller) ?? [])
          .filter((n) => n.request === r.id)
          .sort((a, b) => a.holder.localeCompare(b.holder))
          .map((n) => ({ holder: n.holder, due: iso(n.due), acknowledgedAt: iso(n.acknowledgedAt), overdue: n.acknowledgedAt === null && n.due < now })),
      }));
      return { status: 200, body: { items } };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/console/ledger/verify',
    summary: 'Check the latest signed tree head: its signature, that it extends the one before, that today’s tree extends it, its cosignature lines',
    description: 'A quick check from the server’s side; `consentry ledger verify` on an export checks every leaf offline.',
    tag: 'console',
    auth: 'caller',
    responses: { 200: { description: '{ verified, treeSize, checks: [{ check, ok, detail }] }' } },
    handler: async ({ principal, services }) => {
      requireKey(principal);
      await services.seal();
      const ledger = services.app.store.ledger;
      const heads = await ledger.treeHeads();
      const size = await ledger.size();
      const checks: { check: string; ok: boolean; detail: string }[] = [];
      const latest = heads[heads.length - 1];
      if (latest) {
        const cp = verifyCheckpoint(latest.note, verifierKeyOf(services.app.signingKey()));
        const signed = cp.ok && cp.checkpoint.size === latest.size && equalHashes(cp.checkpoint.root, latest.root);
        checks.push({ check: 'signature', ok: signed, detail: cp.ok ? (signed ? `size ${latest.size}, root ${hex(latest.root)}` : 'the signed size or root differs from the stored tree head') : cp.error });
        const prev = heads[heads.length - 2];
        if (prev) {
          const ok = prev.size === latest.size ? equalHashes(prev.root, latest.root) : verifyConsistency(prev.size, latest.size, prev.root, latest.root, await ledger.consistencyProof(prev.size, latest.size));
          checks.push({ check: 'consistency-previous', ok, detail: `${prev.size} → ${latest.size}` });
        }
        const root = await ledger.root();
        const ok = size === latest.size ? equalHashes(root, latest.root) : verifyConsistency(latest.size, size, latest.root, root, await ledger.consistencyProof(latest.size, size));
        checks.push({ check: 'consistency-current', ok, detail: `${latest.size} → ${size}` });
        let named = false;
        try {
          const note = parseSignedNote(latest.note);
          named = latest.witnesses.every((w) => note.signatures.some((sig) => sig.name === w));
        } catch {
          named = false;
        }
        checks.push({ check: 'cosignatures', ok: named, detail: latest.witnesses.length === 0 ? 'none' : latest.witnesses.join(', ') });
      }
      return { status: 200, body: { verified: latest !== undefined && checks.every((c) => c.ok), treeSize: latest?.size ?? 0, checks } };
    },
  }),
];
