/**
 * The web app (web/, built by `npm run build` into web/dist) served from the API server at `/`:
 * its files as they are, and index.html for any other page path so the app's own router can
 * answer it. API paths are never shadowed: an unknown /v1/… path still gets the API's JSON 404.
 * A strict Content-Security-Policy keeps every request the page makes on this server.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectPath } from '../project-root.ts';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { ApiError } from './api-error.ts';

export const DEFAULT_WEB_ROOT = projectPath('web', 'dist');

/** Paths that belong to the API and its docs, never to the app. */
const RESERVED = [/^\/v1(\/|$)/, /^\/docs(\/|$)/, /^\/openapi\.json$/, /^\/healthz(\/|$)/, /^\/readyz(\/|$)/];

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  // ECharts and React set style attributes.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Consentry</title></head>
<body><h1>Consentry</h1><p>The web app is not built. Run <code>npm run build</code> (or <code>npm start</code>, which builds it) and reload.</p>
<p>The API is here: <a href="/docs">/docs</a>, <a href="/openapi.json">/openapi.json</a>.</p></body></html>
`;

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

function pageHeaders(reply: FastifyReply): FastifyReply {
  return reply.header('content-security-policy', CONTENT_SECURITY_POLICY).header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer');
}

/**
 * Mounts the app from `root` (a Vite build folder). Without a built app, `/` says how to build it.
 * Returns whether the app is served.
 */
export async function mountWebApp(app: FastifyInstance, root: string | false = process.env.CONSENTRY_WEB_ROOT || DEFAULT_WEB_ROOT): Promise<boolean> {
  const indexFile = root === false ? null : join(root, 'index.html');
  if (root === false || indexFile === null || !existsSync(indexFile)) {
    app.get('/', { config: { auth: 'public' } }, (_req, reply) => pageHeaders(reply).type('text/html; charset=utf-8').send(NOT_BUILT));
    return false;
  }
  const index = readFileSync(indexFile);
  const assets = join(root, 'assets');
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    wildcard: false,
    index: false,
    decorateReply: false,
    cacheControl: false,
    setHeaders: (reply, path) => {
      // Vite names built assets by content hash: they never change under the same name.
      void pageHeaders(reply).header('cache-control', path.startsWith(assets) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  const page = (reply: FastifyReply): FastifyReply => pageHeaders(reply).header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(index);
  app.get('/', { config: { auth: 'public' } }, (_req, reply) => page(reply));
  app.get('/*', { config: { auth: 'public' } }, (request, reply) => {
    const path = pathOf(request.url);
    // A file that is not there, or an API path: the API's own 404, never the app's page.
    if (RESERVED.some((r) => r.test(path)) || /\.[A-Za-z0-9]+$/.test(path)) {
      throw new ApiError(404, 'not-found', `no route ${request.method} ${path}`, [{ where: 'path', message: 'see /openapi.json' }]);
    }
    return page(reply);
  });
  return true;
}
