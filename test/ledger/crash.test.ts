import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportLedger } from '../../src/ledger/ledger-export.ts';
import { verifyExport } from '../../src/ledger/verify-export.ts';
import { leafData } from '../../src/ledger/ledger-entry.ts';
import { encodeVerifierKey, generateSigningKey, verifierKeyOf } from '../../src/ledger/signing-key.ts';
import { entries, fixture } from './fixtures/ledger-fixture.ts';

const CHILD = fileURLToPath(new URL('./fixtures/append-child.ts', import.meta.url));

/** Runs the appending child until it has acknowledged `acks` batches, then SIGKILLs it mid-burst. */
function appendUntilKilled(dbPath: string, acks: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dbPath, '37'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acked: number[] = [];
    let buffered = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const l of lines) acked.push(Number(l));
      if (acked.length >= acks && !child.killed) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`child exited ${code} ${signal}: ${stderr}`));
      else resolve(acked);
    });
  });
}

test('SIGKILL during appends loses no acknowledged entry and leaves a verifiable ledger', async () => {
  const f = fixture();
  try {
    f.db.close();
    let lastAck = -1;
    for (const round of [40, 25]) {
      const acked = await appendUntilKilled(f.dbPath, round);
      assert.ok(acked.length >= round);
      assert.ok(acked[0] > lastAck, 'the second run continues after the first');
      lastAck = acked[acked.length - 1];
      f.reopen();
      const size = await f.ledger.size();
      assert.ok(size >= lastAck + 1, `size ${size} must cover acknowledged index ${lastAck}`);
      assert.equal(size % 37, 0, 'batches are all-or-nothing');
      const last = await f.ledger.leaf(lastAck);
      assert.match(Buffer.from(last.data).toString(), new RegExp(`"seq":${lastAck}[,}]`));
      f.db.close();
    }
    f.reopen();
    const key = generateSigningKey('consentry.test/log');
    await f.ledger.signTreeHead(key);
    const path = join(f.dir, 'after-crash.ndjson');
    await exportLedger(f.ledger, path, { publicKey: encodeVerifierKey(verifierKeyOf(key)) });
    const res = await verifyExport(path, { publicKey: encodeVerifierKey(verifierKeyOf(key)) });
    assert.ok(res.ok, JSON.stringify(res.error));
    assert.equal(res.treeSize, await f.ledger.size());
    assert.deepEqual(Buffer.from((await f.ledger.leaf(0)).data), Buffer.from(leafData(entries(0, 1)[0])));
  } finally {
    f.close();
  }
});
