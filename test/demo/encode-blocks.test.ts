import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { caseBlocks, encodeBlock } from '../../src/demo/case-block.ts';
import type { CaseBlock } from '../../src/demo/case-block.ts';
import { encodeBlocksInWorkers, encodeBlocksInline } from '../../src/demo/encode-blocks.ts';
import { MAX_RECORDS } from '../../src/demo/registrants.ts';

describe('case blocks', () => {
  it('cover 1..records exactly once', () => {
    const blocks = caseBlocks(1, 10_001, 1000, false);
    assert.equal(blocks.length, 11);
    assert.deepEqual(blocks.at(-1), { seed: 1, first: 10_001, count: 1, jsonl: false });
    assert.equal(blocks.reduce((s, b) => s + b.count, 0), 10_001);
    assert.deepEqual(caseBlocks(1, 0, 1000, false), []);
    assert.throws(() => caseBlocks(1, 10, 0, false), RangeError);
  });

  it('are encoded identically on worker threads, in order', async () => {
    const blocks = caseBlocks(8, 2500, 400, true);
    const inline = [...encodeBlocksInline(blocks)];
    const pooled = [];
    for await (const b of encodeBlocksInWorkers(blocks, 2)) pooled.push(b);
    assert.equal(pooled.length, blocks.length);
    pooled.forEach((b, i) => {
      const a = inline[i]!;
      assert.ok(Buffer.from(b.registrantsCsv).equals(Buffer.from(a.registrantsCsv)), `block ${i} registrants`);
      assert.ok(Buffer.from(b.eventsCsv).equals(Buffer.from(a.eventsCsv)), `block ${i} events`);
      assert.ok(Buffer.from(b.eventsJsonl).equals(Buffer.from(a.eventsJsonl)), `block ${i} jsonl`);
      assert.deepEqual(b.counts, a.counts);
    });
    assert.equal(encodeBlock({ seed: 8, first: 1, count: 10, jsonl: false }).eventsJsonl.length, 0);
  });

  it('surface a failure inside a worker as a rejection naming the block', async () => {
    const bad: CaseBlock[] = [
      { seed: 8, first: 1, count: 5, jsonl: false },
      { seed: 8, first: MAX_RECORDS, count: 5, jsonl: false },
    ];
    await assert.rejects(async () => {
      for await (const b of encodeBlocksInWorkers(bad, 1)) assert.ok(b.counts.registrants === 5);
    }, /encoding block 1 failed in a worker: RangeError: registrant range/);
  });
});
