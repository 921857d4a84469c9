import { z } from 'zod';
import { defineRoute } from '../route-kit.ts';

export const healthRoutes = (state: { readonly closing: () => boolean }) => [
  defineRoute({
    method: 'GET',
    url: '/healthz',
    summary: 'Liveness: the process answers',
    tag: 'health',
    auth: 'public',
    responses: { 200: { description: 'alive', schema: z.object({ status: z.literal('ok') }) } },
    handler: async () => ({ status: 200, body: { status: 'ok' } }),
  }),
  defineRoute({
    method: 'GET',
    url: '/readyz',
    summary: 'Readiness: the store answers and the decision facts are loaded',
    tag: 'health',
    auth: 'public',
    responses: { 200: { description: 'ready' }, 503: { description: 'shutting down or the store does not answer' } },
    handler: async ({ services }) => {
      if (state.closing()) return { status: 503, body: { status: 'closing' } };
      const leaves = await services.app.store.ledger.size();
      return { status: 200, body: { status: 'ready', ledgerLeaves: leaves, consentFacts: services.live.facts.consentCount } };
    },
  }),
];
