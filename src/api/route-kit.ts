/**
 * One way to declare a route: its zod schemas validate the input (unknown in, typed out) and
 * describe it in the OpenAPI document, so the two cannot drift apart. Writes honour an
 * `Idempotency-Key` header: the same key with the same request replays the stored response,
 * with a different request it is a 409.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodType } from 'zod';
import { canonicalJson } from '../domain/canonical-json.ts';
import type { Principal } from './access.ts';
import { ApiError, validationError } from './api-error.ts';
import { NdjsonBody } from './ndjson.ts';
import type { IdempotencyLookups } from './idempotency-lookups.ts';
import type { Services } from './services.ts';
import type { IdempotentRecord } from '../store/store.ts';

export type HttpMethod = 'GET' | 'POST' | 'DELETE';

export interface Reply {
  readonly status: number;
  readonly body: unknown;
  /** The handler stored this reply under the request's Idempotency-Key itself (RouteContext.idempotency). */
  readonly idempotencyStored?: boolean;
}

export interface RouteContext<P, Q, B> {
  readonly params: P;
  readonly query: Q;
  readonly body: B;
  readonly principal: Principal;
  readonly services: Services;
  readonly request: FastifyRequest;
  /** For NDJSON routes: the streamed body. */
  readonly ndjson: NdjsonBody | null;
  /**
   * NDJSON writes call this after reading the body and before writing anything: it replays a
   * stored response for a retried upload (by throwing it) and refuses a reused key.
   */
  beforeWrite(): Promise<void>;
  /**
   * For a JSON write carrying an Idempotency-Key: the record that stores a reply under the key.
   * A handler whose write can store it along (in the same group commit) does, and says so in its
   * reply; otherwise the route kit stores it once the handler has answered.
   */
  readonly idempotency: ((reply: Reply) => IdempotentRecord) | null;
}

export interface RouteSpec<P, Q, B> {
  readonly method: HttpMethod;
  /** Fastify path syntax, e.g. /v1/notices/:controller/:id */
  readonly url: string;
  readonly summary: string;
  readonly description?: string;
  readonly tag: string;
  /** `public` needs no credentials; `caller` needs an API key or a subject token (routes check roles). */
  readonly auth: 'public' | 'caller';
  readonly params?: ZodType<P>;
  readonly query?: ZodType<Q>;
  readonly body?: ZodType<B>;
  /**
   * Checks the body instead of `body` (which then only describes it): for hot routes whose
   * handler validates fully anyway. Returns the body typed, or throws an ApiError.
   */
  readonly checkBody?: (body: unknown) => B;
  /** The body is NDJSON, streamed (application/x-ndjson). */
  readonly ndjson?: boolean;
  /** Takes an Idempotency-Key. */
  readonly write?: boolean;
  readonly bodyLimit?: number;
  /** Status → description (and, where useful, the shape) for the OpenAPI document. */
  readonly responses: Readonly<Record<number, { readonly description: string; readonly schema?: ZodType }>>;
  handler(ctx: RouteContext<P, Q, B>): Promise<Reply>;
}

/** What the OpenAPI document is built from. */
export type AnyRoute = RouteSpec<unknown, unknown, unknown>;

export const NDJSON_TYPES = ['application/x-ndjson', 'application/jsonl'];
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

class Replay {
  constructor(readonly status: number, readonly response: string) {}
}

/** Serialises requests that share one idempotency key, so the second sees the first's result. */
const inFlight = new Map<string, Promise<unknown>>();

async function withKeyLock<T>(key: string, job: () => Promise<T>): Promise<T> {
  const prev = inFlight.get(key);
  const run = (prev ?? Promise.resolve()).then(job, job);
  const tail = run.catch(() => undefined);
  inFlight.set(key, tail);
  try {
    return await run;
  } finally {
    if (inFlight.get(key) === tail) inFlight.delete(key);
  }
}

function parse<T>(schema: ZodType<T> | undefined, value: unknown, where: string): T {
  if (!schema) return undefined as T;
  const r = schema.safeParse(value);
  if (!r.success) throw validationError(where, r.error);
  return r.data;
}

const recordOf =
  (apiKey: string, key: string, requestHash: string) =>
  (r: Reply): IdempotentRecord => ({ apiKey, key, requestHash, status: r.status, response: JSON.stringify(r.body) });

export function defineRoute<P = undefined, Q = undefined, B = undefined>(spec: RouteSpec<P, Q, B>): AnyRoute {
  return spec as unknown as AnyRoute;
}

export function mountRoute(app: FastifyInstance, spec: AnyRoute, services: Services, lookups: IdempotencyLookups): void {
  app.route({
    method: spec.method,
    url: spec.url,
    ...(spec.bodyLimit !== undefined ? { bodyLimit: spec.bodyLimit } : {}),
    config: { auth: spec.auth },
    handler: async (request: FastifyRequest, reply: FastifyReply) => {
      const principal = request.principal;
      if (spec.auth === 'caller' && principal === null) throw new ApiError(401, 'unauthenticated', 'credentials required', [{ where: 'authorization', message: 'send Authorization: Bearer <API key or subject token>' }]);
      const params = parse(spec.params, request.params, 'path');
      const query = parse(spec.query, request.query, 'query');
      let body: unknown;
      let ndjson: NdjsonBody | null = null;
      if (spec.ndjson) {
        const type = String(request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
        if (!NDJSON_TYPES.includes(type)) throw new ApiError(415, 'unsupported-media-type', 'send the records as NDJSON', [{ where: 'content-type', message: `use ${NDJSON_TYPES[0]}` }]);
        ndjson = new NdjsonBody(request.body as Readable, spec.bodyLimit ?? app.initialConfig.bodyLimit ?? 1 << 20);
      } else body = spec.checkBody ? spec.checkBody(request.body) : parse(spec.body, request.body, 'body');

      const rawKey = request.headers['idempotency-key'];
      const idemKey = spec.write && typeof rawKey === 'string' ? rawKey : null;
      if (spec.write && rawKey !== undefined && (typeof rawKey !== 'string' || !IDEMPOTENCY_KEY.test(rawKey))) {
        throw new ApiError(400, 'invalid-input', 'the Idempotency-Key header is not valid', [{ where: 'header', field: 'idempotency-key', message: 'use 1 to 200 printable ASCII characters, e.g. a UUID' }]);
      }
      const owner = principal?.kind === 'key' ? principal.keyId : null;
      const store = services.app.store;
      const requestHash = (bodyDigest: string): string => createHash('sha256').update(`${spec.method} ${request.url}\n${bodyDigest}`).digest('hex');
      const check = async (hash: string): Promise<void> => {
        if (idemKey === null || owner === null) return;
        const stored = await lookups.find(owner, idemKey);
        if (!stored) return;
        if (stored.requestHash !== hash) {
          throw new ApiError(409, 'idempotency-key-reused', 'this Idempotency-Key was used for a different request', [{ where: 'header', field: 'idempotency-key', message: 'use a new key for a new request' }]);
        }
        throw new Replay(stored.status, stored.response);
      };
      // Hashing the request is needed only to recognise a retry.
      let hash: string | null = spec.ndjson || idemKey === null ? null : requestHash(createHash('sha256').update(canonicalJson(body ?? null)).digest('hex'));

      const run = async (): Promise<Reply | Replay> => {
        try {
          if (hash !== null) await check(hash);
          const ctx: RouteContext<unknown, unknown, unknown> = {
            params,
            query,
            body,
            principal: principal!,
            services,
            request,
            ndjson,
            beforeWrite: async () => {
              if (ndjson && idemKey !== null) {
                hash = requestHash(ndjson.digest());
                await check(hash);
              }
            },
            idempotency: idemKey !== null && owner !== null && hash !== null ? recordOf(owner, idemKey, hash) : null,
          };
          const r = await spec.handler(ctx);
          if (idemKey !== null && owner !== null && hash !== null && r.status < 300 && r.idempotencyStored !== true) {
            await store.putIdempotent(owner, idemKey, { requestHash: hash, status: r.status, response: JSON.stringify(r.body) });
          }
          return r;
        } catch (err) {
          if (err instanceof Replay) return err;
          throw err;
        }
      };
      const result = idemKey !== null && owner !== null ? await withKeyLock(`${owner}\u0000${idemKey}`, run) : await run();
      if (result instanceof Replay) {
        return reply.code(result.status).header('idempotent-replayed', 'true').type('application/json; charset=utf-8').send(result.response);
      }
      return reply.code(result.status).send(result.body);
    },
  });
}
