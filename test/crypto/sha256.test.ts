import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import {
  HmacSha256,
  hashLeaf,
  hashLeavesFixed,
  hashNode,
  hashNodePairs,
  nativeSha256Into,
  sha256,
  sha256Into,
  sha256Range,
} from '../../src/crypto/sha256.ts';

function nodeSha(data: Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}

test('nativeSha256Into writes the digest node:crypto gives, for text (as UTF-8) and bytes, where it is told', () => {
  const out = new Uint8Array(96).fill(7);
  const texts = ['', 'a', '\u0000{"kind":"consent"}', 'é😀 — 中文', 'x'.repeat(5000)];
  for (const t of texts) {
    nativeSha256Into(t, out, 32);
    assert.deepEqual(Buffer.from(out.subarray(32, 64)), createHash('sha256').update(t, 'utf8').digest(), JSON.stringify(t.slice(0, 20)));
    const bytes = randomBytes(t.length);
    nativeSha256Into(bytes, out, 64);
    assert.deepEqual(Buffer.from(out.subarray(64, 96)), nodeSha(bytes));
  }
  assert.ok(out.subarray(0, 32).every((b) => b === 7), 'nothing written before the offset');
});

test('sha256 matches node:crypto for every length 0..300', () => {
  for (let len = 0; len <= 300; len++) {
    const data = randomBytes(len);
    assert.deepEqual(Buffer.from(sha256(data)), nodeSha(data), `length ${len}`);
  }
});

test('sha256 matches node:crypto on large inputs and known vectors', () => {
  for (const len of [4095, 65536, 1_000_003]) {
    const data = randomBytes(len);
    assert.deepEqual(Buffer.from(sha256(data)), nodeSha(data), `length ${len}`);
  }
  // FIPS 180-2 appendix B vectors.
  assert.equal(
    Buffer.from(sha256(new TextEncoder().encode('abc'))).toString('hex'),
    'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
  );
  assert.equal(
    Buffer.from(sha256(new Uint8Array(0))).toString('hex'),
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  );
});

test('sha256Into and sha256Range write at offsets and leave the rest untouched', () => {
  const data = randomBytes(100);
  const out = new Uint8Array(80).fill(0xaa);
  sha256Into(data, out, 7);
  assert.deepEqual(Buffer.from(out.subarray(7, 39)), nodeSha(data));
  assert.ok(out.subarray(0, 7).every((b) => b === 0xaa));
  assert.ok(out.subarray(39).every((b) => b === 0xaa));
  sha256Range(data, 10, 55, out, 40);
  assert.deepEqual(Buffer.from(out.subarray(40, 72)), nodeSha(data.subarray(10, 65)));
});

test('HmacSha256 matches createHmac for keys of several lengths, incl. longer than a block', () => {
  for (const keyLen of [0, 1, 16, 32, 63, 64, 65, 100, 200]) {
    const key = randomBytes(keyLen);
    const mac = new HmacSha256(key);
    for (const msgLen of [0, 1, 31, 32, 55, 56, 64, 100, 129, 1000]) {
      const msg = randomBytes(msgLen);
      const expected = createHmac('sha256', key).update(msg).digest();
      assert.deepEqual(Buffer.from(mac.digest(msg)), expected, `key ${keyLen} msg ${msgLen}`);
    }
  }
});

test('HmacSha256.digestInto reads a slice and writes at an offset; RFC 4231 case 2', () => {
  const mac = new HmacSha256(new TextEncoder().encode('Jefe'));
  const msg = new TextEncoder().encode('xxwhat do ya want for nothing?yy');
  const out = new Uint8Array(40);
  mac.digestInto(msg, 2, msg.length - 4, out, 4);
  assert.equal(
    Buffer.from(out.subarray(4, 36)).toString('hex'),
    '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
  );
});

test('hashLeaf computes SHA-256(0x00 || data) at every length 0..300 and past the native threshold', () => {
  const data = randomBytes(6000);
  const out = new Uint8Array(33);
  for (const len of [...Array.from({ length: 301 }, (_, i) => i), 1022, 1023, 1024, 5000]) {
    hashLeaf(data, 7, len, out, 1);
    const expected = nodeSha(Buffer.concat([Buffer.from([0]), data.subarray(7, 7 + len)]));
    assert.deepEqual(Buffer.from(out.subarray(1)), expected, `length ${len}`);
  }
});

test('hashLeaf and hashLeavesFixed compute SHA-256(0x00 || leaf) for many leaf sizes', () => {
  for (const size of [0, 1, 31, 32, 33, 54, 55, 56, 63, 64, 117, 118, 119, 200]) {
    const count = 5;
    const data = randomBytes(size * count + 3);
    const out = new Uint8Array(32 * count + 1);
    hashLeavesFixed(data, 3, size, count, out, 1);
    for (let i = 0; i < count; i++) {
      const leaf = data.subarray(3 + i * size, 3 + (i + 1) * size);
      const expected = nodeSha(Buffer.concat([Buffer.from([0]), leaf]));
      assert.deepEqual(Buffer.from(out.subarray(1 + i * 32, 33 + i * 32)), expected, `size ${size} leaf ${i}`);
      const single = new Uint8Array(32);
      hashLeaf(data, 3 + i * size, size, single, 0);
      assert.deepEqual(Buffer.from(single), expected);
    }
  }
});

test('hashNodePairs computes SHA-256(0x01 || left || right), also in place', () => {
  const count = 300;
  const pairs = randomBytes(64 * count);
  const expected = Buffer.alloc(32 * count);
  for (let i = 0; i < count; i++) {
    nodeSha(Buffer.concat([Buffer.from([1]), pairs.subarray(i * 64, i * 64 + 64)])).copy(expected, i * 32);
  }
  const out = new Uint8Array(32 * count);
  hashNodePairs(pairs, 0, count, out, 0);
  assert.deepEqual(Buffer.from(out), expected);
  const inPlace = new Uint8Array(pairs);
  hashNodePairs(inPlace, 0, count, inPlace, 0);
  assert.deepEqual(Buffer.from(inPlace.subarray(0, 32 * count)), expected);
  const one = new Uint8Array(32);
  hashNode(pairs, 64, pairs, 96, one, 0);
  assert.deepEqual(Buffer.from(one), expected.subarray(32, 64));
});
