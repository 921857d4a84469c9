/**
 * The HTTP API (`consentry serve`): Fastify with one error shape, API keys and subject tokens,
 * per-caller rate limits, request ids in structured logs that never carry secrets or identifiers,
 * the OpenAPI document at /openapi.json and interactive docs at /docs.
 */
import { randomUUID } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { App } from '../app.ts';
import type { Principal } from './access.ts';
import { ApiError, toApiError } from './api-error.ts';
import { mountDocsUi } from './docs-ui.ts';
import { IdempotencyLookups } from './idempotency-lookups.ts';
import { requestLogger } from './request-logger.ts';
import { mountWebApp } from './web-app.ts';
import { openApiDocument } from './openapi.ts';
import { mountRoute, NDJSON_TYPES } from './route-kit.ts';
import { allRoutes } from './routes/index.ts';
import { buildServices, type Services } from './services.ts';
import { TOKEN_PREFIX } from './subject-tokens.ts';
import { serveFromSqlite } from './sqlite-serving.ts';
import { SqliteStore } from '../store/sqlite/sqlite-store.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    auth?: 'public' | 'caller';
  }
}

export interface ServerOptions {
  readonly app: App;
  /** false: no logs (tests); otherwise JSON lines at `level` to `stream` (default stdout). */
  readonly log?: false | { readonly level?: string; readonly stream?: NodeJS.WritableStream };
  /** Requests per caller (API key, person or address) per window; default 60,000 a minute. */
  readonly rateLimit?: { readonly max: number; readonly windowMs: number };
  /** JSON bodies; NDJSON routes have their own, larger limits. Default 1 MiB. */
  readonly bodyLimit?: number;
  /** How often a tree head is signed over what was appended since the last one. */
  readonly sealEveryMs?: number;
  /** How often the decision facts take in what other processes stored (default 500 ms). */
  readonly followEveryMs?: number;
  readonly now?: () => number;
  /** How long shutdown waits for in-flight requests before cutting connections (default 30 s). */
  readonly shutdownGraceMs?: number;
  /** The built web app (default web/dist, or $CONSENTRY_WEB_ROOT); false: none. */
  readonly webRoot?: string | false;
}

export interface ApiServer {
  readonly fastify: FastifyInstance;
  readonly services: Services;
  /** Starts listening; returns the address, e.g. http://127.0.0.1:8080. */
  listen(host: string, port: number): Promise<string>;
  /** Stops taking requests, lets those in flight finish, stores pending writes, signs a tree head. */
  close(): Promise<void>;
}

export const VERSION = '0.1.0';

/** Path without the query string: queries may carry what logs must not. */
function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

const unauthenticated = (message: string): ApiError =>
  new ApiError(401, 'unauthenticated', message, [{ where: 'authorization', message: 'send Authorization: Bearer <API key or subject token>' }], { 'www-authenticate': 'Bearer' });

export async function buildServer(o: ServerOptions): Promise<ApiServer> {
  const now = o.now ?? Date.now;
  const services = await buildServices(o.app, now);
  let closing = false;
  const log = o.log ?? false;
  const fastify = Fastify({
    logger:
      log === false
        ? false
        : {
            level: log.level ?? 'info',
            ...(log.stream ? { stream: log.stream } : {}),
            // INVARIANT: no header, body or query string is ever logged; only method, path and ids.
            serializers: {
              req: (r: FastifyRequest) => ({ method: r.method, path: pathOf(r.url), id: r.id }),
              res: (r: { statusCode: number }) => ({ statusCode: r.statusCode }),
            },
            redact: { paths: ['req.headers', 'headers', 'authorization', '*.authorization', 'body', '*.body'], remove: true },
          },
    bodyLimit: o.bodyLimit ?? 1024 * 1024,
    genReqId: () => randomUUID(),
    childLoggerFactory: requestLogger,
    return503OnClosing: true,
  });

  fastify.decorateRequest('principal', null);
  // NDJSON bodies reach the route as a stream; the route reads and limits them (src/api/ndjson.ts).
  fastify.addContentTypeParser(NDJSON_TYPES, (_req, payload, done) => done(null, payload));

  fastify.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    const header = request.headers.authorization;
    if (header === undefined) return;
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const token = m?.[1];
    if (!token) throw unauthenticated('the Authorization header is not a Bearer credential');
    if (token.startsWith('csk_')) {
      const key = await services.keys.find(token, now());
      if (!key || key.revokedAt !== null) throw unauthenticated('unknown or revoked API key');
      request.principal = { kind: 'key', keyId: key.id, role: key.role, organisation: key.organisation };
    } else if (token.startsWith(TOKEN_PREFIX)) {
      const claims = services.tokens.verify(token, now());
      if (!claims) throw unauthenticated('the subject token is not valid or has expired');
      request.principal = { kind: 'subject', subjectHex: claims.sub, expiresAt: claims.exp * 1000 };
    } else throw unauthenticated('unknown kind of credential');
  });

  const limit = o.rateLimit ?? { max: 60_000, windowMs: 60_000 };
  await fastify.register(rateLimit, {
    global: true,
    hook: 'preHandler',
    max: limit.max,
    timeWindow: limit.windowMs,
    keyGenerator: (req) => {
      const p = req.principal;
      return p === null ? `ip:${req.ip}` : p.kind === 'key' ? `key:${p.keyId}` : `subject:${p.subjectHex}`;
    },
    errorResponseBuilder: (_req, ctx) => new ApiError(429, 'rate-limited', `at most ${ctx.max} requests per ${ctx.after}`, [{ where: 'request', message: `retry after ${ctx.after}` }]),
  });

  fastify.setErrorHandler((err, request, reply) => {
    const e = toApiError(err);
    if (e.status >= 500) request.log.error({ err }, 'request failed');
    void reply.code(e.status).headers(e.headers).send(e.body());
  });
  fastify.setNotFoundHandler((request, reply) => {
    void reply.code(404).send(new ApiError(404, 'not-found', `no route ${request.method} ${pathOf(request.url)}`, [{ where: 'path', message: 'see /openapi.json' }]).body());
  });

  const routes = allRoutes({ closing: () => closing });
  const idempotency = new IdempotencyLookups(o.app.store);
  for (const r of routes) mountRoute(fastify, r, services, idempotency);
  const document = openApiDocument(routes, { title: 'Consentry API', version: VERSION });
  fastify.get('/openapi.json', { config: { auth: 'public' } }, async () => document);
  mountDocsUi(fastify);
  await mountWebApp(fastify, o.webRoot);
  await fastify.ready();

  const sealer = setInterval(() => void services.seal().catch((err: unknown) => fastify.log.error({ err }, 'signing a tree head failed')), o.sealEveryMs ?? 1000);
  sealer.unref();
  services.live.follow(o.followEveryMs ?? 500, (err) => fastify.log.error({ err }, 'reading new ledger leaves into the decision facts failed'));
  const store = o.app.store;
  const sqlite = store instanceof SqliteStore ? serveFromSqlite(store.db, { onError: (err) => fastify.log.error({ err }, 'checkpointing the SQLite log failed') }) : null;

  let closed: Promise<void> | null = null;
  return {
    fastify,
    services,
    async listen(host, port) {
      return fastify.listen({ host, port });
    },
    close() {
      closed ??= (async () => {
        closing = true;
        clearInterval(sealer);
        // Keep-alive connections go idle as their last responses finish: close each as it does,
        // and give up on stragglers after the grace period.
        const idle = setInterval(() => fastify.server.closeIdleConnections(), 50);
        const grace = setTimeout(() => fastify.server.closeAllConnections(), o.shutdownGraceMs ?? 30_000);
        try {
          await fastify.close();
        } finally {
          clearInterval(idle);
          clearTimeout(grace);
        }
        await services.writer.drain();
        await services.live.stop();
        await services.seal();
        await sqlite?.stop();
      })();
      return closed;
    },
  };
}
