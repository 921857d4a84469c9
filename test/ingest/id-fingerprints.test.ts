import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IdFingerprints } from '../../src/ingest/id-fingerprints.ts';

describe('id fingerprints', () => {
  it('remembers every id through growth and returns what it stored', () => {
    const f = new IdFingerprints(16);
    for (let i = 0; i < 200_000; i++) assert.equal(f.remember(`ed-${i}-mkt`, i * 7), -1);
    assert.equal(f.size, 200_000);
    for (let i = 0; i < 200_000; i += 997) assert.equal(f.remember(`ed-${i}-mkt`, 1), (i * 7) >>> 0);
    assert.equal(f.remember('ed-x', 0xffffffff), -1);
    assert.equal(f.remember('ed-x', 5), 0xffffffff);
    assert.equal(f.size, 200_001);
  });
});
