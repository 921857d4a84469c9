import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { SUBJECT_KEY_BYTES, SubjectKeyIndex } from '../../src/policy/subject-key-index.ts';

describe('SubjectKeyIndex', () => {
  it('finds every key added, through growth, and -1 for absent keys', () => {
    const n = 5000;
    const keys = randomBytes(n * SUBJECT_KEY_BYTES);
    const index = new SubjectKeyIndex(16);
    for (let i = 0; i < n; i++) index.add(keys.subarray(i * 32, i * 32 + 32), i * 3);
    assert.equal(index.size, n);
    for (let i = 0; i < n; i += 7) assert.equal(index.get(keys.subarray(i * 32, i * 32 + 32)), i * 3);
    const out = new Int32Array(n);
    index.getMany(keys, out);
    assert.deepEqual(out, Int32Array.from({ length: n }, (_, i) => i * 3));
    const absent = randomBytes(64 * 32);
    const none = new Int32Array(64);
    index.getMany(absent, none);
    assert.ok(none.every((v) => v === -1));
  });

  it('adds a run of keys with consecutive ordinals as add does each, from unaligned input too, replacing ordinals', () => {
    const n = 3000;
    const raw = new Uint8Array(randomBytes(n * SUBJECT_KEY_BYTES + 1));
    const keys = raw.subarray(1); // unaligned
    const index = new SubjectKeyIndex(16);
    index.add(keys.subarray(5 * 32, 6 * 32), 99_999);
    index.addRun(keys.subarray(0, 2000 * 32), 10);
    index.addRun(keys.subarray(2000 * 32), 5000);
    assert.equal(index.size, n);
    const out = new Int32Array(n);
    index.getMany(keys, out);
    assert.deepEqual(Array.from(out), Array.from({ length: n }, (_, i) => (i < 2000 ? 10 + i : 5000 + i - 2000)));
    assert.throws(() => index.addRun(new Uint8Array(33), 0), /whole number/);
    assert.throws(() => index.addRun(new Uint8Array(32), -1), /bad subject ordinal/);
  });

  it('answers large batches (looked up regrouped) key by key as get does', () => {
    const n = 40_000;
    const keys = randomBytes(n * SUBJECT_KEY_BYTES);
    const index = new SubjectKeyIndex(n * 2);
    for (let i = 0; i < n; i++) index.add(keys.subarray(i * 32, i * 32 + 32), n - i);
    // Known keys in another order, repeated, between unknown ones; unaligned.
    const m = 90_000;
    const probe = Buffer.alloc(m * 32 + 1).subarray(1);
    for (let j = 0; j < m; j++) {
      if (j % 9 === 4) randomBytes(32).copy(probe, j * 32);
      else keys.copy(probe, j * 32, ((j * 104_729) % n) * 32, ((j * 104_729) % n) * 32 + 32);
    }
    const out = new Int32Array(m);
    index.getMany(probe, out);
    for (let j = 0; j < m; j++) assert.equal(out[j], j % 9 === 4 ? -1 : n - ((j * 104_729) % n), `probe ${j}`);
  });

  it('handles keys that share their hash bytes and unaligned inputs', () => {
    const index = new SubjectKeyIndex(16);
    const keys: Buffer[] = [];
    for (let i = 0; i < 40; i++) {
      const k = randomBytes(32);
      k.writeUInt32LE(0xdeadbeef, 0); // same probe start for all
      keys.push(k);
      index.add(k, i);
    }
    const packed = Buffer.alloc(40 * 32 + 1);
    keys.forEach((k, i) => k.copy(packed, 1 + i * 32));
    const unaligned = packed.subarray(1);
    assert.notEqual(unaligned.byteOffset % 4, 0);
    const out = new Int32Array(40);
    index.getMany(unaligned, out);
    assert.deepEqual(Array.from(out), keys.map((_, i) => i));
    assert.equal(index.get(unaligned.subarray(32 * 5, 32 * 6)), 5);
  });

  it('re-adding a key replaces its ordinal; bad input is refused', () => {
    const index = new SubjectKeyIndex();
    const k = randomBytes(32);
    index.add(k, 1);
    index.add(k, 9);
    assert.equal(index.size, 1);
    assert.equal(index.get(k), 9);
    assert.throws(() => index.add(randomBytes(31), 0), /32 bytes/);
    assert.throws(() => index.add(randomBytes(32), -1), /ordinal/);
    assert.throws(() => index.getMany(randomBytes(33), new Int32Array(1)), /32-byte/);
    assert.throws(() => index.getMany(randomBytes(64), new Int32Array(1)), /need 2/);
  });

  it('adds a key only when absent, answering the ordinal it already has, and keeps its size through a reserve', () => {
    const keys = randomBytes(3000 * SUBJECT_KEY_BYTES);
    const index = new SubjectKeyIndex(16);
    index.reserve(3000);
    for (let i = 0; i < 3000; i++) assert.equal(index.addIfAbsent(keys.subarray(i * 32, i * 32 + 32), i), -1);
    for (let i = 0; i < 3000; i += 11) assert.equal(index.addIfAbsent(keys.subarray(i * 32, i * 32 + 32), 99_999), i, 'the ordinal already held, not replaced');
    assert.equal(index.size, 3000);
    const out = new Int32Array(3000);
    index.getMany(keys, out);
    assert.deepEqual(out, Int32Array.from({ length: 3000 }, (_, i) => i));
    assert.throws(() => index.addIfAbsent(randomBytes(31), 1), /32 bytes/);
    // A reserve far beyond a table that holds keys rehashes them once, into the size asked for.
    const held = new SubjectKeyIndex(16);
    for (let i = 0; i < 7; i++) held.add(keys.subarray(i * 32, i * 32 + 32), 500 + i);
    held.reserve(100_000);
    const found = new Int32Array(8);
    held.getMany(keys.subarray(0, 8 * 32), found);
    assert.deepEqual([...found], [500, 501, 502, 503, 504, 505, 506, -1]);
    assert.equal(held.size, 7);
  });

  it('adds many keys at once as addIfAbsent does one by one: duplicates, picks, unaligned input, growth', () => {
    const known = Array.from({ length: 500 }, () => new Uint8Array(randomBytes(32)));
    const fresh = Array.from({ length: 3_000 }, () => new Uint8Array(randomBytes(32)));
    // A batch mixing keys already there, new ones, and new ones repeated later in the batch.
    const batch = Array.from({ length: 5_000 }, (_, k) => (k % 7 === 0 ? known[k % known.length]! : fresh[(k * 13) % fresh.length]!));
    const packed = new Uint8Array(1 + batch.length * 32).subarray(1); // unaligned
    batch.forEach((key, k) => packed.set(key, k * 32));
    const pick = Uint8Array.from(batch, (_, k) => (k % 11 === 5 ? 0 : 1));
    const next = 10_000;
    const many = new SubjectKeyIndex(16); // grows during the call
    const one = new SubjectKeyIndex(16);
    known.forEach((key, i) => {
      many.add(key, i);
      one.add(key, i);
    });
    const out = new Int32Array(batch.length).fill(-7);
    const added = many.addManyIfAbsent(packed, next, out, pick);
    let expectAdded = 0;
    const expected = batch.map((key, k) => {
      if (pick[k] === 0) return -1;
      const had = one.addIfAbsent(key, next + expectAdded);
      return had >= 0 ? had : next + expectAdded++;
    });
    assert.deepEqual([...out], expected);
    assert.equal(added, expectAdded);
    assert.equal(many.size, one.size);
    for (const key of [...known, ...fresh]) assert.equal(many.get(key), one.get(key));
    assert.throws(() => many.addManyIfAbsent(packed.subarray(0, 33), 0, out), /whole number/);
  });
});
