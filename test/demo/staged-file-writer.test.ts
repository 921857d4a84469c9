import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StagedFileWriter } from '../../src/demo/staged-file-writer.ts';

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'consentry-staged-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('StagedFileWriter', () => {
  it('writes under .partial, and the final name appears only on publish', async () => {
    const w = new StagedFileWriter(join(dir, 'a.csv'));
    const chunk = new Uint8Array(1 << 20).fill(65);
    let drained = 0;
    for (let i = 0; i < 24; i++) {
      w.write(chunk);
      w.write('é\n');
      if (w.needsDrain) {
        drained++;
        await w.drain();
      }
    }
    assert.ok(drained > 0, 'backpressure was never signalled');
    assert.deepEqual(await readdir(dir), ['a.csv.partial']);
    assert.equal(await w.close(), 24 * ((1 << 20) + 3));
    assert.deepEqual(await readdir(dir), ['a.csv.partial']);
    await w.publish();
    assert.deepEqual(await readdir(dir), ['a.csv']);
    const text = await readFile(join(dir, 'a.csv'), 'utf8');
    assert.equal(text.length, 24 * ((1 << 20) + 2));
    assert.ok(text.endsWith('Aé\n'));
  });

  it('does not wait for a drain that already happened while another writer was awaited', { timeout: 10_000 }, async () => {
    const a = new StagedFileWriter(join(dir, 'd1.csv'));
    const b = new StagedFileWriter(join(dir, 'd2.csv'));
    const chunk = new Uint8Array(1 << 23);
    a.write(chunk);
    b.write(chunk);
    assert.ok(a.needsDrain && b.needsDrain);
    await a.drain();
    // Give b time to drain (and emit 'drain') before anyone asks it.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await b.drain();
    assert.equal(b.needsDrain, false);
    await Promise.all([a.close(), b.close()]);
    await Promise.all([a.publish(), b.publish()]);
  });

  it('refuses to publish before close, and abort removes the partial file', async () => {
    const w = new StagedFileWriter(join(dir, 'b.csv'));
    w.write('x');
    await assert.rejects(w.publish(), /close .* before publishing/);
    await w.abort();
    assert.deepEqual((await readdir(dir)).filter((f) => f.startsWith('b.csv')), []);
  });

  it('reports a file-system error instead of hanging', async () => {
    const w = new StagedFileWriter(join(dir, 'missing-folder', 'c.csv'));
    w.write('x');
    await assert.rejects(w.close(), { code: 'ENOENT' });
    await w.abort();
  });
});
