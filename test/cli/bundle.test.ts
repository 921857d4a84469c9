import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { BUNDLES, sourcesKey } from '../../bin/cli-bundle.js';
import { runCli } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'consentry-bundle-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('the CLI bundle', () => {
  it('is keyed by the sources: the key changes when a file is edited, added or touched', () => {
    const src = join(dir, 'src');
    mkdirSync(join(src, 'sub'), { recursive: true });
    writeFileSync(join(src, 'a.ts'), 'export const a = 1;\n');
    writeFileSync(join(src, 'sub', 'b.ts'), 'export const b = 2;\n');
    const first = sourcesKey(src);
    assert.equal(sourcesKey(src), first, 'the same sources, the same key');
    writeFileSync(join(src, 'sub', 'b.ts'), 'export const b = 22;\n');
    const edited = sourcesKey(src);
    assert.notEqual(edited, first);
    writeFileSync(join(src, 'c.ts'), '');
    const added = sourcesKey(src);
    assert.notEqual(added, edited);
    utimesSync(join(src, 'a.ts'), new Date(2000, 0, 1), new Date(2000, 0, 1));
    assert.notEqual(sourcesKey(src), added);
  });

  it('runs the reference case from the bundle with its worker threads, deciding as the sources do', async () => {
    const ok = async (args: string[], env: Record<string, string> = {}): Promise<string> => {
      const r = await runCli(args, { env });
      assert.ok([0, 3, 4].includes(r.code), `consentry ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
      return r.stdout;
    };
    // 100,000 registrants: the case files are written by workers, and the load builds its blocks
    // in workers; registrants.csv is over 4 MB, so the check keys it on a worker too.
    const files = join(dir, 'files');
    const db = join(dir, 'case', 'consentry.db');
    await ok(['demo', '--records', '100000', '--no-load', '--out', files, '--db', join(dir, 'unused.db')]);
    assert.ok(existsSync(join(BUNDLES, sourcesKey(), 'main.mjs')), 'the CLI built a bundle of the current sources');
    for (const worker of ['csv-key-worker', 'json-key-worker', 'case-worker', 'case-load-worker', 'load-tail-worker', 'key-lookup-helper']) {
      assert.ok(existsSync(join(BUNDLES, sourcesKey(), `${worker}.mjs`)), `${worker} is bundled beside the CLI`);
    }
    await ok(['demo', '--records', '100000', '--db', db]);
    const check = ['transfer', 'check', '--from', 'emmas-diary', '--to', 'experian-marketing', '--on-behalf-of', 'labour-party', '--purpose', 'political-campaign'];
    const t1 = [...check, '--fields', 'name,address,postcode,mother_dob,child_dob', '--channel', 'post', '--at', '2030-01-01T00:00:00Z', join(files, 'registrants.csv'), '--db', db, '--json'];
    const bundled = JSON.parse(await ok(t1)) as { requested: number; allowed: number; reasons: Record<string, number> };
    const sources = JSON.parse(await ok(t1, { CONSENTRY_NO_BUNDLE: '1' })) as typeof bundled;
    assert.equal(bundled.requested, 100_000);
    assert.ok(bundled.allowed > 0 && bundled.allowed < 100_000);
    assert.deepEqual(bundled, sources, 'the bundle and the sources give the same decision');
  });
});
