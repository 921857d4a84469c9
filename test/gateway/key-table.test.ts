import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { buildKeyTable, lookupKeys, validKeyTable } from '../../src/gateway/key-table.ts';
import { SubjectKeyIndex } from '../../src/policy/subject-key-index.ts';

describe('key table', () => {
  it('finds every key at its ordinal and answers -1 for others, like the key index', () => {
    for (const n of [0, 1, 5, 300, 20_000]) {
      const keys = new Uint8Array(randomBytes(n * 32));
      const t = buildKeyTable(keys);
      assert.ok(validKeyTable(t));
      const index = new SubjectKeyIndex(Math.max(16, n * 2));
      for (let i = 0; i < n; i++) index.add(keys.subarray(i * 32, (i + 1) * 32), i);
      // The known keys shuffled among unknown ones, at an unaligned offset.
      const probe = new Uint8Array(1 + (2 * n + 3) * 32).subarray(1);
      const order = Array.from({ length: n }, (_, i) => i).sort(() => Math.random() - 0.5);
      order.forEach((o, j) => probe.set(keys.subarray(o * 32, (o + 1) * 32), 2 * j * 32));
      for (let j = 0; j < n + 3; j++) probe.set(randomBytes(32), (2 * j + 1 < 2 * n + 3 ? 2 * j + 1 : 2 * n + 2) * 32);
      const out = new Int32Array(2 * n + 3);
      lookupKeys(t, probe, out);
      const expected = new Int32Array(2 * n + 3);
      index.getMany(probe, expected);
      assert.deepEqual(out, expected);
      order.forEach((o, j) => assert.equal(out[2 * j], o));
    }
  });

  it('answers a large batch (looked up regrouped) as the key index does, repeats and unknown keys included', () => {
    const n = 70_000; // enough keys for a table of 2^14 buckets
    const keys = new Uint8Array(randomBytes(n * 32));
    const t = buildKeyTable(keys);
    assert.ok(t.bits >= 14);
    const index = new SubjectKeyIndex(n * 2);
    for (let i = 0; i < n; i++) index.add(keys.subarray(i * 32, (i + 1) * 32), i);
    const m = 100_000;
    const probe = new Uint8Array(1 + m * 32).subarray(1);
    for (let j = 0; j < m; j++) {
      if (j % 10 === 9) probe.set(randomBytes(32), j * 32);
      else {
        const o = (j * 7919) % n;
        probe.set(keys.subarray(o * 32, (o + 1) * 32), j * 32);
      }
    }
    const out = new Int32Array(m);
    lookupKeys(t, probe, out);
    const expected = new Int32Array(m);
    index.getMany(probe, expected);
    assert.deepEqual(out, expected);
    for (let j = 0; j < m; j++) assert.equal(out[j], j % 10 === 9 ? -1 : (j * 7919) % n, `probe ${j}`);
  });

  it('finds keys that share their bucket', () => {
    const keys = new Uint8Array(64 * 32);
    for (let i = 0; i < 64; i++) keys.set(randomBytes(29), i * 32 + 3); // same first three bytes
    const out = new Int32Array(64);
    lookupKeys(buildKeyTable(keys), keys, out);
    assert.deepEqual([...out], Array.from({ length: 64 }, (_, i) => i));
  });

  it('rejects a damaged directory', () => {
    const t = buildKeyTable(new Uint8Array(randomBytes(100 * 32)));
    const dir = t.dir.slice();
    dir[dir.length - 1] = 101;
    assert.equal(validKeyTable({ ...t, dir }), false);
    const dir2 = t.dir.slice();
    dir2[5] = 99;
    dir2[6] = 1;
    assert.equal(validKeyTable({ ...t, dir: dir2 }), false);
  });
});
