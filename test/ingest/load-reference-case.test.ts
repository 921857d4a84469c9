import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { factsSource, loadFacts, subjectOrdinalsFor } from '../../src/gateway/load-facts.ts';
import { loadReferenceCase } from '../../src/ingest/load-reference-case.ts';
import { decide } from '../../src/policy/decision.ts';
import type { FactsBuilder } from '../../src/policy/facts.ts';
import { loadBuiltinPack } from '../../src/policy/pack-loader.ts';
import { T2026_TRANSFER } from '../../src/demo/reference-case.ts';
import { BULK_MIN_STORED_LEVEL, MIN_STORED_LEVEL } from '../../src/ledger/append-batch.ts';
import { leafHash, rootOfLeafHashes, verifyConsistency, verifyInclusion } from '../../src/ledger/merkle.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { consentEventsFor } from '../../src/demo/consent-events.ts';
import { registrantRange } from '../../src/demo/registrants.ts';
import { SubjectKeyer } from '../../src/domain/subject-key.ts';
import { registrantMaterial } from '../../src/ingest/case-load-block.ts';
import { sortSubjectKeys, subjectKeysRoot } from '../../src/ledger/subject-commitment.ts';
import { tmpDir } from '../helpers/tmp.ts';

/** Leaves kept as hashes alone (their data rebuilt from the consent rows): leaf rows without data, and runs. */
function hashOnlyLeaves(s: SqliteStore): { rows: number; inRuns: number; leaves: string[] } {
  const rows = s.db.prepare('SELECT idx, hash FROM ledger_leaves WHERE length(data) = 0').all() as { idx: number; hash: Buffer }[];
  const runs = s.db.prepare('SELECT first, hashes FROM ledger_hashed_leaves').all() as { first: number; hashes: Buffer }[];
  const all = rows.map((r) => ({ idx: r.idx, hash: r.hash }));
  for (const r of runs) for (let k = 0; k < r.hashes.length / 32; k++) all.push({ idx: r.first + k, hash: r.hashes.subarray(k * 32, (k + 1) * 32) });
  all.sort((a, b) => a.idx - b.idx);
  return { rows: rows.length, inRuns: all.length - rows.length, leaves: all.map((r) => `${r.idx}:${r.hash.toString('hex')}`) };
}

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
      const a = hashOnlyLeaves(here.store).leaves;
      assert.equal(a.length, (await here.store.stats()).consentEvents);
      assert.deepEqual(hashOnlyLeaves(workers.store).leaves, a);
    } finally {
      await here.store.close();
      await workers.store.close();
    }
  });

  it('replays the flow on the right people: T1 allows nobody, the 2026 transfer exactly those who opted in', async () => {
    const { store, summary } = await load('flow', 2);
    try {
      // From the generated rows, not the store: the opt-ins' subject keys.
      const keyer = new SubjectKeyer(secret);
      const optedIn: Uint8Array[] = [];
      for (const reg of registrantRange(11, 1, 3_000)) {
        if ([...consentEventsFor(reg, 11)].some((row) => row.event_id.endsWith('-pol'))) optedIn.push(keyer.keyOfMaterial(registrantMaterial(reg)));
      }
      assert.ok(optedIn.length > 20);
      assert.equal(summary.flow.t1.allowed, 0);
      assert.equal(summary.flow.t2026.allowed, optedIn.length);
      const t2026 = (await store.getTransfer(summary.flow.t2026.id))!;
      assert.equal(t2026.allowedSubjects.root, Buffer.from(subjectKeysRoot(sortSubjectKeys(Buffer.concat(optedIn)))).toString('hex'));
    } finally {
      await store.close();
    }
  });

  it('keeps only hashes for consent leaves, and every leaf read back hashes to its stored hash', async () => {
    const { store } = await load('verify', 0);
    try {
      const size = await store.ledger.size();
      let consents = 0;
      const hashes = new Uint8Array(size * 32);
      for await (const batch of store.ledger.leaves(0, size, 1_000)) {
        for (const leaf of batch) {
          hashes.set(leaf.hash, leaf.index * 32);
          assert.deepEqual(Buffer.from(leafHash(leaf.data)), Buffer.from(leaf.hash), `leaf ${leaf.index}`);
          if (Buffer.from(leaf.data).toString('utf8').includes('"kind":"consent"')) consents++;
        }
      }
      // The bulk-loaded events and the withdrawals the replayed flow adds.
      const { consentEvents } = await store.stats();
      assert.equal(consents, consentEvents);
      const stored = hashOnlyLeaves(store);
      assert.equal(stored.leaves.length, consentEvents);
      // The loaded events are kept in runs of hashes (a row per run); the flow's withdrawals, written
      // one by one, as leaf rows without data.
      assert.equal(stored.rows, 5);
      assert.equal(stored.inRuns, consentEvents - 5);
      // The tree over those leaves, as the bottom-up reference builds it: the root, and every
      // node the log keeps (the loaded blocks' subtrees were hashed on the block builders).
      assert.deepEqual(Buffer.from(await store.ledger.root()), Buffer.from(rootOfLeafHashes(hashes, size)));
      // Over the loaded leaves, only from BULK_MIN_STORED_LEVEL up; around the rest, from MIN_STORED_LEVEL.
      const nodes = store.db.prepare('SELECT level, idx, hash FROM ledger_nodes').all() as { level: number; idx: number; hash: Buffer }[];
      const kept = new Set(nodes.map((n) => `${n.level}:${n.idx}`));
      for (let level = MIN_STORED_LEVEL; level < BULK_MIN_STORED_LEVEL; level++) {
        const low = [...kept].filter((k) => k.startsWith(`${level}:`)).length;
        assert.ok(low <= 4, `level ${level}: ${low} nodes kept`);
      }
      for (let level = BULK_MIN_STORED_LEVEL; 2 ** level <= size; level++) {
        for (let idx = 0; idx < Math.floor(size / 2 ** level); idx++) assert.ok(kept.has(`${level}:${idx}`), `node ${level}:${idx} kept`);
      }
      for (const n of nodes) assert.deepEqual(n.hash, Buffer.from(rootOfLeafHashes(hashes, 2 ** n.level, n.idx * 2 ** n.level * 32)), `node ${n.level}:${n.idx}`);
      // Proofs read the nodes not kept from the leaves: every tenth leaf proves into the root.
      const root = await store.ledger.root();
      for (let i = 0; i < size; i += 10) {
        assert.ok(verifyInclusion(hashes.subarray(i * 32, i * 32 + 32), i, size, await store.ledger.inclusionProof(i, size), root), `leaf ${i}`);
      }
      for (const m of [1, 7, 100, 4_097, size - 3]) {
        assert.ok(verifyConsistency(m, size, rootOfLeafHashes(hashes, m), root, await store.ledger.consistencyProof(m, size)), `from ${m}`);
      }
      const runs = store.db.prepare('SELECT count(*) AS n, max(length(hashes)) AS longest FROM ledger_hashed_leaves').get() as { n: number; longest: number };
      assert.equal(runs.longest, 256 * 32);
      assert.ok(runs.n >= Math.ceil(stored.inRuns / 256));
    } finally {
      await store.close();
    }
  });

  // With workers, the snapshot's key table is built on one while the store builds its indexes.
  for (const workers of [0, 2]) it(`leaves the facts snapshot current: the next load reads no rows back and decides as the store does (${workers} workers)`, async () => {
    const { store, summary } = await load(`snapshot-${workers}`, workers);
    try {
      const kept = await loadFacts(store);
      assert.equal(factsSource(kept), 'snapshot');
      const read = await loadFacts(store, { snapshot: false });
      assert.equal(factsSource(read), 'store');
      const picture = (f: FactsBuilder) => ({
        subjects: f.subjectCount,
        rows: Array.from({ length: f.consentCount }, (_, i) => f.consentRow(i)),
        objections: Array.from({ length: f.objectionCount }, (_, i) => f.objectionRow(i)),
        orgs: [...f.organisations.keys()],
        notices: [...f.notices.keys()],
      });
      assert.deepEqual(picture(kept), picture(read));
      // The flow's withdrawals are in it: the 2026 transfer, made after them, decides as on facts read from the store.
      const keys = Buffer.concat((store.db.prepare('SELECT key FROM subjects ORDER BY ordinal').raw(true).all() as [Buffer][]).map(([k]) => k));
      const pack = loadBuiltinPack('uk');
      const run = async (f: FactsBuilder) => {
        const ordinals = await subjectOrdinalsFor(store, f, keys);
        const d = decide({ ...T2026_TRANSFER, at: Date.UTC(2026, 5, 1) }, { ordinals, flags: new Uint8Array(ordinals.length) }, f, pack);
        return { allowed: d.allowed, reasons: d.reasons, mask: Buffer.from(d.allowedMask).toString('base64') };
      };
      const expected = await run(read);
      assert.equal(summary.flow.withdrawals, 5);
      assert.deepEqual([expected.reasons['consent-withdrawn'], expected.reasons['objection']], [summary.flow.withdrawals, summary.flow.gpcObjections], 'the flow\'s withdrawals and objection are decided on');
      assert.ok(expected.allowed > 0);
      assert.deepEqual(await run(kept), expected);
    } finally {
      await store.close();
    }
  });
});
