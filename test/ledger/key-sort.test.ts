import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { sortKeys } from '../../src/ledger/subject-commitment.ts';

/** The reference: positions sorted by Buffer.compare, ties by position. */
function referenceOrder(keys: Uint8Array): number[] {
  const n = keys.length / 32;
  const at = (i: number) => Buffer.from(keys.buffer, keys.byteOffset + i * 32, 32);
  return Array.from({ length: n }, (_, i) => i).sort((a, b) => Buffer.compare(at(a), at(b)) || a - b);
}

/** sortKeys' answer held to the reference: the positions, and the keys packed in their order. */
function assertSorted(keys: Uint8Array): void {
  const sorted = sortKeys(keys);
  const expected = referenceOrder(keys);
  assert.deepEqual(Array.from(sorted.positions), expected);
  assert.deepEqual(Buffer.from(sorted.keys), Buffer.concat(expected.map((i) => keys.subarray(i * 32, (i + 1) * 32))));
}

describe('sorting keys', () => {
  it('sorts random keys as a bytewise comparison sort does, with their positions', () => {
    assertSorted(new Uint8Array(randomBytes(200_000 * 32)));
  });

  it('sorts keys that share long prefixes, in small and in large buckets, keeping equal keys in input order', () => {
    const n = 3_000;
    const keys = new Uint8Array(n * 32);
    for (let i = 0; i < n; i++) {
      const k = keys.subarray(i * 32, (i + 1) * 32);
      // Most keys share their first 20 bytes (one bucket of thousands: the comparison sort); some differ only in the last byte; some repeat.
      k.fill(i % 3 === 0 ? 7 : 9, 0, 20);
      k[20] = (i * 37) % 5;
      k[31] = i % 11 === 0 ? 0 : (i * 13) % 251;
      if (i % 97 === 0) k[0] = i % 2; // a few in buckets of their own
    }
    assertSorted(keys);
  });

  it('sorts small buckets whose keys differ late, and repeats, in input order', () => {
    // 40 keys a bucket (by the first byte), all with the same first four bytes: the full comparison of ties.
    const n = 2_000;
    const keys = new Uint8Array(n * 32);
    for (let i = 0; i < n; i++) {
      keys[i * 32] = i % 50;
      keys[i * 32 + 31] = (i * 7) % 13;
    }
    assertSorted(keys);
  });

  it('sorts random keys with copies of others\' first 4 to 23 bytes', () => {
    const keys: Buffer[] = Array.from({ length: 500 }, () => randomBytes(32));
    for (let i = 0; i < 40; i++) keys.push(Buffer.concat([keys[i]!.subarray(0, 4 + (i % 20)), randomBytes(28 - (i % 20))]));
    assertSorted(new Uint8Array(Buffer.concat(keys)));
  });

  it('sorts aligned and unaligned input alike', () => {
    const raw = new Uint8Array(randomBytes(1_001 * 32 + 1));
    assertSorted(raw.subarray(0, 1_001 * 32));
    assertSorted(raw.subarray(1));
  });

  it('sorts nothing, and refuses input that is not whole keys', () => {
    assert.equal(sortKeys(new Uint8Array(0)).positions.length, 0);
    assert.throws(() => sortKeys(new Uint8Array(33)), /33 bytes is not a multiple of 32/);
  });
});
