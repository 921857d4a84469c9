import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { loadReferenceCase } from '../../src/ingest/load-reference-case.ts';
import { leafHash } from '../../src/ledger/merkle.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { tmpDir } from '../helpers/tmp.ts';

describe('loading the reference case', () => {
  const secret = randomBytes(32);
  const load = async (name: string, workers: number) => {
    const dir = tmpDir();
    const store = SqliteStore.open(join(dir, `${name}.db`), dir);
    const summary = await loadReferenceCase({ store, secret, records: 3_000, seed: 11, blockSize: 700, workers });
    return { store, summary };
  };

  it('stores the same events and the same ledger whether blocks are built on workers or here', async () => {
    const here = await load('here', 0);
    const workers = await load('workers', 2);
    try {
      assert.deepEqual(workers.summary, here.summary);
      assert.equal(here.summary.subjects, 3_000);
      assert.ok(here.summary.consentEvents > 6_000);
      assert.deepEqual(await workers.store.stats(), await here.store.stats());
      // Registration leaves carry the time of the load; every consent leaf must be the same.
      const consentLeaves = (s: SqliteStore) => (s.db.prepare('SELECT idx, hash FROM ledger_leaves WHERE length(data) = 0 ORDER BY idx').all() as { idx: number; hash: Buffer }[]).map((r) => `${r.idx}:${r.hash.toString('hex')}`);
      const a = consentLeaves(here.store);
      assert.equal(a.length, (await here.store.stats()).consentEvents);
      assert.deepEqual(consentLeaves(workers.store), a);
    } finally {
      await here.store.close();
      await workers.store.close();
    }
  });

  it('keeps only hashes for consent leaves, and every leaf read back hashes to its stored hash', async () => {
    const { store } = await load('verify', 0);
    try {
      const size = await store.ledger.size();
      let consents = 0;
      for await (const batch of store.ledger.leaves(0, size, 1_000)) {
        for (const leaf of batch) {
          assert.deepEqual(Buffer.from(leafHash(leaf.data)), Buffer.from(leaf.hash), `leaf ${leaf.index}`);
          if (Buffer.from(leaf.data).toString('utf8').includes('"kind":"consent"')) consents++;
        }
      }
      // The bulk-loaded events and the withdrawals the replayed flow adds.
      const { consentEvents } = await store.stats();
      assert.equal(consents, consentEvents);
      const stored = store.db.prepare('SELECT count(*) AS n FROM ledger_leaves WHERE length(data) = 0').get() as { n: number };
      assert.equal(stored.n, consentEvents);
    } finally {
      await store.close();
    }
  });
});
