import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { SubjectKeyer } from '../../src/domain/subject-key.ts';
import { chunkPlan, chunkStart, newChunkControl, type ChunkKeys } from '../../src/gateway/csv-chunks.ts';
import type { KeyWorkerMessage } from '../../src/gateway/csv-key-worker.ts';
import { buildKeyTable, lookupKeyParts, lookupKeys } from '../../src/gateway/key-table.ts';
import { csvLayout } from '../../src/gateway/csv-scan.ts';
import { startKeyWorker } from '../../src/gateway/key-worker-client.ts';
import { materialColumns } from '../../src/gateway/record-material.ts';
import { keyRecords } from '../../src/gateway/transfer-records.ts';
import { tmpDir } from '../helpers/tmp.ts';

const dir = tmpDir();
const secret = new Uint8Array(32).fill(9);
const keyer = new SubjectKeyer(secret);
const fields = ['name', 'postcode', 'child_dob'];

/** Records of every kind the keying meets: emails, paper forms, non-ASCII, quotes, unusable ones. */
function file(n: number): string {
  const lines = ['name,email,postcode,dob,child_dob'];
  for (let i = 0; i < n; i++) {
    const email = i % 3 === 0 ? '' : i % 29 === 0 ? 'not-an-email' : `Person.${i}@Example.org`;
    const name = i % 7 === 0 ? `"Zoë ""Z"" Ng ${i}"` : i % 11 === 0 ? '...' : `Sam  Lee ${i}`;
    const dob = i % 13 === 0 ? '31/02/1990' : `${(i % 28) + 1}/0${(i % 9) + 1}/1980`;
    lines.push(`${name},${email},ls6 ${i % 10}ab,${dob},${i % 4 === 0 ? '' : '2015-01-01'}`);
  }
  const path = join(dir, `records-${n}.csv`);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

describe('keying a CSV file in chunks on two threads', () => {
  const path = file(3000);

  it('cuts chunks at line starts that both threads compute alike', () => {
    const layout = csvLayout(path)!;
    const plan = chunkPlan(path, layout.dataStart, layout.size, layout.columns.length, 4096);
    assert.ok(plan.chunks > 10);
    let last = layout.dataStart;
    for (let j = 0; j <= plan.chunks; j++) {
      const at = chunkStart(plan, j);
      assert.ok(at >= last, `chunk ${j}`);
      last = at;
    }
    assert.equal(chunkStart(plan, 0), layout.dataStart);
    assert.equal(chunkStart(plan, plan.chunks), layout.size);
  });

  it('gives the keys, flags and offsets of one thread, whoever keys which chunk', async () => {
    const one = await keyRecords(path, 'csv', fields, keyer);
    assert.ok(one.unidentifiedCount > 0 && one.count === 3000);
    // Batched with the secret on this thread only; then with a worker taking chunks too, in small
    // chunks (the threads interleave), and with this thread busy at first (the worker takes all).
    assert.deepEqual(await keyRecords(path, 'csv', fields, keyer, undefined, { secret }), one);
    assert.deepEqual(await keyRecords(path, 'csv', fields, keyer, undefined, { secret, parallelFrom: 0, chunkBytes: 2048 }), one);
    assert.deepEqual(await keyRecords(path, 'csv', fields, keyer, undefined, { secret, parallelFrom: 0, chunkBytes: 8192, meanwhile: () => sleep(3000) }), one);
  });

  it('lets the worker alone key every chunk when this thread takes none, handing each over', async () => {
    const one = await keyRecords(path, 'csv', fields, keyer);
    const layout = csvLayout(path)!;
    const plan = chunkPlan(path, layout.dataStart, layout.size, layout.columns.length, 10_000);
    const material = materialColumns(layout.columns, ['child_dob'], []);
    const worker = startKeyWorker({ plan, control: newChunkControl(), material, secret });
    const chunks: ChunkKeys[] = [];
    await new Promise<void>((resolve, reject) => {
      worker.port.on('message', (m: KeyWorkerMessage) => {
        if (m.kind === 'chunk') chunks.push(m);
        else if (m.kind === 'end') resolve();
        else reject(new Error(m.kind));
      });
    });
    worker.stop();
    assert.equal(worker.failure(), null);
    assert.deepEqual(chunks.map((c) => c.id), Array.from({ length: plan.chunks }, (_, j) => j));
    const cat = <T extends Uint8Array | Float64Array>(pick: (c: ChunkKeys) => T, width: number): number[] => chunks.flatMap((c) => Array.from(pick(c).subarray(0, c.count * width)));
    assert.deepEqual(cat((c) => c.keys, 32), Array.from(one.keys));
    assert.deepEqual(cat((c) => c.flags, 1), Array.from(one.flags));
    assert.deepEqual(cat((c) => c.offsets, 1), Array.from(one.offsets!));
  });

  it('looks keys up as they are keyed when given a lookup', async () => {
    const one = await keyRecords(path, 'csv', fields, keyer);
    // A table of every other identified key.
    const known = new Uint8Array(one.count * 32);
    let n = 0;
    for (let i = 0; i < one.count; i += 2) if (!one.unidentified[i]) known.set(one.keys.subarray(i * 32, i * 32 + 32), n++ * 32);
    const table = buildKeyTable(known.subarray(0, n * 32));
    const expected = new Int32Array(one.count);
    lookupKeys(table, one.keys, expected);
    for (let i = 0; i < one.count; i++) if (one.unidentified[i]) expected[i] = -1;
    let told = false;
    const lookup = { find: (parts: readonly Uint8Array[], out: Int32Array) => lookupKeyParts(table, parts, out), expectLarge: () => void (told = true) };
    const looked = await keyRecords(path, 'csv', fields, keyer, undefined, { secret, parallelFrom: 0, chunkBytes: 4096, lookup: () => lookup });
    assert.deepEqual(looked.ordinals, expected);
    assert.ok(told, 'a file keyed with a worker is announced as a large batch');
    assert.ok(expected.some((o) => o >= 0) && expected.some((o) => o < 0));
    assert.deepEqual(looked.keys, one.keys);
  });

  it('declines a file with a line break inside a value on any chunk, on either thread', async () => {
    const broken = join(dir, 'broken.csv');
    const lines = ['name,email,postcode,dob,child_dob'];
    for (let i = 0; i < 2000; i++) lines.push(i === 1500 ? `"Sam\nLee",,LS6 2AB,1980-01-01,` : `Sam Lee,s${i}@example.org,LS6 2AB,1980-01-01,`);
    writeFileSync(broken, `${lines.join('\n')}\n`);
    const general = await keyRecords(broken, 'csv', fields, keyer);
    assert.equal(general.offsets, undefined, 'the general reader read it');
    const parallel = await keyRecords(broken, 'csv', fields, keyer, undefined, { secret, parallelFrom: 0, chunkBytes: 4096 });
    assert.equal(parallel.offsets, undefined);
    assert.deepEqual(parallel, general);
  });
});
