/**
 * The built app served by the API server (src/api/web-app.ts): files as they are, index.html for
 * the app's own paths, the API's JSON 404 for everything under /v1 and for missing files, a strict
 * Content-Security-Policy, and a page saying how to build the app when it is not built.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CONTENT_SECURITY_POLICY } from '../../src/api/web-app.ts';
import { call, startFixture } from '../api/fixture.ts';
import { tmpDir } from '../helpers/tmp.ts';

const dist = tmpDir('consentry-dist-');
mkdirSync(join(dist, 'assets'));
const INDEX = '<!doctype html><html><head><script type="module" src="/assets/app-1a2b.js"></script></head><body><div id="root"></div></body></html>';
writeFileSync(join(dist, 'index.html'), INDEX);
writeFileSync(join(dist, 'assets', 'app-1a2b.js'), 'console.log(1);\n');

const f = await startFixture({ webRoot: dist });
const bare = await startFixture({ webRoot: false });

describe('serving the web app', () => {
  it('serves index.html at / and at every page path of the app, with a strict policy', async () => {
    for (const path of ['/', '/regulator', '/regulator/findings/f-1', '/portal', '/console?x=1']) {
      const r = await call(f, 'GET', path);
      assert.equal(r.status, 200, path);
      assert.equal(r.body, INDEX, path);
      assert.match(String(r.headers['content-type']), /^text\/html/);
      assert.equal(r.headers['content-security-policy'], CONTENT_SECURITY_POLICY);
      assert.equal(r.headers['cache-control'], 'no-cache');
    }
    assert.match(CONTENT_SECURITY_POLICY, /default-src 'self'/);
    assert.match(CONTENT_SECURITY_POLICY, /connect-src 'self'/);
  });

  it('serves built assets as they are, cached for good', async () => {
    const r = await call(f, 'GET', '/assets/app-1a2b.js');
    assert.equal(r.status, 200);
    assert.equal(r.body, 'console.log(1);\n');
    assert.match(String(r.headers['content-type']), /javascript/);
    assert.equal(r.headers['cache-control'], 'public, max-age=31536000, immutable');
  });

  it('never shadows the API: unknown API paths and missing files get the JSON 404', async () => {
    for (const path of ['/v1/nothing-here', '/v1', '/docs/nothing.css', '/assets/missing.js', '/favicon.ico', '/readyz/x']) {
      const r = await call(f, 'GET', path);
      assert.equal(r.status, 404, path);
      assert.equal(r.body.code, 'not-found', path);
    }
    assert.equal((await call(f, 'GET', '/healthz')).body.status, 'ok');
    assert.equal((await call(f, 'GET', '/openapi.json')).body.openapi, '3.1.0');
    assert.match(String((await call(f, 'GET', '/docs')).body), /swagger-ui-bundle\.js/);
    assert.equal((await call(f, 'GET', '/v1/organisations')).status, 401);
  });

  it('says how to build the app when there is none', async () => {
    const r = await call(bare, 'GET', '/');
    assert.equal(r.status, 200);
    assert.match(String(r.body), /npm run build/);
    assert.equal((await call(bare, 'GET', '/regulator')).status, 404);
  });
});
