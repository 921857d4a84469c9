import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { keyOrder, keysInOrder } from '../../src/store/key-order.ts';

/** The reference: positions sorted by Buffer.compare, ties by position. */
function referenceOrder(keys: Uint8Array): number[] {
  const n = keys.length / 32;
  const at = (i: number) => Buffer.from(keys.buffer, keys.byteOffset + i * 32, 32);
  return Array.from({ length: n }, (_, i) => i).sort((a, b) => Buffer.compare(at(a), at(b)) || a - b);
}

describe('key order', () => {
  it('orders random keys as a bytewise comparison sort does', () => {
    const keys = new Uint8Array(randomBytes(200_000 * 32));
    assert.deepEqual(Array.from(keyOrder(keys)), referenceOrder(keys));
  });

  it('orders keys that share long prefixes, in small and in large buckets, keeping equal keys in input order', () => {
    const n = 3_000;
    const keys = new Uint8Array(n * 32);
    for (let i = 0; i < n; i++) {
      const k = keys.subarray(i * 32, (i + 1) * 32);
      // Most keys share their first 20 bytes (one bucket of thousands); some differ only in the last byte; some repeat.
      k.fill(i % 3 === 0 ? 7 : 9, 0, 20);
      k[20] = (i * 37) % 5;
      k[31] = i % 11 === 0 ? 0 : (i * 13) % 251;
      if (i % 97 === 0) k[0] = i % 2; // a few in buckets of their own
    }
    const order = keyOrder(keys);
    assert.deepEqual(Array.from(order), referenceOrder(keys));
  });

  it('orders random keys with copies of others\' first 4 to 23 bytes', () => {
    const keys: Buffer[] = Array.from({ length: 500 }, () => randomBytes(32));
    for (let i = 0; i < 40; i++) keys.push(Buffer.concat([keys[i]!.subarray(0, 4 + (i % 20)), randomBytes(28 - (i % 20))]));
    const all = new Uint8Array(Buffer.concat(keys));
    assert.deepEqual(Array.from(keyOrder(all)), referenceOrder(all));
  });

  it('packs the keys in that order, from aligned and unaligned input alike', () => {
    const raw = new Uint8Array(randomBytes(1_001 * 32 + 1));
    for (const keys of [raw.subarray(0, 1_001 * 32), raw.subarray(1)]) {
      const order = keyOrder(keys);
      const packed = keysInOrder(keys, order);
      const expected = Buffer.concat(referenceOrder(keys).map((i) => keys.subarray(i * 32, (i + 1) * 32)));
      assert.deepEqual(Buffer.from(packed), expected);
    }
  });

  it('orders nothing, and refuses input that is not whole keys', () => {
    assert.equal(keyOrder(new Uint8Array(0)).length, 0);
    assert.throws(() => keyOrder(new Uint8Array(33)), /whole number of 32-byte keys/);
  });
});
