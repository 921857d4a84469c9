/** Notices, datasets and agreements: published by an organisation, read by it and those it names. */
import { z } from 'zod';
import { toNotice } from '../../domain/notice.ts';
import { agreementInput, datasetInput, noticeInput } from '../../domain/schemas.ts';
import type { Agreement, Dataset, Notice } from '../../domain/types.ts';
import { maySee, requireActingFor, requireKey, visibleOr404 } from '../access.ts';
import { ApiError } from '../api-error.ts';
import type { Services } from '../services.ts';
import { defineRoute } from '../route-kit.ts';
import { iso, listOf, putResult, slugParam } from '../schemas.ts';

const noticeOut = z.object({
  hash: z.string(),
  id: z.string(),
  controller: z.string(),
  version: z.string(),
  language: z.string(),
  title: z.string(),
  text: z.string(),
  purposes: z.array(z.string()),
  recipients: z.array(z.string()),
  recipientCategories: z.array(z.string()),
  retentionDays: z.number().nullable(),
  effectiveFrom: z.string(),
});
const noticeJson = (n: Notice) => ({ ...n, effectiveFrom: iso(n.effectiveFrom) });
const agreementJson = (a: Agreement) => ({ ...a, validFrom: iso(a.validFrom), validTo: iso(a.validTo) });

async function mustBeRegistered(services: Services, ids: readonly (readonly [field: string, id: string | null])[]): Promise<void> {
  for (const [field, id] of ids) {
    if (id !== null && !(await services.app.store.getOrganisation(id))) {
      throw new ApiError(400, 'unknown-organisation', `${field} "${id}" is not a registered organisation`, [{ where: 'body', field, message: 'register it first' }]);
    }
  }
}

const byController = z.strictObject({ controller: slugParam.optional() });
const written = z.object({ id: z.string(), controller: z.string().optional(), result: putResult });

export const documentRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/notices',
    summary: 'Publish a notice (immutable, content-hashed) of your organisation',
    tag: 'notices',
    auth: 'caller',
    write: true,
    body: noticeInput,
    responses: { 201: { description: 'published', schema: written.extend({ hash: z.string() }) }, 200: { description: 'already published' }, 409: { description: 'same id, other content' } },
    handler: async ({ principal, body, services }) => {
      requireActingFor(principal, 'notices:publish', body.controller, 'controller');
      const n = toNotice(body);
      await mustBeRegistered(services, n.recipients.map((r) => ['recipients', r] as const));
      const result = await services.app.store.putNotice(n);
      await services.live.catchUp();
      await services.seal();
      return { status: result === 'created' ? 201 : 200, body: { id: n.id, controller: n.controller, hash: n.hash, result } };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/notices',
    summary: 'List the notices you may see (your own; regulators and admins: all)',
    tag: 'notices',
    auth: 'caller',
    query: byController,
    responses: { 200: { description: 'notices', schema: listOf(noticeOut) } },
    handler: async ({ principal, query, services }) => {
      requireKey(principal);
      const ns = await services.app.store.listNotices(query.controller);
      return { status: 200, body: { items: ns.filter((n) => maySee(principal, [n.controller])).map(noticeJson) } };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/notices/:controller/:id',
    summary: 'One notice, by id or content hash',
    tag: 'notices',
    auth: 'caller',
    params: z.strictObject({ controller: slugParam, id: z.string().min(1).max(128) }),
    responses: { 200: { description: 'the notice', schema: noticeOut }, 404: { description: 'no such notice visible to you' } },
    handler: async ({ principal, params, services }) => {
      requireKey(principal);
      const n = visibleOr404(principal, await services.app.store.getNotice(params.controller, params.id), (x) => [x.controller], 'notice');
      return { status: 200, body: noticeJson(n) };
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/datasets',
    summary: 'Declare a dataset your organisation holds, its fields tagged with data categories',
    tag: 'datasets',
    auth: 'caller',
    write: true,
    body: datasetInput,
    responses: { 201: { description: 'declared', schema: written }, 200: { description: 'already declared' }, 409: { description: 'same id, other fields' } },
    handler: async ({ principal, body, services }) => {
      requireActingFor(principal, 'datasets:declare', body.controller, 'controller');
      const result = await services.app.store.putDataset(body as Dataset);
      await services.seal();
      return { status: result === 'created' ? 201 : 200, body: { id: body.id, controller: body.controller, result } };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/datasets',
    summary: 'List the datasets you may see',
    tag: 'datasets',
    auth: 'caller',
    query: byController,
    responses: { 200: { description: 'datasets' } },
    handler: async ({ principal, query, services }) => {
      requireKey(principal);
      const ds = await services.app.store.listDatasets(query.controller);
      return { status: 200, body: { items: ds.filter((d) => maySee(principal, [d.controller])) } };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/datasets/:controller/:id',
    summary: 'One dataset',
    tag: 'datasets',
    auth: 'caller',
    params: z.strictObject({ controller: slugParam, id: slugParam }),
    responses: { 200: { description: 'the dataset' }, 404: { description: 'no such dataset visible to you' } },
    handler: async ({ principal, params, services }) => {
      requireKey(principal);
      return { status: 200, body: visibleOr404(principal, await services.app.store.getDataset(params.controller, params.id), (d) => [d.controller], 'dataset') };
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/agreements',
    summary: 'Record a data-sharing agreement in which your organisation discloses (`from`)',
    tag: 'agreements',
    auth: 'caller',
    write: true,
    body: agreementInput,
    responses: { 201: { description: 'recorded', schema: written }, 200: { description: 'already recorded' }, 409: { description: 'same id, other terms' } },
    handler: async ({ principal, body, services }) => {
      requireActingFor(principal, 'agreements:record', body.from, 'from');
      const a = body as Agreement;
      await mustBeRegistered(services, [['to', a.to], ['onBehalfOf', a.onBehalfOf]]);
      const result = await services.app.store.putAgreement(a);
      await services.live.catchUp();
      await services.seal();
      return { status: result === 'created' ? 201 : 200, body: { id: a.id, result } };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/agreements',
    summary: 'List the agreements your organisation is party to (from, to or on behalf of)',
    tag: 'agreements',
    auth: 'caller',
    responses: { 200: { description: 'agreements' } },
    handler: async ({ principal, services }) => {
      requireKey(principal);
      const as = await services.app.store.listAgreements();
      return { status: 200, body: { items: as.filter((a) => maySee(principal, [a.from, a.to, a.onBehalfOf])).map(agreementJson) } };
    },
  }),
];
