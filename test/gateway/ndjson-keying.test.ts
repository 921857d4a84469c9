import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ApiError } from '../../src/api/api-error.ts';
import { keyNdjsonRecords, keyRawNdjsonRecords } from '../../src/api/key-ndjson-records.ts';
import { NdjsonBody } from '../../src/api/ndjson.ts';
import { SubjectKeyer } from '../../src/domain/subject-key.ts';
import { JsonLineScanner } from '../../src/gateway/json-line-scan.ts';
import { JsonKeyPool } from '../../src/gateway/json-key-pool.ts';
import { secretHasher } from '../../src/gateway/key-hasher.ts';
import { SubjectKeyIndex } from '../../src/policy/subject-key-index.ts';

const secret = new Uint8Array(32).fill(3);
const keyer = new SubjectKeyer(secret);
const fields = ['name', 'postcode', 'child_dob', 'health'];

function body(chunks: readonly Buffer[]): NdjsonBody {
  return new NdjsonBody(Readable.from(chunks), 1 << 24);
}

/** The text cut into chunks at the given byte positions (so lines and characters are split). */
function chunked(text: string, cuts: readonly number[]): Buffer[] {
  const b = Buffer.from(text, 'utf8');
  const at = [...new Set(cuts.map((c) => c % (b.length + 1)))].sort((x, y) => x - y);
  const out: Buffer[] = [];
  let from = 0;
  for (const c of at) {
    out.push(b.subarray(from, c));
    from = c;
  }
  out.push(b.subarray(from));
  return out;
}

type Outcome = { ok: unknown } | { error: { status: number; code: string; where: string | undefined } };

async function outcome(run: () => Promise<unknown>): Promise<Outcome> {
  try {
    return { ok: await run() };
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    return { error: { status: e.status, code: e.code, where: e.details[0]?.where } };
  }
}

const text = (chars: string[], max: number) => fc.array(fc.constantFrom(...chars), { maxLength: max }).map((a) => a.join(''));
const value = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('Jane Smith', ' jane  SMITH. ', 'ls6 2ab', 'LS62AB', '1984-02-29', '31/04/1990', '05/03/1990', 'jane@example.org', ' J@X.ORG ', '', ' ', 'Zoë', 'a"b', 'back\\slash', 'tab\there', 'é@example.org') },
  { weight: 3, arbitrary: text(['a', 'Z', ' ', '.', '@', '1', '-', '/', '"', '\\', '\n', '\t', 'é', '\u2028'], 10) },
  { weight: 1, arbitrary: fc.constantFrom(null, 0, 12.5, -1e3, true, false, { a: 1 }, [1, 'x']) },
);
const key = fc.constantFrom('email', 'name', 'postcode', 'dob', 'mother_dob', 'child_dob', 'health', 'address', 'x', 'em\\u0061il', '__proto__');
const spacing = fc.constantFrom('', ' ', '\t', '  ', '\r');

/** One line: a record written by hand (so keys may repeat and white space vary), or something else. */
const line = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.tuple(fc.array(fc.tuple(key, value, spacing), { maxLength: 7 }), spacing).map(([pairs, sp]) => {
      const inner = pairs.map(([k, v, s]) => `${s}"${k}"${s}:${s}${JSON.stringify(v)}${s}`).join(',');
      return `${sp}{${inner}}${sp}`;
    }),
  },
  { weight: 1, arbitrary: fc.constantFrom('', '   ', '\u00a0', '\f', '\r') },
);
const bad = fc.constantFrom('{"name":', '[1,2]', '"text"', 'null', '{"name":"a",}', '{"name":01}', '{"name":"\\x"}', '{"a":1} x', '{"name":"a"}\u00a0', '\ufeff{}');

const first = JSON.stringify({ name: 'First Person', postcode: 'LS6 2AB', dob: '1980-01-01', child_dob: '', health: null, email: '' });

describe('NDJSON records read as bytes', () => {
  it('give the keys, flags and errors of the parsed path', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(line, { maxLength: 40 }), fc.option(fc.tuple(bad, fc.nat()), { freq: 4 }), fc.array(fc.nat(), { maxLength: 6 }), fc.boolean(), async (lines, broken, cuts, crlf) => {
        const all = [first, ...lines];
        if (broken) all.splice(1 + (broken[1] % all.length), 0, broken[0]);
        const textBody = all.join(crlf ? '\r\n' : '\n') + (cuts.length % 2 ? '\n' : '');
        const chunks = chunked(textBody, cuts);
        const parsed = await outcome(() => keyNdjsonRecords(body(chunks).batches(), fields, keyer));
        const raw = await outcome(() => keyRawNdjsonRecords(body(chunks).rawLines(), fields, secretHasher(secret)));
        assert.deepEqual(raw, parsed);
      }),
      { numRuns: 400, seed: 17 },
    );
  });

  it('gives the same with batches keyed on a worker thread, odd lines and all', async () => {
    const pool = JsonKeyPool.for(secret);
    for (let waited = 0; !pool.available && waited < 20_000; waited += 50) await sleep(50);
    assert.ok(pool.available, 'the worker started');
    const lines = [''];
    for (let i = 0; i < 40_000; i++) {
      const r = { name: `Person ${i}`, email: i % 3 ? `p.${i}@example.org` : '', postcode: 'ls6 2ab', dob: `${(i % 28) + 1}/02/1990`, child_dob: i % 4 ? '2015-01-01' : null, health: i % 5 ? null : 'x', address: `${i} "High" St` };
      lines.push(i % 997 === 5 ? `{"name":"Zoë ${i}","postcode":"LS6 2AB","dob":"1990-01-01"}` : i % 1499 === 7 ? '  ' : i % 1999 === 9 ? JSON.stringify(r, null, 1).replaceAll('\n', ' ') : JSON.stringify(r));
    }
    const chunks = chunked(lines.join('\n'), [1, 70_000, 2_500_000]);
    const parsed = await keyNdjsonRecords(body(chunks).batches(), fields, keyer);
    const raw = await keyRawNdjsonRecords(body(chunks).rawLines({ digest: false }), fields, secretHasher(secret), { pool: () => pool, sizeHint: 6_000_000 });
    assert.deepEqual(raw, parsed);
    // An error on a line keyed by the worker is still reported at its line.
    const bad = [...lines];
    bad[30_001] = '{"name":';
    await assert.rejects(keyRawNdjsonRecords(body(chunked(bad.join('\n'), [1_000_000, 2_000_000])).rawLines(), fields, secretHasher(secret), { pool: () => pool }), (e: ApiError) => e.details[0]!.where === 'body:30002');
  });

  it('looks keys up in stretches as records come in, as one lookup at the end would', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 150_000; i++) lines.push(JSON.stringify(i % 50 === 7 ? { name: 'x', email: 'not-an-email' } : { name: 'p', postcode: 'LS6 2AB', email: `p${i}@example.org`, health: null, child_dob: '' }));
    const chunks = chunked(lines.join('\n'), []);
    const plain = await keyRawNdjsonRecords(body(chunks).rawLines(), fields, secretHasher(secret));
    // An index of every third identified key.
    const index = new SubjectKeyIndex(1 << 18);
    for (let i = 0; i < plain.count; i += 3) if (!plain.unidentified[i]) index.add(plain.keys.subarray(i * 32, i * 32 + 32), i);
    const expected = new Int32Array(plain.count);
    index.getMany(plain.keys, expected);
    for (let i = 0; i < plain.count; i++) if (plain.unidentified[i]) expected[i] = -1;
    let calls = 0;
    const lookup = async (keys: Uint8Array): Promise<Int32Array> => {
      calls++;
      const out = new Int32Array(keys.length / 32);
      index.getMany(keys, out);
      return out;
    };
    const looked = await keyRawNdjsonRecords(body(chunks).rawLines(), fields, secretHasher(secret), { lookup });
    assert.deepEqual(looked.ordinals, expected);
    assert.ok(calls >= 3, `${calls} lookups`);
    assert.ok(expected.some((o) => o >= 0) && expected.some((o, i) => o < 0 && !plain.unidentified[i]));
  });

  it('reads plain records as bytes, and leaves other lines to JSON.parse', () => {
    const scanner = new JsonLineScanner(['email', 'name']);
    const read = (s: string): boolean => {
      const b = Buffer.from(s);
      return scanner.scan(b, 0, b.length);
    };
    assert.equal(read('{"name":"Jane","email":null,"n":-1.5e3,"t":true,"s":"a\\"b"}'), true);
    assert.equal(scanner.view.buf.toString('latin1', scanner.view.starts[1], scanner.view.ends[1]), 'Jane');
    assert.equal(scanner.view.ends[0]! - scanner.view.starts[0]!, 0);
    for (const s of ['{"name":"J\\u0061ne"}', '{"name":1}', '{"name":"Zoë"}', '{"x":{"a":1}}', '{"x":[1]}', '{"x":01}', '{"x":1.}', '{"x":"\t"}', '{"x":1,}', '[{}]', '{} {}', '{"na\\u006de":"x"}']) {
      assert.equal(read(s), false, s);
    }
  });

  it('hashes the body only when asked to', async () => {
    const hashed = body([Buffer.from('{"a":1}\n')]);
    for await (const _ of hashed.rawLines());
    assert.match(hashed.digest(), /^[0-9a-f]{64}$/);
    const unhashed = body([Buffer.from('{"a":1}\n')]);
    for await (const _ of unhashed.rawLines({ digest: false }));
    assert.throws(() => unhashed.digest(), /without its digest/);
  });
});
