import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { SubjectKeyIndex } from '../../src/policy/subject-key-index.ts';
import { ordinalOrder, transferLinks } from '../../src/store/transfer-links.ts';

describe('transfer links', () => {
  it('orders positions by value as a stable comparison sort does', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 0x7fffffff }), { maxLength: 300 }), fc.array(fc.integer({ min: 0, max: 70_000 }), { maxLength: 300 }), (big, small) => {
        for (const values of [big, small, [...big, ...small, ...small]]) {
          const v = Int32Array.from(values);
          const expected = values.map((_, i) => i).sort((a, b) => v[a]! - v[b]! || a - b);
          assert.deepEqual([...ordinalOrder(v)], expected);
        }
      }),
    );
  });

  it('resolves known and new keys, numbers the new ones in key order, and lists links by ordinal', () => {
    const known = Array.from({ length: 50 }, () => new Uint8Array(randomBytes(32)));
    const index = new SubjectKeyIndex(256);
    known.forEach((k, i) => index.add(k, 49 - i)); // ordinals opposite to this order
    const fresh = Array.from({ length: 5 }, () => new Uint8Array(randomBytes(32)));
    const request = [...known.slice(10, 30), fresh[0]!, fresh[1]!, ...known.slice(40), fresh[2]!, fresh[0]!];
    const keys = new Uint8Array(request.length * 32);
    request.forEach((k, i) => keys.set(k, i * 32));
    const allowed = Uint8Array.from(request, (_, i) => (i % 3 === 0 ? 1 : 0));
    const byOrdinal = new Map<number, string>(Array.from({ length: 50 }, (_, o) => [o, `reason-${o}`]));
    const links = transferLinks(keys, allowed, { byOrdinal, unknown: 'not-known' }, index, 50);

    assert.equal(links.count, request.length);
    assert.equal(links.first, 50);
    assert.equal(links.added, 3, 'a key repeated in the request is new once');
    assert.deepEqual(Buffer.from(links.fresh), Buffer.concat([fresh[0]!, fresh[1]!, fresh[2]!]));
    assert.deepEqual([fresh[0], fresh[1], fresh[2]].map((k) => index.get(k!)), [50, 51, 52]);
    // Every request position appears once, ascending by ordinal, with its own flag and reason.
    const expected = request
      .map((k, i) => {
        const o = index.get(k);
        return { o, i, allowed: allowed[i]!, why: allowed[i] ? null : o >= 50 ? 'not-known' : `reason-${o}` };
      })
      .sort((a, b) => a.o - b.o || a.i - b.i);
    assert.deepEqual([...links.ordinals], expected.map((e) => e.o));
    assert.deepEqual([...links.allowed], expected.map((e) => e.allowed));
    assert.deepEqual(links.reasons, expected.map((e) => e.why));
  });

  it('refuses keys and flags that differ in number', () => {
    assert.throws(() => transferLinks(new Uint8Array(64), new Uint8Array(1), undefined, new SubjectKeyIndex(16), 0), /differ in number/);
  });
});
