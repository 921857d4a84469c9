import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { buildKeyLookupWasm, renderKeyLookupModule } from '../../src/gateway/key-lookup-wasm-build.ts';
import { KEY_LOOKUP_WASM_BASE64 } from '../../src/gateway/key-lookup-wasm-bytes.ts';
import { WasmKeyLookup } from '../../src/gateway/key-lookup-wasm.ts';
import { buildKeyTable } from '../../src/gateway/key-table.ts';

const hex = (b: Uint8Array, i: number): string => Buffer.from(b.buffer, b.byteOffset + i * 32, 32).toString('hex');

/** The independent answer: a Map from each key's hex to its ordinal. */
function expected(keys: Uint8Array, probe: Uint8Array): Int32Array {
  const map = new Map<string, number>();
  for (let i = 0; i < keys.length / 32; i++) map.set(hex(keys, i), i);
  const out = new Int32Array(probe.length / 32);
  for (let j = 0; j < out.length; j++) out[j] = map.get(hex(probe, j)) ?? -1;
  return out;
}

/** `m` probes at an odd byte offset: known keys in a scrambled order, every fifth one unknown. */
function probes(keys: Uint8Array, m: number): Uint8Array {
  const n = keys.length / 32;
  const probe = new Uint8Array(1 + m * 32).subarray(1);
  for (let j = 0; j < m; j++) {
    if (j % 5 === 4 || n === 0) probe.set(randomBytes(32), j * 32);
    else {
      const o = (j * 7919 + 13) % n;
      probe.set(keys.subarray(o * 32, (o + 1) * 32), j * 32);
    }
  }
  return probe;
}

describe('key lookups in WebAssembly', () => {
  it('the committed module is exactly what key-lookup.wat compiles to', async () => {
    const built = await buildKeyLookupWasm();
    assert.equal(Buffer.from(built).toString('base64'), KEY_LOOKUP_WASM_BASE64);
    const committed = readFileSync(new URL('../../src/gateway/key-lookup-wasm-bytes.ts', import.meta.url), 'utf8');
    assert.equal(committed, renderKeyLookupModule(built));
  });

  it('agrees with a Map of every key, across table sizes, passes and calls', () => {
    // Passes of 70,001 keys cross the 65,536-key call boundary of the count and partition loops.
    for (const [n, m, chunk] of [
      [0, 10, 1 << 21],
      [1, 40, 7],
      [300, 1_000, 1 << 21],
      [5_000, 20_000, 333],
      [70_000, 150_000, 70_001],
    ] as const) {
      const keys = new Uint8Array(randomBytes(n * 32));
      const lookup = WasmKeyLookup.over(buildKeyTable(keys), { chunk });
      assert.ok(lookup, 'Node 20 runs WebAssembly SIMD');
      const probe = probes(keys, m);
      const out = new Int32Array(m).fill(-7);
      lookup.lookupParts([probe], out);
      assert.deepEqual(out, expected(keys, probe), `${n} keys, ${m} probes in passes of ${chunk}`);
    }
  });

  it('looks up keys given in parts, with passes that straddle the parts', () => {
    const n = 20_000;
    const keys = new Uint8Array(randomBytes(n * 32));
    const lookup = WasmKeyLookup.over(buildKeyTable(keys), { chunk: 1_000 })!;
    const probe = probes(keys, 9_001);
    const cuts = [0, 1, 333, 1_000, 1_000, 1_001, 4_567, 9_000, 9_001]; // one part empty
    const parts = cuts.slice(1).map((end, i) => probe.subarray(cuts[i]! * 32, end * 32));
    const out = new Int32Array(9_001);
    lookup.lookupParts(parts, out);
    assert.deepEqual(out, expected(keys, probe));
  });

  it('tells apart keys that share their first 8 or 31 bytes', () => {
    const n = 64;
    const keys = new Uint8Array(n * 32);
    const head = randomBytes(8);
    for (let i = 0; i < n; i++) {
      keys.set(head, i * 32);
      keys.set(randomBytes(24), i * 32 + 8);
    }
    // The same first 31 bytes as key 5, another last byte.
    const near = keys.slice(5 * 32, 6 * 32);
    near[31] ^= 1;
    const probe = new Uint8Array((n + 1) * 32);
    probe.set(keys);
    probe.set(near, n * 32);
    const out = new Int32Array(n + 1);
    WasmKeyLookup.over(buildKeyTable(keys))!.lookupParts([probe], out);
    assert.deepEqual([...out], [...Array.from({ length: n }, (_, i) => i), -1]);
  });

  it('grows its scratch for a larger batch after a smaller one, and repeats answer alike', () => {
    const n = 20_000;
    const keys = new Uint8Array(randomBytes(n * 32));
    const lookup = WasmKeyLookup.over(buildKeyTable(keys))!;
    for (const m of [100, 50_000, 3_000, 50_000]) {
      const probe = probes(keys, m);
      const out = new Int32Array(m);
      lookup.lookupParts([probe], out);
      assert.deepEqual(out, expected(keys, probe), `${m} probes`);
    }
  });

  it('helper threads alone answer as the calling thread does, unit for unit', async () => {
    // Passes of 70,001 keys: several count and partition blocks, lookup units that end inside a
    // group, and a last pass of a few keys.
    const n = 50_000;
    const keys = new Uint8Array(randomBytes(n * 32));
    const table = buildKeyTable(keys);
    const probe = probes(keys, 150_000);
    const want = expected(keys, probe);
    const helpersOnly = WasmKeyLookup.over(table, { chunk: 70_001, helpers: 2, onlyHelpers: true })!;
    await helpersOnly.ready;
    const out = new Int32Array(150_000).fill(-7);
    helpersOnly.lookupParts([probe], out);
    assert.deepEqual(out, want);
    // Per pass: 3 count + 3 partition + 5 lookup units (70,001 keys), twice, then 1 + 1 + 1 (9,998 keys).
    assert.equal(helpersOnly.helped, 2 * (3 + 3 + 5) + 3);

    const together = WasmKeyLookup.over(table, { chunk: 70_001, helpers: 1 })!;
    await together.ready;
    const mixed = new Int32Array(150_000).fill(-7);
    for (let r = 0; r < 3; r++) together.lookupParts([probe], mixed);
    assert.deepEqual(mixed, want);
    const alone = WasmKeyLookup.over(table, { chunk: 70_001, helpers: 0 })!;
    const single = new Int32Array(150_000).fill(-7);
    alone.lookupParts([probe], single);
    assert.deepEqual(single, want);
    assert.equal(alone.helped, 0);
  });

  it('a process whose lookups have idle helper threads still exits by itself', () => {
    const script = [
      `import { WasmKeyLookup } from ${JSON.stringify(new URL('../../src/gateway/key-lookup-wasm.ts', import.meta.url).href)};`,
      `import { buildKeyTable } from ${JSON.stringify(new URL('../../src/gateway/key-table.ts', import.meta.url).href)};`,
      'const keys = new Uint8Array(40_000 * 32).map((_, i) => (i * 2654435761) >>> 24);',
      'const l = WasmKeyLookup.over(buildKeyTable(keys), { helpers: 2 });',
      'await l.ready;',
      'const out = new Int32Array(40_000);',
      'l.lookupParts([keys], out);',
      "console.log('looked up', out[39_999]);",
    ].join('\n');
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.signal, null, `killed by ${r.signal}: the helpers kept the process alive`);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^looked up \d+$/m);
  });
});
