import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BlockRanges, BLOCK_EVENTS, compareUtf8, ConsentBlock, cutBlocks, encodeBlock } from '../../src/store/consent-blocks.ts';
import { columnCodes, eventIdColumn } from '../../src/store/consent-columns.ts';
import type { ConsentColumns } from '../../src/store/store.ts';

/** A batch of `people` subjects with `per` events each, ids as given. */
function batch(ids: string[], per: number): ConsentColumns {
  const n = ids.length;
  const strings = ['club', 'marketing', '', 'ConsentGiven', 'n1', 'web-form', 'expressed', 'signed form', 'ConsentWithdrawn'];
  const col = (f: (i: number) => number): Int32Array => Int32Array.from({ length: n }, (_, i) => f(i));
  return {
    count: n,
    strings,
    controller: col(() => 0),
    purposes: col(() => 1),
    recipients: col(() => 2),
    status: col((i) => (i % 3 === 2 ? 8 : 3)),
    notice: col((i) => (i % 5 === 0 ? -1 : 4)),
    method: col((i) => (i % 7 === 0 ? -1 : 5)),
    consentType: col(() => 6),
    evidence: col((i) => (i % 2 === 0 ? 7 : -1)),
    eventIds: eventIdColumn(ids),
    subject: Uint32Array.from({ length: n }, (_, i) => Math.floor(i / per)),
    subjectKeys: new Uint8Array(Math.ceil(n / per) * 32),
    at: Float64Array.from({ length: n }, (_, i) => 1.5e12 + i),
    expiresAt: Float64Array.from({ length: n }, (_, i) => (i % 4 === 0 ? 1.6e12 + i : Number.NaN)),
    leafHashes: new Uint8Array(n * 32),
  };
}

const codes = (c: ConsentColumns) => columnCodes(c, (_kind, value) => 100 + c.strings.indexOf(value));

describe('consent blocks', () => {
  it('compares strings as their UTF-8 bytes compare', () => {
    const words = ['', 'a', 'ab', 'b', 'z', '\u00e9', '\u07ff', '\u0800', '\ud7ff', '\ue000', '\uffef', '\uffff', '😀', '😀a', '𝄞', 'a😀', 'a\ue000', 'a\uffff', 'x\u0000'];
    for (const a of words) {
      for (const b of words) {
        assert.equal(Math.sign(compareUtf8(a, b)), Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b))), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
      }
    }
  });

  it('cuts at the first change of subject after 256 events, and wherever the controller changes', () => {
    const ids = Array.from({ length: 1000 }, (_, i) => `e${String(i).padStart(4, '0')}`);
    const c = batch(ids, 3);
    const ordinals = Int32Array.from({ length: 334 }, (_, i) => i);
    const cuts = cutBlocks(c, ordinals);
    assert.deepEqual(cuts.slice(0, 3), [[0, 258], [258, 516], [516, 774]]);
    assert.deepEqual(cuts[cuts.length - 1], [774, 1000]);
    const mixed = { ...c, controller: Int32Array.from({ length: 1000 }, (_, i) => (i < 10 ? 0 : 1)) };
    assert.deepEqual(cutBlocks(mixed, ordinals)[0], [0, 10]);
    assert.ok(cuts.every(([from, to], k) => k === cuts.length - 1 || to - from >= BLOCK_EVENTS));
  });

  it('reads back every column of every event as it was given, with ids beyond the Basic Multilingual Plane', () => {
    const ids = Array.from({ length: 300 }, (_, i) => (i === 7 ? 'e😀-7' : i === 9 ? 'e\ue000-9' : `e${String(i).padStart(3, '0')}`));
    const c = batch(ids, 2);
    const ordinals = Int32Array.from({ length: 150 }, (_, i) => 1000 + i);
    const b = encodeBlock(c, 0, 300, ordinals, codes(c))!;
    assert.equal(b.firstId, 'e000');
    assert.equal(b.lastId, 'e😀-7', 'the astral character sorts last in UTF-8');
    assert.deepEqual([b.minOrdinal, b.maxOrdinal, b.controller], [1000, 1149, 100]);
    // Stored bodies may come back at any offset: decode a copy that is not 8-byte aligned.
    const shifted = new Uint8Array(b.body.length + 3);
    shifted.set(b.body, 3);
    const block = new ConsentBlock(500, b.controller, shifted.subarray(3));
    assert.equal(block.count, 300);
    for (let i = 0; i < 300; i++) {
      const r = block.row(i, Buffer.alloc(0));
      assert.deepEqual(
        [r.seq, r.leaf, r.event_id, r.ordinal, r.purposes, r.recipients, r.status, r.notice, r.at, r.expires_at, r.method, r.consent_type, r.evidence],
        [500 + i, 500 + i, ids[i], 1000 + Math.floor(i / 2), 101, 102, i % 3 === 2 ? 108 : 103, i % 5 === 0 ? null : 104, 1.5e12 + i, i % 4 === 0 ? 1.6e12 + i : null, i % 7 === 0 ? null : 105, 106, i % 2 === 0 ? 'signed form' : null],
        `event ${i}`,
      );
      assert.deepEqual(block.fact(i), [r.ordinal, 100, r.purposes, r.recipients, r.status, r.notice, r.at, r.expires_at, r.method, r.consent_type]);
      assert.equal(block.indexOfId(ids[i]!), i);
    }
    assert.equal(block.indexOfId('e000x'), -1);
  });

  it('refuses a block that repeats an id, and accepts only ranges above every earlier block\'s', () => {
    const c = batch(['a1', 'a2', 'a1', 'a3'], 1);
    assert.equal(encodeBlock(c, 0, 4, Int32Array.of(0, 1, 2, 3), codes(c)), null);
    const at = (ids: string[], first: number) => {
      const x = batch(ids, 1);
      return encodeBlock(x, 0, ids.length, Int32Array.from(ids, (_, i) => first + i), codes(x))!;
    };
    const ranges = new BlockRanges();
    const one = at(['b1', 'b2'], 10);
    assert.ok(ranges.accepts(one));
    ranges.add(one);
    assert.equal(ranges.accepts(at(['b2', 'b3'], 20)), false, 'ids overlap');
    assert.equal(ranges.accepts(at(['c1', 'c2'], 11)), false, 'ordinals overlap');
    const copy = ranges.clone();
    copy.add(at(['c1', 'c2'], 20));
    assert.ok(ranges.accepts(at(['c1', 'c2'], 20)), 'a clone changes alone');
    assert.equal(copy.accepts(at(['c1', 'c2'], 30)), false);
  });

  it('tells different ids whose 32-bit hashes meet from a repeated id', () => {
    // Two ids with the same FNV-1a hash (the quick test encodeBlock makes first), found by search.
    const fnv = (s: string): number => {
      let h = 0x811c9dc5;
      for (const b of Buffer.from(s)) h = Math.imul(h ^ b, 0x01000193);
      return h >>> 0;
    };
    const seen = new Map<number, string>();
    let pair: [string, string] | null = null;
    for (let i = 0; pair === null; i++) {
      const id = `id-${i}`;
      const other = seen.get(fnv(id));
      if (other !== undefined) pair = [other, id];
      else seen.set(fnv(id), id);
    }
    const [x, y] = pair;
    const distinct = batch(['a0', x, 'a2', y], 1);
    const b = encodeBlock(distinct, 0, 4, Int32Array.of(0, 1, 2, 3), codes(distinct));
    assert.ok(b !== null, `${x} and ${y} differ`);
    const block = new ConsentBlock(0, b.controller, b.body);
    assert.deepEqual(Array.from({ length: 4 }, (_, i) => block.idAt(i)), ['a0', x, 'a2', y]);
    const repeated = batch(['a0', x, 'a2', x], 1);
    assert.equal(encodeBlock(repeated, 0, 4, Int32Array.of(0, 1, 2, 3), codes(repeated)), null);
  });
});
