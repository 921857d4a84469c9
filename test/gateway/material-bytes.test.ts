import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { RowView } from '../../src/gateway/csv-scan.ts';
import { FALLBACK, MATERIAL_ROOM, NO_MATERIAL, materialInto } from '../../src/gateway/material-bytes.ts';
import { materialColumns, recordMaterial } from '../../src/gateway/record-material.ts';

const COLUMNS = ['name', 'email', 'postcode', 'dob', 'mother_dob'];

/** A row whose fields hold `values` as they stand (escaped = 1 where `escaped` says). */
function row(values: readonly string[], escaped: readonly boolean[]): RowView {
  const parts = values.map((v, k) => Buffer.from(escaped[k] ? v.replaceAll('"', '""') : v, 'utf8'));
  const buf = Buffer.concat(parts.flatMap((p) => [p, Buffer.from(',')]));
  const starts = new Int32Array(values.length);
  const ends = new Int32Array(values.length);
  let at = 0;
  parts.forEach((p, k) => {
    starts[k] = at;
    ends[k] = at + p.length;
    at += p.length + 1;
  });
  return { buf, starts, ends, escaped: Uint8Array.from(escaped, (e) => (e ? 1 : 0)) };
}

const text = (chars: string[], max: number) => fc.array(fc.constantFrom(...chars), { maxLength: max }).map((a) => a.join(''));
const space = ['', ' ', '  ', '\t', '\u000b', '\u00a0'];
const email = fc.oneof(
  { weight: 1, arbitrary: text(['a', 'B', 'z', '.', '@', ' ', '\t', '\u000b', '\u001f', '-', '_', '1', 'é', '\u00a0', '"'], 14) },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom(...space), fc.constantFrom('Jane', 'a.b', 'X'), fc.constantFrom('@', '@', '@@', ''), fc.constantFrom('example.org', 'Ex AMPLE.org', 'Host', 'a.', '.b'), fc.constantFrom(...space)).map((p) => p.join('')) },
);
const name = fc.oneof(
  { weight: 1, arbitrary: text(['a', 'Z', ' ', '.', ',', '\t', '-', "'", 'é', 'ß', 'İ', '\u000c', '"'], 14) },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom(...space), fc.constantFrom('Jane', 'O.Brien', 'SMITH,', '..'), fc.constantFrom(' ', '  ', '.', ', '), fc.constantFrom('Smith', 'von Trapp', '')).map((p) => p.join('')) },
);
const postcode = fc.oneof(
  { weight: 1, arbitrary: text(['A', 'b', '1', '9', ' ', '-', '_', 'z', '\t', 'ß'], 9) },
  { weight: 2, arbitrary: text(['A', 'B', 'z', '1', '2'], 9) },
  { weight: 3, arbitrary: fc.constantFrom('AB1CD', 'AB1CX2DE', 'ab1c 2de', 'LS6 2AB', 'ls62ab', 'SW1A 1AA', 'm1 1aa', 'EC1V9HX', 'W1 1AA', 'B33 8TH', 'CR2 6XH', 'DN55 1PT', 'AB1 2CD3', '1234-567', 'A1 1A', ' l s 6 2 a b ') },
);
const date = fc.oneof(
  { weight: 1, arbitrary: text(['1', '9', '0', '2', '-', '/', '.', ' ', 'x'], 12) },
  {
    weight: 3,
    arbitrary: fc
    .tuple(
      fc.constantFrom(...space),
      fc.constantFrom('1984', '2000', '1900', '1849', '1850', '2024', '0', '07', '29', '31', '1'),
      fc.constantFrom('-', '/', '.', ' '),
      fc.constantFrom('02', '2', '4', '13', '0', '12', '11'),
      fc.constantFrom('-', '/', '.'),
      fc.constantFrom('29', '30', '31', '1', '01', '2024', '1999', '1900', '2000', '00'),
      fc.constantFrom(...space),
    )
    .map((p) => p.join('')),
  },
);

describe('identifier material from bytes', () => {
  it('is what recordMaterial gives, or leaves the record to it', () => {
    const cols = materialColumns(COLUMNS, [], []);
    const out = new Uint8Array(MATERIAL_ROOM);
    let decided = 0;
    let keyed = 0;
    let runs = 0;
    fc.assert(
      fc.property(
        fc.tuple(name, fc.oneof(email, fc.constant('')), postcode, fc.oneof(date, fc.constant('')), date),
        fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
        (values, esc) => {
          runs++;
          // Doubled quotes only where a quote is (an unescaped field holds none).
          const escaped = values.map((v, k) => esc[k]! && v.includes('"'));
          const r = row(values, escaped);
          const expected = recordMaterial(r, cols).material;
          const n = materialInto(r, cols, out);
          if (n === FALLBACK) return;
          decided++;
          if (n === NO_MATERIAL) assert.equal(expected, null, JSON.stringify(values));
          else {
            keyed++;
            assert.equal(Buffer.from(out.subarray(0, n)).toString('latin1'), expected, JSON.stringify(values));
          }
        },
      ),
      { numRuns: 30_000, seed: 20260501 },
    );
    // The generators lean to odd values; still, many records must be decided here and keyed.
    assert.ok(decided > runs / 3 && keyed > runs / 10, `${decided} of ${runs} decided, ${keyed} keyed`);
  });

  it('reads the columns it is given, whatever the order, and an absent dob column as empty', () => {
    const out = new Uint8Array(MATERIAL_ROOM);
    const cols = materialColumns(['mother_dob', 'postcode', 'x', 'name'], [], []);
    const r = row(['05/03/1990', 'ls62ab', 'ignored', ' Jane  SMITH. '], [false, false, false, false]);
    const n = materialInto(r, cols, out);
    assert.equal(Buffer.from(out.subarray(0, n)).toString('latin1'), 'npd:jane smith|LS6 2AB|1990-03-05');
    assert.equal(recordMaterial(r, cols).material, 'npd:jane smith|LS6 2AB|1990-03-05');
    // Non-ASCII and escaped fields go to the string path.
    assert.equal(materialInto(row(['05/03/1990', 'ls62ab', '', 'Zoë'], [false, false, false, false]), cols, out), FALLBACK);
    assert.equal(materialInto(row(['05/03/1990', 'ls62ab', '', 'a "b"'], [false, false, false, true]), cols, out), FALLBACK);
    // A material longer than the scratch also goes there.
    assert.equal(materialInto(row(['05/03/1990', 'ls62ab', '', 'a'.repeat(2000)], [false, false, false, false]), cols, out), FALLBACK);
  });
});
