import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readRecords } from '../../src/ingest/record-reader.ts';
import { tmpDir } from '../helpers/tmp.ts';

const dir = tmpDir();

async function collect(file: string, format: 'csv' | 'jsonl'): Promise<{ line: number; fields: Record<string, unknown> }[]> {
  const out = [];
  for await (const r of readRecords(file, { format })) out.push(r);
  return out;
}

describe('record reader', () => {
  it('numbers lines exactly across quoted line breaks and blank lines', async () => {
    const f = join(dir, 'multi.csv');
    writeFileSync(f, 'a,b\n1,"two\nlines"\n\n3,x\n"4",",y"\n');
    const rows = await collect(f, 'csv');
    assert.deepEqual(rows.map((r) => [r.line, r.fields.a, r.fields.b]), [[2, '1', 'two\nlines'], [5, '3', 'x'], [6, '4', ',y']]);
  });

  it('streams a large file with back-pressure, in order, without losing a row', async () => {
    const f = join(dir, 'big.csv');
    const n = 120_000;
    const lines = ['id,name'];
    for (let i = 0; i < n; i++) lines.push(`${i},"person ${i}"`);
    writeFileSync(f, `${lines.join('\n')}\n`);
    let expected = 0;
    for await (const r of readRecords(f, { format: 'csv' })) {
      assert.equal(r.fields.id, String(expected));
      assert.equal(r.line, expected + 2);
      expected++;
      // A slow consumer now and then, so the parser must wait for it.
      if (expected % 20_000 === 0) await new Promise((res) => setTimeout(res, 5));
    }
    assert.equal(expected, n);
  });

  it('keeps a character whole when it straddles two read chunks', async () => {
    const f = join(dir, 'straddle.csv');
    const head = 'id,name\n';
    // Place the two bytes of "é" at bytes 65535 and 65536: the boundary of the first 64 KiB read.
    const fillerRow = (n: number): string => `0,${'x'.repeat(n)}\n`;
    const before = 65535 - head.length - '1,'.length;
    const rows = fillerRow(before - 3);
    writeFileSync(f, `${head}${rows}1,\u00e9l\u00e9onore\n`);
    const all = await collect(f, 'csv');
    assert.equal(Buffer.from(readFileSync(f)).indexOf(Buffer.from('\u00e9')), 65535);
    assert.equal(all[1]!.fields.name, '\u00e9l\u00e9onore');
  });

  it('names the line of a row with the wrong number of fields', async () => {
    const f = join(dir, 'short.csv');
    writeFileSync(f, 'a,b,c\n1,2,3\n4,5\n6,7,8\n');
    await assert.rejects(collect(f, 'csv'), /short\.csv:3: wrong number of fields/);
  });

  it('reads JSON Lines with blank lines and a last line without a newline', async () => {
    const f = join(dir, 'rows.jsonl');
    writeFileSync(f, '{"a":1}\n\n{"a":2}');
    assert.deepEqual((await collect(f, 'jsonl')).map((r) => [r.line, r.fields.a]), [[1, 1], [3, 2]]);
  });
});
