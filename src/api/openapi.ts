/** The OpenAPI 3.1 document, built from the same zod schemas that validate each route. */
import { z, type ZodType } from 'zod';
import type { AnyRoute } from './route-kit.ts';
import { NDJSON_TYPES } from './route-kit.ts';
import { errorSchema } from './schemas.ts';

type Json = Record<string, unknown>;

function jsonSchema(schema: ZodType): Json {
  const s = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Json;
  delete s.$schema;
  return s;
}

function parameters(schema: ZodType | undefined, where: 'path' | 'query'): Json[] {
  if (!schema) return [];
  const s = jsonSchema(schema);
  const props = (s.properties ?? {}) as Record<string, Json>;
  const required = new Set((s.required ?? []) as string[]);
  return Object.entries(props).map(([name, p]) => ({
    name,
    in: where,
    required: where === 'path' || (required.has(name) && !('default' in p)),
    ...(typeof p.description === 'string' ? { description: p.description } : {}),
    schema: p,
  }));
}

export function openApiDocument(routes: readonly AnyRoute[], info: { title: string; version: string }): Json {
  const paths: Record<string, Record<string, Json>> = {};
  for (const r of routes) {
    const path = r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const responses: Record<string, Json> = {};
    for (const [status, res] of Object.entries(r.responses)) {
      responses[status] = { description: res.description, ...(res.schema ? { content: { 'application/json': { schema: jsonSchema(res.schema) } } } : {}) };
    }
    const error = { description: 'error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
    for (const status of r.auth === 'caller' ? ['400', '401', '403', '429'] : ['400']) responses[status] ??= { ...error, description: errorDescription(status) };
    if (r.write) responses['409'] ??= { ...error, description: 'conflict (e.g. an Idempotency-Key reused for another request)' };
    const params = [...parameters(r.params, 'path'), ...parameters(r.query, 'query')];
    if (r.write) params.push({ name: 'Idempotency-Key', in: 'header', required: false, description: 'retrying with the same key and body replays the stored response', schema: { type: 'string', maxLength: 200 } });
    const op: Json = {
      operationId: `${r.method.toLowerCase()}${path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      summary: r.summary,
      ...(r.description ? { description: r.description } : {}),
      tags: [r.tag],
      ...(params.length ? { parameters: params } : {}),
      responses,
      security: r.auth === 'public' ? [] : [{ bearer: [] }],
    };
    if (r.ndjson) op.requestBody = { required: true, content: Object.fromEntries(NDJSON_TYPES.map((t) => [t, { schema: { type: 'string', description: 'one JSON object per line' } }])) };
    else if (r.body) op.requestBody = { required: true, content: { 'application/json': { schema: jsonSchema(r.body) } } };
    (paths[path] ??= {})[r.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.1.0',
    info: { ...info, description: 'Consent-aware gateway and verifiable ledger. Authenticate with `Authorization: Bearer <API key>` (csk_…) or, for /v1/me, a subject token (cst_…).' },
    servers: [{ url: '/' }],
    paths,
    components: {
      schemas: { Error: jsonSchema(errorSchema) },
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'an API key (csk_<id>_<secret>) or a subject token (cst_…)' } },
    },
  };
}

function errorDescription(status: string): string {
  return { '400': 'invalid input: details name each field', '401': 'no valid credentials', '403': 'not allowed for this key', '429': 'rate limit reached' }[status] ?? 'error';
}
