import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { HmacSha256Batch } from '../../src/crypto/hmac-batch.ts';
import { simdAvailable, simdHmacBlocks } from '../../src/crypto/sha256-simd.ts';
import { hmacChainingStates } from '../../src/crypto/sha256.ts';

const hmac = (key: Uint8Array, msg: Uint8Array | string): Buffer => createHmac('sha256', key).update(msg).digest();

describe('HMAC-SHA-256 in batches', () => {
  it('matches node:crypto for every length, across full queues and short and long messages', () => {
    for (const keyLength of [32, 64, 100]) {
      const key = randomBytes(keyLength);
      const batch = new HmacSha256Batch(key);
      const n = 10_000; // more than one queue of short messages
      const msgs = Array.from({ length: n }, (_, i) => randomBytes(i % 97));
      const out = new Uint8Array(n * 32 + 7);
      msgs.forEach((m, i) => batch.add(m, 0, m.length, out, 7 + i * 32));
      batch.flush();
      assert.equal(batch.pending, 0);
      msgs.forEach((m, i) => assert.deepEqual(Buffer.from(out.subarray(7 + i * 32, 39 + i * 32)), hmac(key, m), `key ${keyLength}, message ${i}`));
    }
  });

  it('writes each digest to the array it was queued for, in any order, from text too', () => {
    const key = randomBytes(32);
    const batch = new HmacSha256Batch(key);
    const a = new Uint8Array(64);
    const b = new Uint8Array(96);
    const texts = ['email:jane@example.org', 'npd:zoë o brien|LS6 2AB|1990-03-05', 'x'.repeat(80), ''];
    batch.addText(texts[0]!, a, 32);
    batch.addText(texts[1]!, b, 64); // another array: what was queued for `a` is written first
    assert.deepEqual(Buffer.from(a.subarray(32)), hmac(key, texts[0]!));
    batch.addText(texts[2]!, b, 0); // too long for one block: hashed at once
    assert.deepEqual(Buffer.from(b.subarray(0, 32)), hmac(key, texts[2]!));
    batch.addText(texts[3]!, b, 32);
    batch.flush();
    assert.deepEqual(Buffer.from(b.subarray(64)), hmac(key, texts[1]!));
    assert.deepEqual(Buffer.from(b.subarray(32, 64)), hmac(key, texts[3]!));
  });

  it('runs the kernel on padded inner blocks, four lanes at a time', () => {
    assert.ok(simdAvailable);
    const key = randomBytes(32);
    const msgs = Array.from({ length: 7 }, (_, i) => randomBytes(i * 9));
    const blocks = new Uint8Array(8 * 64);
    msgs.forEach((m, i) => {
      blocks.set(m, i * 64);
      blocks[i * 64 + m.length] = 0x80;
      const bits = (64 + m.length) * 8;
      blocks[i * 64 + 62] = bits >>> 8;
      blocks[i * 64 + 63] = bits & 0xff;
    });
    const digests = new Uint8Array(7 * 32);
    assert.ok(simdHmacBlocks(hmacChainingStates(key), blocks, 7, digests));
    msgs.forEach((m, i) => assert.deepEqual(Buffer.from(digests.subarray(i * 32, i * 32 + 32)), hmac(key, m), `lane ${i}`));
  });
});
