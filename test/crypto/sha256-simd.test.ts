import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { buildSha256Wasm, renderBytesModule } from '../../src/crypto/sha256-wasm-build.ts';
import { SHA256_WASM_BASE64 } from '../../src/crypto/sha256-wasm-bytes.ts';
import { simdAvailable, simdLeaves32, simdNodePairs } from '../../src/crypto/sha256-simd.ts';
import { webAssembly } from '../../src/wasm-api.ts';
import { hashLeavesFixed, hashNodePairs } from '../../src/crypto/sha256.ts';
import { readFileSync } from 'node:fs';

function prefixed(prefix: number, data: Uint8Array): Buffer {
  return createHash('sha256').update(Buffer.from([prefix])).update(data).digest();
}

test('the committed WebAssembly bytes are exactly what the builder emits', () => {
  const built = buildSha256Wasm();
  assert.equal(Buffer.from(built).toString('base64'), SHA256_WASM_BASE64);
  const source = readFileSync(new URL('../../src/crypto/sha256-wasm-bytes.ts', import.meta.url), 'utf8');
  assert.equal(source, renderBytesModule(built));
  assert.ok(webAssembly.validate(built));
});

test('SIMD kernels are available on Node 20 and hash whole groups of four only', () => {
  assert.ok(simdAvailable);
  const keys = randomBytes(32 * 7);
  const out = new Uint8Array(32 * 7);
  assert.equal(simdLeaves32(keys, 0, 7, out, 0), 4);
  assert.equal(simdNodePairs(keys, 0, 3, out, 0), 0);
});

test('leaf and node batches agree with node:crypto across window boundaries and in place', () => {
  const count = 40_003; // more than one 1 MiB window of 32-byte keys, not a multiple of 4
  const keys = randomBytes(32 * count + 5);
  const out = new Uint8Array(32 * count + 3);
  hashLeavesFixed(keys, 5, 32, count, out, 3);
  for (let i = 0; i < count; i += i < 10 ? 1 : 997) {
    assert.deepEqual(Buffer.from(out.subarray(3 + 32 * i, 35 + 32 * i)), prefixed(0, keys.subarray(5 + 32 * i, 37 + 32 * i)), `leaf ${i}`);
  }
  for (const i of [count - 4, count - 3, count - 2, count - 1]) {
    assert.deepEqual(Buffer.from(out.subarray(3 + 32 * i, 35 + 32 * i)), prefixed(0, keys.subarray(5 + 32 * i, 37 + 32 * i)), `leaf ${i}`);
  }
  const pairs = Math.floor(count / 2);
  const level = new Uint8Array(keys.subarray(5, 5 + 64 * pairs));
  const expected = Array.from({ length: pairs }, (_, i) => prefixed(1, level.subarray(64 * i, 64 * i + 64)));
  hashNodePairs(level, 0, pairs, level, 0);
  for (let i = 0; i < pairs; i++) {
    assert.deepEqual(Buffer.from(level.subarray(32 * i, 32 * i + 32)), expected[i], `node ${i}`);
  }
});
