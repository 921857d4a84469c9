import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { Frontier } from '../../src/ledger/frontier.ts';
import { leafSubtrees, subtreeLevels } from '../../src/ledger/leaf-subtrees.ts';
import { rootOfLeafHashes } from '../../src/ledger/merkle.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const MIN = 4;

describe('leaf subtrees hashed ahead', () => {
  it('cover a run with the largest aligned perfect subtrees', () => {
    assert.deepEqual(subtreeLevels(5, 11), [0, 1, 3]);
    assert.deepEqual(subtreeLevels(0, 13), [3, 2, 0]);
    assert.deepEqual(subtreeLevels(1024, 1024), [10]);
    assert.deepEqual(subtreeLevels(7, 0), []);
  });

  it('join a frontier into the very tree, root and stored nodes that appending leaf by leaf gives', () => {
    for (const [before, count] of [[0, 1], [0, 7], [0, 16], [0, 1000], [1, 1], [3, 5], [5, 1000], [1023, 2], [1024, 4096], [777, 33_333]] as const) {
      const all = new Uint8Array(randomBytes((before + count) * 32));
      const leaf = (i: number): Uint8Array => all.subarray(i * 32, (i + 1) * 32);
      const reference = new Frontier();
      for (let i = 0; i < before; i++) reference.append(leaf(i));
      const joined = reference.clone();
      const expected = new Map<string, string>();
      for (let i = before; i < before + count; i++) reference.append(leaf(i), (l, index, h) => l >= MIN && expected.set(`${l}:${index}`, hex(h)));
      const s = leafSubtrees(before, all.subarray(before * 32), count, MIN);
      const got = new Map<string, string>();
      // Nodes made where a root meets the frontier are reported at every level, as append does;
      // the logs keep those from MIN up.
      joined.appendSubtrees(s, (l, index, h) => {
        if (l < MIN) return;
        assert.equal(got.has(`${l}:${index}`), false, `node ${l}:${index} reported twice`);
        got.set(`${l}:${index}`, hex(h));
      });
      const where = `${count} leaves after ${before}`;
      assert.equal(joined.size, before + count, where);
      assert.equal(hex(joined.toBytes()), hex(reference.toBytes()), where);
      assert.equal(hex(joined.root()), hex(rootOfLeafHashes(all, before + count)), where);
      assert.deepEqual([...got].sort(), [...expected].sort(), where);
      // Each node the subtrees hold is the root of its own leaves, by the bottom-up reference.
      for (let i = 0; i < s.nodeLevels.length; i++) {
        const width = 2 ** s.nodeLevels[i]!;
        assert.equal(hex(s.nodeHashes.subarray(i * 32, (i + 1) * 32)), hex(rootOfLeafHashes(all, width, s.nodeIndexes[i]! * width * 32)), where);
      }
    }
  });

  it('are refused by a frontier they do not follow on from', () => {
    const hashes = new Uint8Array(randomBytes(8 * 32));
    const f = new Frontier();
    f.append(hashes.subarray(0, 32));
    assert.throws(() => f.appendSubtrees(leafSubtrees(0, hashes, 8, MIN)), /do not follow a frontier of size 1/);
    assert.equal(f.size, 1);
  });
});
