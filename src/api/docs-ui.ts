/**
 * Interactive API docs at /docs: Swagger UI from the swagger-ui-dist package, served from this
 * server (no CDN), pointed at /openapi.json.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';

const ASSETS: Readonly<Record<string, string>> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'index.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

const INITIALIZER = `window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: 'StandaloneLayout',
  });
};
`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Consentry API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
<link rel="stylesheet" href="/docs/index.css">
<link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/swagger-ui-standalone-preset.js"></script>
<script src="/docs/swagger-initializer.js"></script>
</body>
</html>
`;

export function mountDocsUi(app: FastifyInstance): void {
  const dir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  // Read lazily and kept: a few megabytes, only once someone opens the docs.
  const cache = new Map<string, Buffer>();
  const asset = (name: string): Buffer => {
    let b = cache.get(name);
    if (!b) cache.set(name, (b = readFileSync(join(dir, name))));
    return b;
  };
  const page = (_req: unknown, reply: import('fastify').FastifyReply) => reply.type('text/html; charset=utf-8').send(PAGE);
  app.get('/docs', { config: { auth: 'public' } }, page);
  app.get('/docs/', { config: { auth: 'public' } }, page);
  app.get('/docs/swagger-initializer.js', { config: { auth: 'public' } }, (_req, reply) => reply.type('text/javascript; charset=utf-8').send(INITIALIZER));
  for (const [name, type] of Object.entries(ASSETS)) {
    app.get(`/docs/${name}`, { config: { auth: 'public' } }, (_req, reply) => reply.type(type).header('cache-control', 'public, max-age=86400').send(asset(name)));
  }
}
