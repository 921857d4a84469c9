/** `npm start` builds the web app only when web/dist is missing or older than its sources (web/build.ts). */
import assert from 'node:assert/strict';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isStale } from '../../web/build.ts';
import { tmpDir } from '../helpers/tmp.ts';

function touch(path: string, seconds: number): void {
  writeFileSync(path, 'x');
  utimesSync(path, seconds, seconds);
}

describe('web build staleness', () => {
  it('is stale without a build, fresh after one, stale again when a source changes', () => {
    const web = tmpDir('consentry-webdir-');
    mkdirSync(join(web, 'app', 'pages'), { recursive: true });
    touch(join(web, 'index.html'), 1000);
    touch(join(web, 'vite.config.ts'), 1000);
    touch(join(web, 'app', 'pages', 'portal.tsx'), 1000);
    assert.equal(isStale(web), true);
    mkdirSync(join(web, 'dist'));
    touch(join(web, 'dist', 'index.html'), 2000);
    assert.equal(isStale(web), false);
    touch(join(web, 'app', 'pages', 'portal.tsx'), 3000);
    assert.equal(isStale(web), true);
    touch(join(web, 'dist', 'index.html'), 4000);
    assert.equal(isStale(web), false);
    touch(join(web, 'vite.config.ts'), 5000);
    assert.equal(isStale(web), true);
  });
});
