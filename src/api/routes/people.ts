/**
 * People reach their own data: a collector that has verified a person asks for a short-lived
 * token (POST /v1/subject-tokens); with it the person reads their consent events, the committed
 * transfers that included them, and a proof for each (GET /v1/me/...).
 */
import { z } from 'zod';
import { identifierMaterial } from '../../domain/identifiers.ts';
import { buildTransferProof } from '../../gateway/transfer-proof.ts';
import { requestRights } from '../../lineage/rights.ts';
import { whoHas } from '../../lineage/who-has.ts';
import { OBJECTION_SCOPES } from '../../domain/types.ts';
import { isPurposeId } from '../../domain/purposes.ts';
import type { Store, StoredTransfer } from '../../store/store.ts';
import { requireAction, requireSubject } from '../access.ts';
import { ApiError, notFound } from '../api-error.ts';
import { defineRoute } from '../route-kit.ts';
import { iso, queryBool, slugParam } from '../schemas.ts';
import { DEFAULT_TOKEN_SECONDS, MAX_TOKEN_SECONDS } from '../subject-tokens.ts';

const identifiers = z.strictObject({
  email: z.string().max(320).optional(),
  name: z.string().max(300).optional(),
  postcode: z.string().max(16).optional(),
  dob: z.string().max(20).optional(),
  ttlSeconds: z.number().int().min(60).max(MAX_TOKEN_SECONDS).default(DEFAULT_TOKEN_SECONDS),
});

function keyBytes(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

/** The committed transfers that named this person, through the store's index by subject. */
async function transfersOf(store: Store, key: Uint8Array): Promise<{ transfer: StoredTransfer; allowed: boolean }[]> {
  const history = await store.subjectHistory(key);
  return history ? history.transfers.map((t) => ({ transfer: t.transfer, allowed: t.allowed })) : [];
}

const rightsBody = z.strictObject({
  kind: z.enum(['withdraw', 'object', 'erase', 'rectify']),
  /** The organisation the request is made to: the one that collected the data. */
  controller: z.string().min(1).max(64),
  /** withdraw: purposes (default every purpose in force); object: one scope. */
  purposes: z.array(z.string().refine(isPurposeId, { message: 'unknown purpose id' })).max(20).optional(),
  scope: z.enum(OBJECTION_SCOPES).optional(),
  note: z.string().max(2000).optional(),
});

/** Kept with a request made under Global Privacy Control: the signal itself, as evidence. */
const GPC_NOTE = 'Sec-GPC: 1 (Global Privacy Control)';

export const peopleRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/subject-tokens',
    summary: 'Issue a short-lived token for a person you have verified (collector)',
    description:
      'Identifiers (email, or name + postcode + dob) are hashed into the subject key and forgotten. The person must have consent events recorded by your organisation. The token carries only the subject key and its expiry.',
    tag: 'people',
    auth: 'caller',
    write: true,
    bodyLimit: 16 * 1024,
    body: identifiers,
    responses: { 201: { description: 'the token', schema: z.object({ token: z.string(), expiresAt: z.string() }) }, 404: { description: 'no consent of this person recorded by you' } },
    handler: async ({ principal, body, services }) => {
      const k = requireAction(principal, 'subject-tokens:issue');
      const m = identifierMaterial({ email: body.email, name: body.name, postcode: body.postcode, dob: body.dob });
      if (!m.ok) throw new ApiError(400, 'invalid-input', 'cannot identify the person', [{ where: 'body', field: m.field, message: m.message }]);
      const key = services.app.keyer.keyOfMaterial(m.material);
      const events = await services.app.store.consentEventsOf(key);
      if (!events.some((e) => e.controller === k.organisation)) throw notFound('person');
      const expiresAt = services.now() + body.ttlSeconds * 1000;
      return { status: 201, body: { token: services.tokens.sign(key, expiresAt), expiresAt: iso(Math.floor(expiresAt / 1000) * 1000) } };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/me/consent-events',
    summary: 'Your consent events, with every organisation (subject token)',
    tag: 'people',
    auth: 'caller',
    responses: { 200: { description: 'events, oldest first' } },
    handler: async ({ principal, services }) => {
      const s = requireSubject(principal);
      const events = await services.app.store.consentEventsOf(keyBytes(s.subjectHex));
      return {
        status: 200,
        body: {
          items: events.map((e) => ({
            event_id: e.id,
            controller: e.controller,
            purposes: e.purposes,
            recipients: e.recipients,
            status: e.status,
            notice: e.notice,
            at: iso(e.at),
            expiresAt: iso(e.expiresAt),
            method: e.method,
            consentType: e.consentType,
            evidence: e.evidence,
          })),
        },
      };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/me/transfers',
    summary: 'Committed transfers that included your record, and whether it was allowed to go (subject token)',
    tag: 'people',
    auth: 'caller',
    responses: { 200: { description: 'transfers' } },
    handler: async ({ principal, services }) => {
      const s = requireSubject(principal);
      const found = await transfersOf(services.app.store, keyBytes(s.subjectHex));
      return {
        status: 200,
        body: {
          items: found.map(({ transfer: t, allowed }) => ({
            id: t.id,
            from: t.request.from,
            to: t.request.to,
            onBehalfOf: t.request.onBehalfOf,
            purpose: t.request.purpose,
            at: iso(t.request.at),
            decidedAt: iso(t.decidedAt),
            leaf: t.leaf,
            allowed,
          })),
        },
      };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/me/transfers/:id/proof',
    summary: 'A proof that your record was in a committed transfer, and whether it was allowed to go (subject token)',
    description: 'The same proof as `consentry ledger proof --transfer`; check it offline with `consentry ledger verify-proof`.',
    tag: 'people',
    auth: 'caller',
    params: z.strictObject({ id: slugParam }),
    responses: { 200: { description: 'consentry-transfer-subject-proof' }, 404: { description: 'no such transfer' } },
    handler: async ({ principal, params, services }) => {
      const s = requireSubject(principal);
      const key = keyBytes(s.subjectHex);
      // Only transfers that included this person: a proof of absence would show others' neighbouring keys.
      if (!(await transfersOf(services.app.store, key)).some((t) => t.transfer.id === params.id)) throw notFound('transfer');
      await services.seal();
      const proof = await buildTransferProof(services.app.store, params.id, key);
      if (!proof) throw notFound('transfer');
      return { status: 200, body: proof };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/me/who-has',
    summary: 'Who holds your data, since when, for what, under which notice, with ledger proofs (subject token)',
    description: 'The same answer as `consentry who-has --json` (Art 15): the collector with each consent and the notice shown, every organisation that received your records or built a dataset from them, every transfer that named you with its decision and reasons, your requests.',
    tag: 'people',
    auth: 'caller',
    query: z.strictObject({ proofs: queryBool.default(true) }),
    responses: { 200: { description: 'the access answer; found: false when nothing is recorded' } },
    handler: async ({ principal, query, services }) => {
      const s = requireSubject(principal);
      await services.seal();
      return { status: 200, body: await whoHas(services.app.store, keyBytes(s.subjectHex), { proofs: query.proofs }) };
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/me/rights-requests',
    summary: 'Withdraw, object, ask for erasure or rectification; passed to every downstream holder (subject token)',
    description:
      'Recorded once (the same request again answers with the same request), passed to every organisation holding your data downstream with a one-month deadline. A request with `Sec-GPC: 1` and kind `object` is recorded as a Global Privacy Control objection to sale and sharing; with any other kind, the signal is recorded as such an objection besides (answered under `gpc`). The header is kept as the request\'s evidence note.',
    tag: 'people',
    auth: 'caller',
    write: true,
    bodyLimit: 16 * 1024,
    body: rightsBody,
    responses: { 201: { description: 'the request and where it was passed' }, 200: { description: 'the same request, already recorded' }, 404: { description: 'nothing recorded about you at that organisation' } },
    handler: async ({ principal, body, services, request }) => {
      const s = requireSubject(principal);
      const key = keyBytes(s.subjectHex);
      // GPC: the only defined value is "1"; it opts the person out of sale and sharing.
      const signal = request.headers['sec-gpc'] === '1';
      const gpc = body.kind === 'object' && signal;
      const scope = body.kind === 'withdraw' ? (body.purposes ?? []) : body.kind === 'object' ? (gpc ? ['sale-sharing'] : body.scope ? [body.scope] : []) : [];
      const at = Date.now();
      const outcome = await requestRights(services.app.store, {
        kind: body.kind,
        controller: body.controller,
        subject: key,
        at,
        scope,
        source: gpc ? 'gpc' : 'request',
        note: body.note ?? (gpc ? GPC_NOTE : null),
      });
      if (!outcome.found) throw notFound('record');
      // The signal rides on another request: it is an objection to sale and sharing all the same.
      const alsoGpc =
        signal && !gpc
          ? await requestRights(services.app.store, { kind: 'object', controller: body.controller, subject: key, at, scope: ['sale-sharing'], source: 'gpc', note: GPC_NOTE })
          : null;
      // Decisions made after the request respect it at once.
      await services.live.catchUp();
      const r = outcome.request;
      return {
        status: outcome.created ? 201 : 200,
        body: {
          id: r.id,
          kind: r.kind,
          controller: r.controller,
          scope: r.scope,
          source: r.source,
          at: iso(r.at),
          passedTo: outcome.passedTo.map((p) => ({ holder: p.holder, due: iso(p.due) })),
          ...(alsoGpc?.found ? { gpc: { id: alsoGpc.request.id, kind: 'object', scope: alsoGpc.request.scope, source: 'gpc' } } : {}),
        },
      };
    },
  }),
];
