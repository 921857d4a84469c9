import { z } from 'zod';
import { organisationInput } from '../../domain/schemas.ts';
import type { Organisation } from '../../domain/types.ts';
import { requireAction, requireKey } from '../access.ts';
import { notFound } from '../api-error.ts';
import { issueApiKey, roleForKind } from '../api-keys.ts';
import { defineRoute } from '../route-kit.ts';
import { iso, listOf, slugParam } from '../schemas.ts';
import type { ApiKey } from '../../store/store.ts';

const organisation = z.object({ id: z.string(), name: z.string(), kind: z.string(), country: z.string(), rightsContact: z.string().nullable() });

export const organisationRoutes = [
  defineRoute({
    method: 'GET',
    url: '/v1/organisations',
    summary: 'List registered organisations (the directory every organisation may read)',
    tag: 'organisations',
    auth: 'caller',
    responses: { 200: { description: 'organisations', schema: listOf(organisation) } },
    handler: async ({ principal, services }) => {
      requireKey(principal);
      return { status: 200, body: { items: await services.app.store.listOrganisations() } };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/organisations/:id',
    summary: 'One organisation',
    tag: 'organisations',
    auth: 'caller',
    params: z.strictObject({ id: slugParam }),
    responses: { 200: { description: 'the organisation', schema: organisation }, 404: { description: 'not registered' } },
    handler: async ({ principal, params, services }) => {
      requireKey(principal);
      // The directory is readable by every organisation.
      const o = await services.app.store.getOrganisation(params.id);
      if (!o) throw notFound('organisation');
      return { status: 200, body: o };
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/organisations',
    summary: 'Register an organisation and issue its first API key (admin)',
    description: 'The key is in the response once and never again; its role follows the kind (docs/api.md).',
    tag: 'organisations',
    auth: 'caller',
    write: true,
    body: organisationInput,
    responses: {
      201: { description: 'registered; `apiKey.token` is shown only now', schema: z.object({ organisation, result: z.string(), apiKey: z.object({ id: z.string(), role: z.string(), token: z.string() }).nullable() }) },
      200: { description: 'already registered with the same details (no new key)' },
    },
    handler: async ({ principal, body, services }) => {
      requireAction(principal, 'organisations:create');
      const o = body as Organisation;
      const existing = await services.app.store.getOrganisation(o.id);
      const result = await services.app.store.putOrganisation(o);
      if (result === 'unchanged' && existing) return { status: 200, body: { organisation: existing, result, apiKey: null } };
      await services.live.catchUp();
      const issued = await issueApiKey(services.app.store, { organisation: o.id, role: roleForKind(o.kind), label: 'first key', now: services.now() });
      await services.seal();
      return { status: 201, body: { organisation: o, result, apiKey: { id: issued.key.id, role: issued.key.role, token: issued.token } } };
    },
  }),
];

const keyOut = z.object({ id: z.string(), organisation: z.string().nullable(), role: z.string(), label: z.string().nullable(), createdAt: z.string(), revokedAt: z.string().nullable() });
const keyJson = (k: ApiKey) => ({ ...k, createdAt: iso(k.createdAt), revokedAt: iso(k.revokedAt) });

export const apiKeyRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/organisations/:id/api-keys',
    summary: 'Issue another API key for an organisation (admin); the token is shown once',
    tag: 'organisations',
    auth: 'caller',
    write: true,
    params: z.strictObject({ id: slugParam }),
    body: z.strictObject({ role: z.enum(['collector', 'discloser', 'recipient', 'regulator']).optional(), label: z.string().min(1).max(200).optional() }),
    responses: { 201: { description: 'issued', schema: z.object({ apiKey: keyOut.extend({ token: z.string() }) }) } },
    handler: async ({ principal, params, body, services }) => {
      requireAction(principal, 'organisations:create');
      const o = await services.app.store.getOrganisation(params.id);
      if (!o) throw notFound('organisation');
      const issued = await issueApiKey(services.app.store, { organisation: o.id, role: body.role ?? roleForKind(o.kind), label: body.label ?? null, now: services.now() });
      return { status: 201, body: { apiKey: { ...keyJson(issued.key), token: issued.token } } };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/api-keys',
    summary: 'API keys (admin: all; others: their organisation’s), never their secrets',
    tag: 'organisations',
    auth: 'caller',
    responses: { 200: { description: 'keys', schema: listOf(keyOut) } },
    handler: async ({ principal, services }) => {
      const k = requireKey(principal);
      const keys = k.role === 'admin' ? await services.app.store.listApiKeys() : k.organisation === null ? [] : await services.app.store.listApiKeys(k.organisation);
      return { status: 200, body: { items: keys.map(keyJson) } };
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/api-keys/:id/revoke',
    summary: 'Revoke an API key (admin, or a key of the same organisation)',
    tag: 'organisations',
    auth: 'caller',
    write: true,
    params: z.strictObject({ id: z.string().regex(/^[a-z0-9]{12}$/) }),
    responses: { 200: { description: 'revoked (or already revoked)' }, 404: { description: 'no such key visible to you' } },
    handler: async ({ principal, params, services }) => {
      const k = requireKey(principal);
      const key = (await services.app.store.listApiKeys()).find((x) => x.id === params.id) ?? null;
      if (!key || (k.role !== 'admin' && (k.organisation === null || key.organisation !== k.organisation))) throw notFound('API key');
      const revoked = await services.app.store.revokeApiKey(key.id, services.now());
      services.keys.clear();
      return { status: 200, body: { id: key.id, revoked } };
    },
  }),
];
