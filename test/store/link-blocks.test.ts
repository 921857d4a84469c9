import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { eachAllowed, eachLink, LINK_BUCKET, linkAt, linkBlocks } from '../../src/store/link-blocks.ts';

describe('transfer link blocks', () => {
  it('gives back every link, and only those, by ordinal and in order, for any set of ordinals', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 5000 }), { maxLength: 400 }), fc.array(fc.boolean(), { minLength: 400, maxLength: 400 }), (raw, flags) => {
        const ordinals = Int32Array.from(raw.sort((a, b) => a - b));
        const allowed = Uint8Array.from(ordinals, (_, k) => (flags[k] ? 1 : 0));
        const reasons = Array.from(ordinals, (o, k) => (flags[k] ? null : o % 3 === 0 ? 'no-consent' : `r${o % 5}`));
        const codes: string[] = [];
        const blocks = linkBlocks(ordinals, allowed, reasons, (why) => codes.push(why) - 1);
        assert.equal(new Set(codes).size, codes.length, 'each reason coded once');
        const expected = new Map<number, { allowed: boolean; reasons: string | null }>();
        ordinals.forEach((o, k) => expected.set(o, { allowed: allowed[k] === 1, reasons: reasons[k]! }));
        const seen: number[] = [];
        const went: number[] = [];
        for (const b of blocks) {
          eachAllowed(b.bucket, b.body, (o) => went.push(o));
          eachLink(b.bucket, b.body, (o, a, r) => {
            seen.push(o);
            assert.deepEqual({ allowed: a, reasons: r === null ? null : codes[r]! }, expected.get(o));
          });
          for (let o = b.bucket * LINK_BUCKET; o < (b.bucket + 1) * LINK_BUCKET; o++) {
            const link = linkAt(b.body, o);
            const want = expected.get(o);
            assert.deepEqual(link === null ? null : { allowed: link.allowed, reasons: link.reasons === null ? null : codes[link.reasons]! }, want ?? null, `ordinal ${o}`);
          }
        }
        assert.deepEqual(seen, [...ordinals]);
        assert.deepEqual(went, [...ordinals].filter((_, k) => allowed[k] === 1), 'the ordinals whose records went, in order');
        assert.equal(new Set(blocks.map((b) => b.bucket)).size, blocks.length, 'one block per bucket');
      }),
    );
  });

  it('refuses links that are not in strictly ascending ordinal order', () => {
    assert.throws(() => linkBlocks(Int32Array.of(3, 3), new Uint8Array(2), [null, null], () => 0), /strictly ascending/);
    assert.throws(() => linkBlocks(Int32Array.of(9, 2), new Uint8Array(2), [null, null], () => 0), /strictly ascending/);
  });

});
