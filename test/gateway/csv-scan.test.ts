import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { stringify } from 'csv-stringify/sync';
import fc from 'fast-check';
import { fieldBlank, fieldText, scanCsv } from '../../src/gateway/csv-scan.ts';
import { CsvFileSink, csvField } from '../../src/gateway/csv-writer.ts';
import { readRecords } from '../../src/ingest/record-reader.ts';
import { tmpDir } from '../helpers/tmp.ts';

const dir = tmpDir();
let files = 0;

function fast(file: string): { columns: readonly string[]; rows: string[][]; blanks: boolean[][] } | null {
  let columns: readonly string[] = [];
  const rows: string[][] = [];
  const blanks: boolean[][] = [];
  const n = scanCsv(file, {
    header: (c) => ((columns = c), true),
    row: (r, i) => {
      assert.equal(i, rows.length);
      rows.push(columns.map((_, k) => fieldText(r, k)));
      blanks.push(columns.map((_, k) => fieldBlank(r, k)));
    },
  });
  if (n === null) return null;
  assert.equal(n, rows.length);
  return { columns, rows, blanks };
}

async function general(file: string): Promise<{ columns: string[]; rows: string[][] } | { error: string }> {
  const rows: string[][] = [];
  let columns: string[] = [];
  try {
    for await (const r of readRecords(file, { format: 'csv' })) {
      if (rows.length === 0) columns = Object.keys(r.fields);
      rows.push(Object.values(r.fields).map(String));
    }
  } catch (e) {
    return { error: (e as Error).message };
  }
  return { columns, rows };
}

function write(text: string): string {
  const f = join(dir, `f${files++}.csv`);
  writeFileSync(f, text);
  return f;
}

/** A CSV text for `table`, quoting where needed and sometimes where not. */
function csvText(table: string[][], quoteAll: boolean[], finalNewline: boolean): string {
  const lines = table.map((row, i) => row.map((v) => (quoteAll[i % quoteAll.length] || /[",\n\r]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v)).join(','));
  return lines.join('\n') + (finalNewline ? '\n' : '');
}

// No tab, semicolon or bar: the general reader guesses the delimiter, and could pick one of those.
const plainChar = fc.constantFrom('a', 'B', ' ', 'é', 'ß', '中', '😀', '"', ',', '-', '1', '\u00a0', '\u2003');
const anyChar = fc.constantFrom('a', ' ', ',', '"', '\n', '\r', ';', '|', 'é', '\t');

describe('fast CSV scan', () => {
  it('reads what the general reader reads, whenever it accepts a file', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 4 }).chain((cols) =>
          fc.tuple(
            fc.constant(cols),
            fc.array(fc.array(fc.string({ unit: anyChar, maxLength: 6 }), { minLength: cols, maxLength: cols }), { minLength: 1, maxLength: 8 }),
            fc.array(fc.boolean(), { minLength: 1, maxLength: 3 }),
            fc.boolean(),
          ),
        ),
        async ([cols, body, quoteAll, finalNewline]) => {
          const header = Array.from({ length: cols }, (_, k) => `c${k}`);
          const f = write(csvText([header, ...body], quoteAll, finalNewline));
          const a = fast(f);
          if (a === null) return;
          const b = await general(f);
          assert.ok(!('error' in b), `the general reader failed on a file the fast scan accepted: ${'error' in b ? b.error : ''}`);
          assert.deepEqual(a.columns, b.columns);
          assert.deepEqual(a.rows, b.rows);
          a.rows.forEach((row, i) => row.forEach((v, k) => assert.equal(a.blanks[i]![k], v.trim() === '')));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('accepts plain files: commas and quotes inside quoted fields, any UTF-8, blank lines', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.string({ unit: plainChar, maxLength: 8 }), fc.string({ unit: plainChar, maxLength: 8 }), fc.string({ unit: plainChar, maxLength: 3 })), { minLength: 1, maxLength: 12 }),
        fc.boolean(),
        async (body, finalNewline) => {
          const rows = body.map((r) => [...r]);
          const f = write(csvText([['name', 'email', 'x'], ...rows], [false], finalNewline));
          const a = fast(f);
          assert.ok(a, 'declined a plain file');
          const b = await general(f);
          assert.ok(!('error' in b));
          assert.deepEqual(a.rows, b.rows);
        },
      ),
      { numRuns: 100 },
    );
    const f = write('\uFEFF name ,email\nJo,"a,""b"""\n\nAl,\n');
    assert.deepEqual(fast(f)!.rows, [['Jo', 'a,"b"'], ['Al', '']]);
    assert.deepEqual(fast(f)!.columns, ['name', 'email']);
  });

  it('declines files it does not read exactly like the general reader', () => {
    for (const text of [
      'a,b\r\n1,2\r\n', // carriage returns
      'a,b\n"1\n2",3\n', // a quoted line break
      'a;b;c\n1;2;3\n4;5;6\n', // another delimiter
      'a,b\n1,2,3\n', // a row with more fields
      'a,b\n1\n', // a row with fewer
      'a,b\n1"x,2\n', // a stray quote
      'a,b\n"1"x,2\n', // text after a closing quote
      'a,a\n1,2\n', // duplicate names
      'a,b\n', // no records
      '\na,b\n1,2\n', // a blank line before the header
      'only\n1\n', // one column
    ]) {
      assert.equal(fast(write(text)), null, JSON.stringify(text));
    }
    const bad = join(dir, 'latin1.csv');
    writeFileSync(bad, Buffer.from([0x61, 0x2c, 0x62, 0x0a, 0xe9, 0x2c, 0x31, 0x0a]));
    assert.equal(fast(bad), null);
  });

  it('reads files larger than its buffer, with lines across its chunks', () => {
    const rows: string[][] = [];
    for (let i = 0; i < 200_000; i++) rows.push([`name ${i}`, i % 3 === 0 ? `"q, ${i}"` : `v${i}`, 'x'.repeat(i % 80)]);
    const text = `n,v,pad\n${rows.map((r) => r.join(',')).join('\n')}\n`;
    assert.ok(text.length > 9 << 20);
    const a = fast(write(text))!;
    assert.equal(a.rows.length, rows.length);
    assert.deepEqual(a.rows[199_999], ['name 199999', 'v199999', 'x'.repeat(199_999 % 80)]);
    assert.deepEqual(a.rows[3], ['name 3', 'q, 3', 'xxx']);
  });
});

describe('CSV writer', () => {
  it('writes the bytes csv-stringify writes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.string({ unit: anyChar, maxLength: 6 }), fc.string({ unit: plainChar, maxLength: 6 })), { maxLength: 10 }),
        (records) => {
          const path = join(dir, `w${files++}.csv`);
          const sink = new CsvFileSink(path, ['a', 'b,c']);
          for (const r of records) sink.row(r);
          sink.commit();
          const expected = stringify(records, { header: true, columns: ['a', 'b,c'] });
          assert.equal(readFileSync(path, 'utf8'), expected);
        },
      ),
      { numRuns: 100 },
    );
    assert.equal(csvField('a\rb'), 'a\rb');
  });

  it('copies scanned fields as bytes exactly as it would write their text', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.string({ unit: plainChar, maxLength: 6 }), fc.string({ unit: plainChar, maxLength: 6 })), { minLength: 1, maxLength: 10 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 3 }),
        async (records, quoteAll) => {
          const source = write(csvText([['a', 'b'], ...records.map((r) => [...r])], quoteAll, true));
          const path = join(dir, `raw${files++}.csv`);
          const sink = new CsvFileSink(path, ['b', 'a', 'x']);
          const n = scanCsv(source, {
            header: () => true,
            row: (r) => {
              sink.rawField(r, 1);
              sink.rawField(r, 0);
              sink.textField('p,q');
              sink.endRow();
            },
          });
          sink.commit();
          assert.equal(n, records.length);
          assert.equal(readFileSync(path, 'utf8'), stringify(records.map(([a, b]) => [b, a, 'p,q']), { header: true, columns: ['b', 'a', 'x'] }));
        },
      ),
      { numRuns: 100 },
    );
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
  });
});
