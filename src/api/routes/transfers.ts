/**
 * Transfer check and commit over HTTP: the request in the query string, the records as NDJSON
 * streamed in (identifiers hashed on arrival, records never stored), a JSON summary out, as
 * `consentry transfer check --json` prints it. Commit records the decision in the ledger.
 */
import { z } from 'zod';
import type { CheckResult } from '../../gateway/transfer-check.ts';
import { JsonKeyPool } from '../../gateway/json-key-pool.ts';
import { keyerHasher, secretHasher } from '../../gateway/key-hasher.ts';
import { storeSecret } from '../../gateway/store-secret.ts';
import { commitTransfer } from '../../gateway/transfer-commit.ts';
import { parseTransferRequest } from '../../gateway/transfer-request.ts';
import { decisionJson } from '../../gateway/decision-json.ts';
import { CHANNELS, LAWFUL_BASES } from '../../domain/types.ts';
import { decide } from '../../policy/decision.ts';
import type { StoredTransfer } from '../../store/store.ts';
import { maySee, requireActingFor, requireKey, visibleOr404, type Principal } from '../access.ts';
import { keyRawNdjsonRecords } from '../key-ndjson-records.ts';
import type { NdjsonBody } from '../ndjson.ts';
import { defineRoute } from '../route-kit.ts';
import { iso, queryBool, slugParam } from '../schemas.ts';
import type { Services } from '../services.ts';

export const TRANSFER_LIMIT = 512 * 1024 * 1024;

export const transferQuery = z.strictObject({
  from: slugParam,
  to: slugParam,
  onBehalfOf: slugParam.optional(),
  purpose: z.string().min(1),
  fields: z.string().min(1).describe('comma-separated fields being sent, e.g. name,address,postcode'),
  channel: z.enum(CHANNELS).default('none'),
  at: z.string().optional().describe('judge consent as it stood at this time (ISO 8601; default now)'),
  basis: z.enum(LAWFUL_BASES).default('consent'),
  tpsScreened: queryBool.default(false),
  pack: z.enum(['uk', 'eu']).default('uk'),
});
type TransferQuery = z.output<typeof transferQuery>;

const summary = z.object({
  requested: z.number(),
  allowed: z.number(),
  refused: z.number(),
  unidentified: z.number(),
  reasons: z.record(z.string(), z.number()),
  warnings: z.record(z.string(), z.number()),
  findings: z.array(z.object({ rule: z.string(), code: z.string(), level: z.string(), citation: z.string(), message: z.string(), affected: z.number() })),
  fields: z.object({ sent: z.array(z.string()), stripped: z.array(z.string()) }),
  pack: z.object({ id: z.string(), version: z.string() }),
  request: z.record(z.string(), z.unknown()),
});

/**
 * Decides a transfer from its query and NDJSON records (shared with the console's check).
 * `digest: false` when the body's digest will not be asked for (a check is never replayed).
 */
export async function checkTransfer(q: TransferQuery, principal: Principal, services: Services, body: NdjsonBody, opts: { digest?: boolean; sizeHint?: number } = {}): Promise<CheckResult> {
  requireActingFor(principal, 'transfers:decide', q.from, 'from');
  const request = await parseTransferRequest(
    {
      from: q.from,
      to: q.to,
      onBehalfOf: q.onBehalfOf ?? null,
      purpose: q.purpose,
      channel: q.channel,
      fields: q.fields.split(',').map((s) => s.trim()).filter((s) => s !== ''),
      ...(q.at ? { at: q.at } : {}),
      basis: q.basis,
      tpsScreened: q.tpsScreened,
    },
    services.app.store,
    services.now(),
    'query',
  );
  // With the store's secret, keys are hashed in batches, and a large body partly on a worker thread.
  const secret = storeSecret(services.app.store, services.app.keyer);
  const keyed = await keyRawNdjsonRecords(body.rawLines({ digest: opts.digest ?? true }), request.fields, secret ? secretHasher(secret) : keyerHasher(services.app.keyer), {
    pool: () => (secret ? JsonKeyPool.for(secret) : null),
    sizeHint: opts.sizeHint ?? 0,
    lookup: (keys) => services.app.store.subjectOrdinals(keys),
  });
  const ordinals = keyed.ordinals!;
  services.live.coverOrdinals(ordinals);
  const decision = decide(request, { ordinals, flags: keyed.flags }, services.live.facts, services.pack(q.pack));
  return { decision, unidentified: keyed.unidentifiedCount, unidentifiedMask: keyed.unidentified, keys: keyed.keys, ordinals };
}

const transferJson = (t: StoredTransfer) => ({ ...t, decidedAt: iso(t.decidedAt), request: { ...t.request, at: iso(t.request.at) } });
const partiesOf = (t: StoredTransfer) => [t.request.from, t.request.to, t.request.onBehalfOf];

export const transferRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/transfers/check',
    summary: 'Decide record by record whether records may be sent (nothing stored)',
    description: 'Body: NDJSON, one record per line, with identifier fields (email, or name + postcode + dob/mother_dob) and the fields named in `fields`.',
    tag: 'transfers',
    auth: 'caller',
    ndjson: true,
    bodyLimit: TRANSFER_LIMIT,
    query: transferQuery,
    responses: { 200: { description: 'the decision summary', schema: summary } },
    handler: async ({ principal, query, services, ndjson, request }) => {
      const r = await checkTransfer(query, principal, services, ndjson!, { digest: false, sizeHint: Number(request.headers['content-length'] ?? 0) || 0 });
      return { status: 200, body: decisionJson(r.decision, r.unidentified) };
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/transfers/commit',
    summary: 'Decide as check does, then record the decision in the ledger with commitments to its subjects',
    description: 'Idempotent: the same request over the same people is the same transfer.',
    tag: 'transfers',
    auth: 'caller',
    ndjson: true,
    write: true,
    bodyLimit: TRANSFER_LIMIT,
    query: transferQuery,
    responses: { 201: { description: 'committed' }, 200: { description: 'already committed' } },
    handler: async ({ principal, query, services, ndjson, beforeWrite, request }) => {
      const r = await checkTransfer(query, principal, services, ndjson!, { sizeHint: Number(request.headers['content-length'] ?? 0) || 0 });
      await beforeWrite();
      const committed = await commitTransfer(services.app.store, r, services.now());
      await services.seal();
      const t = committed.transfer;
      return {
        status: committed.created ? 201 : 200,
        body: { ...decisionJson(r.decision, r.unidentified), transfer: { id: t.id, leaf: t.leaf, created: committed.created, subjects: t.subjects, allowedSubjects: t.allowedSubjects } },
      };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/transfers',
    summary: 'Committed transfers your organisation is party to (regulators and admins: all)',
    tag: 'transfers',
    auth: 'caller',
    responses: { 200: { description: 'transfers' } },
    handler: async ({ principal, services }) => {
      requireKey(principal);
      const ts = await services.app.store.listTransfers();
      return { status: 200, body: { items: ts.filter((t) => maySee(principal, partiesOf(t))).map(transferJson) } };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/transfers/:id',
    summary: 'One committed transfer',
    tag: 'transfers',
    auth: 'caller',
    params: z.strictObject({ id: slugParam }),
    responses: { 200: { description: 'the transfer' }, 404: { description: 'no such transfer visible to you' } },
    handler: async ({ principal, params, services }) => {
      requireKey(principal);
      return { status: 200, body: transferJson(visibleOr404(principal, await services.app.store.getTransfer(params.id), partiesOf, 'transfer')) };
    },
  }),
];
