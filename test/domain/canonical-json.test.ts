import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CanonicalJsonError, canonicalJson } from '../../src/domain/canonical-json.ts';
import { leafData } from '../../src/ledger/ledger-entry.ts';

test('keys sorted recursively, no spaces, binary as lowercase hex', () => {
  const value = { b: 1, a: { d: [3, { z: true, y: null }], c: 'x' }, bin: new Uint8Array([0, 171, 255]), skip: undefined };
  assert.equal(canonicalJson(value), '{"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1,"bin":"00abff"}');
  assert.equal(canonicalJson({ 'é': 1, e: 2, E: 3 }), '{"E":3,"e":2,"é":1}');
  assert.equal(canonicalJson('line\n"q"'), '"line\\n\\"q\\""');
  assert.equal(canonicalJson([1.5, -0, 1e21]), '[1.5,0,1e+21]');
});

test('values without one JSON form are refused with their path', () => {
  assert.throws(() => canonicalJson({ a: [1, Number.NaN] }), (e: unknown) => e instanceof CanonicalJsonError && e.path === '$.a[1]');
  assert.throws(() => canonicalJson({ d: new Date(0) }), /Date is not plain data/);
  assert.throws(() => canonicalJson({ n: 1n }), /bigint/);
  assert.throws(() => canonicalJson([undefined]), /undefined in an array/);
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.throws(() => canonicalJson(cyclic), /deeper than/);
});

test('leaf data is the UTF-8 canonical JSON of a checked entry', () => {
  assert.equal(new TextDecoder().decode(leafData({ kind: 'consent', at: 5, who: 'ü' })), '{"at":5,"kind":"consent","who":"ü"}');
  assert.throws(() => leafData({ kind: '', at: 1 }), /kind/);
  assert.throws(() => leafData({ kind: 'x', at: 1.5 }), /epoch ms/);
});
