import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import type { TransferRequest } from '../../src/domain/types.ts';
import type { CheckResult } from '../../src/gateway/transfer-check.ts';
import { commitTransfer, RequestedSetMemo } from '../../src/gateway/transfer-commit.ts';
import { buildTransferProof, subjectSetId, transferSubjectSetId, verifyTransferProof } from '../../src/gateway/transfer-proof.ts';
import { encodeVerifierKey, generateSigningKey, verifierKeyOf } from '../../src/ledger/signing-key.ts';
import { SubjectCommitment, sortSubjectKeys } from '../../src/ledger/subject-commitment.ts';
import { memoryBlockReader, proveFromBlocks, subjectSetBlocks } from '../../src/ledger/subject-set-blocks.ts';
import type { Decision } from '../../src/policy/decision.ts';
import { PostgresStore } from '../../src/store/postgres/postgres-store.ts';
import { eachLink } from '../../src/store/link-blocks.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { SQLITE_SCHEMA_VERSION } from '../../src/store/sqlite/sqlite-migrate.ts';
import type { Store } from '../../src/store/store.ts';
import { freshPgUrl, pgUnavailable } from '../helpers/pg.ts';
import { tmpDir } from '../helpers/tmp.ts';

// The probe comes first, as in test/store/postgres-store.test.ts, so the folder outlives every test.
const pgSkip = (await pgUnavailable()) ?? false;
const dir = tmpDir();
let files = 0;
const KEY = 32;
const keyAt = (keys: Uint8Array, i: number): Uint8Array => keys.slice(i * KEY, (i + 1) * KEY);

/** The proof of one set as the tree over every key gives it (what proofs were before sets were kept). */
function fromWholeTree(sortedKeys: Uint8Array, key: Uint8Array) {
  const c = SubjectCommitment.fromKeys(sortedKeys);
  const inc = c.inclusionProof(key);
  return inc ? { included: true, proof: inc } : { included: false, proof: c.nonInclusionProof(key) };
}

/** Keys to prove: members at and around block edges, absent keys between and beyond them. */
function probes(sorted: Uint8Array): Uint8Array[] {
  const n = sorted.length / KEY;
  const out: Uint8Array[] = [new Uint8Array(KEY), new Uint8Array(KEY).fill(255)];
  for (const i of [0, 1, 15, 16, 255, 256, 257, 511, 512, n - 2, n - 1]) {
    if (i < 0 || i >= n) continue;
    out.push(keyAt(sorted, i));
    const next = keyAt(sorted, i);
    next[KEY - 1] ^= 1; // absent (almost surely), right beside a member
    out.push(next);
  }
  for (let i = 0; i < n; i += 37) out.push(keyAt(sorted, i));
  for (let i = 0; i < 20; i++) out.push(new Uint8Array(randomBytes(KEY)));
  return out;
}

describe('subject sets in blocks', () => {
  it('give the very proofs of the tree over every key, for any size and cut', async () => {
    for (const n of [0, 1, 2, 3, 17, 255, 256, 257, 600, 1025]) {
      const keys = sortSubjectKeys(new Uint8Array(randomBytes(n * KEY)));
      for (const [blockKeys, groupKeys] of [[256, 16], [8, 2], [4, 4], [1, 1]] as const) {
        const set = subjectSetBlocks(keys, blockKeys, groupKeys);
        assert.deepEqual(Buffer.from(set.root), Buffer.from(SubjectCommitment.fromKeys(keys).root()), `root of ${n}`);
        const read = memoryBlockReader(set);
        for (const p of probes(keys)) assert.deepEqual(await proveFromBlocks(read, p), fromWholeTree(keys, p), `${n} keys in blocks of ${blockKeys}`);
      }
    }
  });
});

const request: TransferRequest = { from: 'club', to: 'broker', onBehalfOf: null, purpose: 'marketing', channel: 'post', fields: ['name'], at: Date.UTC(2024, 0, 1), basis: 'consent', tpsScreened: false };

/** Commits a transfer of `n` new people, every other one allowed, as the gateway does. */
async function commitOf(store: Store, n: number): Promise<{ id: string; keys: Uint8Array; allowedKeys: Uint8Array }> {
  const keys = new Uint8Array(randomBytes(n * KEY));
  const allowedMask = Uint8Array.from({ length: n }, (_, i) => i % 2);
  const allowed = n >> 1;
  const decision: Decision = {
    pack: { id: 'uk', version: 'test' },
    request,
    requested: n,
    allowed,
    refused: n - allowed,
    allowedMask,
    reasons: { 'recipient-not-named': n - allowed },
    warnings: {},
    findings: [],
    fields: { sent: ['name'], stripped: [] },
    recordReasons: () => ['recipient-not-named'],
    recordReasonKey: () => 0,
  };
  const result: CheckResult = { decision, unidentified: 0, unidentifiedMask: new Uint8Array(n), keys, ordinals: await store.subjectOrdinals(keys) };
  const { transfer } = await commitTransfer(store, result, request.at);
  const picked = new Uint8Array(allowed * KEY);
  for (let i = 1, j = 0; i < n; i += 2, j++) picked.set(keyAt(keys, i), j * KEY);
  return { id: transfer.id, keys: sortSubjectKeys(keys), allowedKeys: sortSubjectKeys(picked) };
}

function proofCases(name: string, open: () => Promise<Store>): void {
  describe(`transfer proofs: ${name}`, () => {
    it('proves a person in, refused from, or absent from a committed transfer as the tree over every key does', async () => {
      const store = await open();
      try {
        const t = await commitOf(store, 700);
        const signer = generateSigningKey('consentry.test/proofs');
        await store.ledger.signTreeHead(signer);
        const publicKey = encodeVerifierKey(verifierKeyOf(signer));
        const stored = (await store.getTransfer(t.id))!;
        assert.notEqual(await store.subjectSetBlock(subjectSetId(stored.subjects.root), keyAt(t.keys, 0), 'at'), null, 'kept when committed');
        assert.notEqual(await store.subjectSetBlock(subjectSetId(stored.allowedSubjects.root), keyAt(t.keys, 0), 'at'), null, 'kept when committed');
        const seen = { allowed: 0, refused: 0, absent: 0 };
        for (const k of probes(t.keys)) {
          const p = (await buildTransferProof(store, t.id, k))!;
          assert.deepEqual(p.requested, fromWholeTree(t.keys, k));
          assert.deepEqual(p.allowed, fromWholeTree(t.allowedKeys, k));
          const check = verifyTransferProof(JSON.parse(JSON.stringify(p)), publicKey);
          assert.equal(check.ok, true, check.error);
          seen[!check.requested ? 'absent' : check.allowed ? 'allowed' : 'refused']++;
        }
        assert.ok(seen.allowed > 5 && seen.refused > 5 && seen.absent > 5, JSON.stringify(seen));
        assert.equal(await buildTransferProof(store, 'tr-none', keyAt(t.keys, 0)), null);
      } finally {
        await store.close();
      }
    });

    it('rebuilds the sets of a transfer committed before they were kept, once, and keeps them', async () => {
      const store = await open();
      try {
        const keys = sortSubjectKeys(new Uint8Array(randomBytes(300 * KEY)));
        const flags = Uint8Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? 1 : 0));
        const allowedKeys = Buffer.concat([...flags.entries()].filter(([, f]) => f === 1).map(([i]) => keyAt(keys, i)));
        const root = (k: Uint8Array): string => Buffer.from(SubjectCommitment.fromKeys(k).root()).toString('hex');
        const t = {
          id: 'tr-old',
          decidedAt: request.at,
          request,
          pack: { id: 'uk', version: 'test' },
          requested: 300,
          allowed: 100,
          refused: 200,
          reasons: {},
          warnings: {},
          findings: [],
          fields: { sent: ['name'], stripped: [] },
          subjects: { count: 300, root: root(keys) },
          allowedSubjects: { count: 100, root: root(allowedKeys) },
        };
        await store.recordTransfer(t, { keys, allowed: flags });
        await store.ledger.signTreeHead(generateSigningKey('consentry.test/proofs'));
        const k = keyAt(keys, 4);
        assert.equal(await store.subjectSetBlock(subjectSetId(t.subjects.root), k, 'at'), null);
        const first = (await buildTransferProof(store, 'tr-old', k))!;
        assert.deepEqual([first.requested, first.allowed], [fromWholeTree(keys, k), fromWholeTree(allowedKeys, k)]);
        assert.notEqual(await store.subjectSetBlock(subjectSetId(t.subjects.root), k, 'at'), null, 'kept after the first proof');
        assert.deepEqual(await buildTransferProof(store, 'tr-old', k), first);
      } finally {
        await store.close();
      }
    });
  });
}

proofCases('SQLite', async () => SqliteStore.open(join(dir, `proofs-${files++}.db`), dir));

if (pgSkip) {
  describe('transfer proofs: PostgreSQL', { skip: pgSkip }, () => {
    it('runs against a real server');
  });
} else {
  proofCases('PostgreSQL', async () => PostgresStore.open(freshPgUrl('proofs'), dir));
}

describe('a store from before subject sets were kept', () => {
  it('migrates, keeps its transfers, and proves them by rebuilding their sets', async () => {
    const file = join(dir, 'old.db');
    const fresh = SqliteStore.open(file, dir);
    const t = await commitOf(fresh, 300);
    await fresh.ledger.signTreeHead(generateSigningKey('consentry.test/proofs'));
    await fresh.close();
    // Back to the schema before version 3: its tables and index gone, the old index back, later
    // triggers and tables gone, links naming their transfer by id again, the version marked 2.
    const db = new Database(file);
    // Its links as rows, as every store before version 8 kept them.
    const insertLink = db.prepare('INSERT INTO transfer_subjects (transfer, ordinal, allowed, reasons) VALUES (?, ?, ?, ?)');
    for (const [transfer, bucket, body] of db.prepare('SELECT transfer, bucket, body FROM transfer_link_blocks').raw(true).all() as [number, number, Buffer][]) {
      eachLink(bucket, body, (o, allowed, reasons) => insertLink.run(transfer, o, allowed ? 1 : 0, reasons));
    }
    db.exec('DROP TABLE transfer_link_blocks');
    db.exec('DROP TABLE subject_set_blocks; DROP TABLE subject_sets; DROP INDEX transfer_subjects_by_subject_with_flags;');
    db.exec('DROP TRIGGER consent_events_append_only_u; DROP TRIGGER consent_events_append_only_d; DROP TABLE ledger_hashed_leaves; DROP TABLE consent_event_blocks;');
    db.exec(`CREATE TABLE old_links (transfer TEXT NOT NULL REFERENCES transfers(id), ordinal INTEGER NOT NULL, allowed INTEGER NOT NULL, reasons INTEGER, PRIMARY KEY (transfer, ordinal)) STRICT, WITHOUT ROWID;
             INSERT INTO old_links SELECT t.id, s.ordinal, s.allowed, s.reasons FROM transfer_subjects s JOIN transfers t ON t.num = s.transfer;
             DROP TABLE transfer_subjects;
             ALTER TABLE old_links RENAME TO transfer_subjects;
             CREATE INDEX transfer_subjects_by_subject ON transfer_subjects(ordinal);
             DROP INDEX transfers_by_num;
             ALTER TABLE transfers DROP COLUMN num;
             DROP TABLE subject_keys;
             CREATE UNIQUE INDEX subjects_by_key ON subjects(key);`);
    assert.equal((db.prepare('SELECT count(*) AS n FROM transfer_subjects WHERE transfer = ?').get(t.id) as { n: number }).n, 300);
    db.pragma('user_version = 2');
    db.close();
    const store = SqliteStore.open(file, dir);
    try {
      assert.equal(store.db.pragma('user_version', { simple: true }), SQLITE_SCHEMA_VERSION);
      assert.equal((await store.getTransfer(t.id))?.id, t.id);
      assert.deepEqual((await store.subjectHistory(keyAt(t.keys, 0)))?.transfers.map((x) => x.transfer.id), [t.id], 'found through the new index');
      const k = keyAt(t.keys, 10);
      const stored = (await store.getTransfer(t.id))!;
      assert.equal(await store.subjectSetBlock(subjectSetId(stored.subjects.root), k, 'at'), null);
      const p = (await buildTransferProof(store, t.id, k))!;
      assert.deepEqual([p.requested, p.allowed], [fromWholeTree(t.keys, k), fromWholeTree(t.allowedKeys, k)]);
      assert.notEqual(await store.subjectSetBlock(subjectSetId(stored.allowedSubjects.root), k, 'at'), null);
    } finally {
      await store.close();
    }
  });
});

describe('a store that kept sets under their transfer\'s id', () => {
  it('proves from those sets as they are, without rebuilding them', async () => {
    const store = SqliteStore.open(join(dir, 'sets-by-transfer.db'), dir);
    try {
      const t = await commitOf(store, 400);
      const stored = (await store.getTransfer(t.id))!;
      // Where a store kept them before sets were kept by root.
      for (const [set, root] of [['requested', stored.subjects.root], ['allowed', stored.allowedSubjects.root]] as const) {
        store.db.exec('PRAGMA foreign_keys = OFF');
        store.db.prepare('UPDATE subject_sets SET id = ? WHERE id = ?').run(transferSubjectSetId(t.id, set), subjectSetId(root));
        store.db.prepare('UPDATE subject_set_blocks SET set_id = ? WHERE set_id = ?').run(transferSubjectSetId(t.id, set), subjectSetId(root));
        store.db.exec('PRAGMA foreign_keys = ON');
      }
      await store.ledger.signTreeHead(generateSigningKey('consentry.test/proofs'));
      for (const k of [keyAt(t.keys, 3), keyAt(t.allowedKeys, 1)]) {
        const p = (await buildTransferProof(store, t.id, k))!;
        assert.deepEqual([p.requested, p.allowed], [fromWholeTree(t.keys, k), fromWholeTree(t.allowedKeys, k)]);
      }
      assert.deepEqual(store.db.prepare('SELECT id FROM subject_sets ORDER BY id').pluck().all(), [transferSubjectSetId(t.id, 'allowed'), transferSubjectSetId(t.id, 'requested')], 'nothing rebuilt');
    } finally {
      await store.close();
    }
  });
});

describe('committing several transfers over the same records', () => {
  it('builds the requested set once for the same records, and afresh for any others', async () => {
    const store = SqliteStore.open(join(dir, 'memo.db'), dir);
    try {
      const resultOf = async (keys: Uint8Array, at: number): Promise<CheckResult> => {
        const n = keys.length / KEY;
        const decision: Decision = {
          pack: { id: 'uk', version: 'test' }, request: { ...request, at }, requested: n, allowed: 0, refused: n, allowedMask: new Uint8Array(n),
          reasons: { 'recipient-not-named': n }, warnings: {}, findings: [], fields: { sent: ['name'], stripped: [] }, recordReasons: () => ['recipient-not-named'], recordReasonKey: () => 0,
        };
        return { decision, unidentified: 0, unidentifiedMask: new Uint8Array(n), keys, ordinals: await store.subjectOrdinals(keys) };
      };
      const rootOf = (keys: Uint8Array): string => Buffer.from(SubjectCommitment.fromKeys(sortSubjectKeys(keys)).root()).toString('hex');
      const memo = new RequestedSetMemo();
      const keys = new Uint8Array(randomBytes(300 * KEY));
      const first = await resultOf(keys, Date.UTC(2024, 0, 1));
      const a = await commitTransfer(store, first, first.decision.request.at, memo);
      const second = await resultOf(keys, Date.UTC(2025, 0, 1));
      assert.notEqual(memo.get(RequestedSetMemo.digestOf(second)), null, 'the same records');
      const b = await commitTransfer(store, second, second.decision.request.at, memo);
      assert.notEqual(a.transfer.id, b.transfer.id);
      assert.equal(b.transfer.subjects.root, rootOf(keys));
      await store.ledger.signTreeHead(generateSigningKey('consentry.test/proofs'));
      assert.deepEqual((await buildTransferProof(store, b.transfer.id, keyAt(keys, 7)))!.requested, fromWholeTree(sortSubjectKeys(keys), keyAt(keys, 7)));
      // Both transfers' requested sets are one set, kept once; their allowed sets (both empty) too.
      assert.deepEqual(store.db.prepare('SELECT id FROM subject_sets ORDER BY id').pluck().all(), [subjectSetId(a.transfer.allowedSubjects.root), subjectSetId(a.transfer.subjects.root)].sort());
      // The same array with one key changed in place is other records.
      keys[40] ^= 1;
      const third = await resultOf(keys, Date.UTC(2026, 0, 1));
      assert.equal(memo.get(RequestedSetMemo.digestOf(third)), null);
      const c = await commitTransfer(store, third, third.decision.request.at, memo);
      assert.equal(c.transfer.subjects.root, rootOf(keys));
      assert.notEqual(c.transfer.subjects.root, b.transfer.subjects.root);
    } finally {
      await store.close();
    }
  });
});
