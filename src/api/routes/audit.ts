/**
 * The regulator's view: flows between organisations, findings over the recorded history,
 * per-organisation reviews (regulator and admin keys only), and notice lint (any key that may
 * read the notice; a notice in the body is linted against the ledger only for a caller that may
 * see its controller).
 */
import { z } from 'zod';
import { buildFlows } from '../../audit/flows.ts';
import { findingJson, runAudit, type AuditFinding } from '../../audit/findings.ts';
import { lintNotice } from '../../audit/notice-lint.ts';
import { loadSeenUse } from '../../audit/notice-usage.ts';
import { reviewOrganisations } from '../../audit/review.ts';
import { reportTransfer } from '../../audit/transfer-report.ts';
import { parseTransferRequest } from '../../gateway/transfer-request.ts';
import { keyNdjsonRecords } from '../key-ndjson-records.ts';
import { TRANSFER_LIMIT } from './transfers.ts';
import { toNotice } from '../../domain/notice.ts';
import { isoTime } from '../../domain/schemas.ts';
import { noticeInput } from '../../domain/schemas.ts';
import { ORG_KINDS } from '../../domain/types.ts';
import { forbidden, notFound } from '../api-error.ts';
import { mayDo, maySee, readsAll, requireKey, visibleOr404, type Principal } from '../access.ts';
import { defineRoute } from '../route-kit.ts';
import { iso, slugParam } from '../schemas.ts';

function requireAuditor(p: Principal): void {
  const k = requireKey(p);
  if (!readsAll(k)) throw forbidden(`the ${k.role} role may not read audits; use a regulator or admin key`);
}

const since = isoTime.optional().describe('only what happened at or after this time (ISO 8601)');

const findingOut = z.object({
  id: z.string(),
  rule: z.string(),
  level: z.enum(['block', 'warn']),
  citation: z.string(),
  message: z.string(),
  organisations: z.array(z.string()),
  affected: z.number().describe('people affected'),
  first: z.string(),
  last: z.string(),
  evidence: z.array(z.object({ leaf: z.number(), kind: z.string(), ref: z.string() })),
});

const lintFindingOut = z.object({
  code: z.string(),
  level: z.enum(['block', 'warn']),
  message: z.string(),
  sentence: z.string().nullable(),
  start: z.number().nullable(),
  end: z.number().nullable(),
});

const lintOut = z.object({
  score: z.number().min(0).max(100),
  findings: z.array(lintFindingOut),
  comparison: z.object({ purposesSeenNotNamed: z.array(z.string()), recipientsSeenNotNamed: z.array(z.string()) }),
});

const flowsOut = z.object({
  nodes: z.array(z.object({ id: z.string(), name: z.string(), kind: z.string() })),
  links: z.array(
    z.object({ from: z.string(), to: z.string(), onBehalfOf: z.string().nullable(), purpose: z.string(), transfers: z.number(), requested: z.number(), allowed: z.number(), refused: z.number() }),
  ),
});

const reviewOut = z.object({
  organisation: z.object({ id: z.string(), name: z.string(), kind: z.string(), country: z.string(), rightsContact: z.string().nullable() }),
  sources: z.array(z.object({ from: z.string(), transfers: z.number(), records: z.number() })),
  recipients: z.array(z.object({ to: z.string(), transfers: z.number(), records: z.number() })),
  purposes: z.array(z.string()),
  findings: z.array(findingOut),
  notices: z.array(z.object({ id: z.string(), hash: z.string(), language: z.string(), score: z.number(), findings: z.array(lintFindingOut) })),
});

const json = (f: readonly AuditFinding[]) => f.map(findingJson);

const reportQuery = z.strictObject({
  from: slugParam,
  to: slugParam,
  onBehalfOf: slugParam.optional(),
  purpose: z.string().min(1),
  fields: z.string().min(1).describe('comma-separated fields that were sent'),
  at: z.string().min(1).describe('when the records were sent (ISO 8601)'),
  count: z.coerce.number().int().min(1).optional().describe('records sent, when the body names none'),
});

export const auditRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/transfers/reports',
    summary: 'Report a transfer that was made (through the gateway or outside it), for audits',
    description:
      'Body: NDJSON identifier rows of the records sent (hashed on arrival, never stored), or empty with `count`. Discloser or collector keys for their own organisation (`from`); regulator and admin keys for any. The same report again is a no-op.',
    tag: 'transfers',
    auth: 'caller',
    ndjson: true,
    write: true,
    bodyLimit: TRANSFER_LIMIT,
    query: reportQuery,
    responses: { 201: { description: 'recorded' }, 200: { description: 'already reported' }, 403: { description: 'the key may not report for `from`' } },
    handler: async ({ principal, query, services, ndjson, beforeWrite }) => {
      const k = requireKey(principal);
      if (!readsAll(k)) {
        if (!mayDo(k, 'transfers:decide')) throw forbidden(`the ${k.role} role may not report transfers`);
        if (k.organisation !== query.from) throw forbidden(`this key acts for ${k.organisation ?? 'no organisation'}, not ${query.from}`, 'query.from');
      }
      const store = services.app.store;
      const fields = query.fields.split(',').map((x) => x.trim()).filter((x) => x !== '');
      const request = await parseTransferRequest({ from: query.from, to: query.to, onBehalfOf: query.onBehalfOf ?? null, purpose: query.purpose, fields, at: query.at }, store, services.now(), 'query');
      const keyed = await keyNdjsonRecords(ndjson!.batches(), fields, services.app.keyer);
      await beforeWrite();
      let keys: Uint8Array | undefined;
      if (keyed.count > 0) {
        // Rows without usable identifiers are counted but name nobody.
        const picked = new Uint8Array(keyed.count * 32);
        let m = 0;
        for (let i = 0; i < keyed.count; i++) if (!keyed.unidentified[i]) picked.set(keyed.keys.subarray(i * 32, i * 32 + 32), m++ * 32);
        keys = picked.subarray(0, m * 32);
      }
      const count = keyed.count > 0 ? keyed.count : query.count;
      const r = await reportTransfer(store, { request, reportedBy: k.organisation, count, keys }, services.now());
      await services.seal();
      const rep = r.report;
      return { status: r.created ? 201 : 200, body: { ...rep, reportedAt: iso(rep.reportedAt), request: { ...rep.request, at: iso(rep.request.at) }, created: r.created } };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/audit/flows',
    summary: 'Flows between organisations: one link per (from, to, on behalf of, purpose) over committed transfers',
    tag: 'audit',
    auth: 'caller',
    query: z.strictObject({ since }),
    responses: { 200: { description: 'nodes and links', schema: flowsOut }, 403: { description: 'not a regulator or admin key' } },
    handler: async ({ principal, query, services }) => {
      requireAuditor(principal);
      const store = services.app.store;
      return { status: 200, body: buildFlows(await store.listTransfers(), await store.listOrganisations(), query.since) };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/audit/findings',
    summary: 'Every rule run over the recorded history: findings with citations, affected people and ledger evidence',
    tag: 'audit',
    auth: 'caller',
    query: z.strictObject({ org: slugParam.optional(), kind: z.enum(ORG_KINDS).optional(), since }),
    responses: {
      200: { description: 'findings', schema: z.object({ generatedAt: z.string(), treeSize: z.number(), findings: z.array(findingOut) }) },
      403: { description: 'not a regulator or admin key' },
    },
    handler: async ({ principal, query, services }) => {
      requireAuditor(principal);
      const r = await runAudit(services.app.store, { now: services.now(), filter: { org: query.org, kind: query.kind, since: query.since } });
      return { status: 200, body: { generatedAt: new Date(r.generatedAt).toISOString(), treeSize: r.treeSize, findings: json(r.findings) } };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/audit/organisations/:id/review',
    summary: 'A review of one organisation: where its data came from and went, purposes, volumes, findings, notice quality',
    tag: 'audit',
    auth: 'caller',
    params: z.strictObject({ id: slugParam }),
    responses: { 200: { description: 'the review', schema: reviewOut }, 403: { description: 'not a regulator or admin key' }, 404: { description: 'no such organisation' } },
    handler: async ({ principal, params, services }) => {
      requireAuditor(principal);
      const store = services.app.store;
      if (!(await store.getOrganisation(params.id))) throw notFound('organisation');
      const audit = await runAudit(store, { now: services.now(), filter: { org: params.id } });
      const [review] = await reviewOrganisations(store, [params.id], audit.findings);
      return { status: 200, body: { ...review!, findings: json(review!.findings) } };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/notices/:controller/:id/lint',
    summary: 'Score a published notice for specificity and compare it with what the ledger shows its controller did',
    tag: 'notices',
    auth: 'caller',
    params: z.strictObject({ controller: slugParam, id: z.string().min(1).max(128) }),
    responses: { 200: { description: 'score, findings by sentence, comparison', schema: lintOut }, 404: { description: 'no such notice visible to you' } },
    handler: async ({ principal, params, services }) => {
      requireKey(principal);
      const n = visibleOr404(principal, await services.app.store.getNotice(params.controller, params.id), (x) => [x.controller], 'notice');
      return { status: 200, body: lintNotice(n, await loadSeenUse(services.app.store, n.controller)) };
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/notices/lint',
    summary: 'Score a notice (as `notice add` takes it) for specificity; nothing is stored',
    tag: 'notices',
    auth: 'caller',
    body: noticeInput,
    responses: { 200: { description: 'score, findings by sentence, comparison', schema: lintOut } },
    handler: async ({ principal, body, services }) => {
      requireKey(principal);
      const n = toNotice(body);
      const seen = maySee(principal, [n.controller]) && (await services.app.store.getOrganisation(n.controller)) ? await loadSeenUse(services.app.store, n.controller) : undefined;
      return { status: 200, body: lintNotice(n, seen) };
    },
  }),
];
