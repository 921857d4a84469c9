import assert from 'node:assert/strict';
import { readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { SQLITE_SCHEMA_VERSION } from '../../src/store/sqlite/sqlite-migrate.ts';
import { tmpDir } from '../helpers/tmp.ts';
import { CLUB, consent, key, notice } from '../helpers/fixtures.ts';
import { storeContract } from './contract.ts';
import { ORGANISATIONS } from '../../src/demo/reference-case.ts';
import { buildCaseLoadBlock } from '../../src/ingest/case-load-block.ts';
import { referenceNotices } from '../../src/ingest/load-reference-case.ts';
import { leafHash, verifyInclusion } from '../../src/ledger/merkle.ts';
import { ConsentBlock } from '../../src/store/consent-blocks.ts';

const dir = tmpDir();
let n = 0;
storeContract('SQLite file', async () => SqliteStore.open(join(dir, `contract-${n++}.db`), dir));

describe('SQLite store file handling', () => {
  it('refuses to change or delete consent events, whose rows their leaves are rebuilt from', async () => {
    const s = SqliteStore.open(join(dir, 'append-only.db'), dir);
    try {
      await s.putOrganisation(CLUB);
      await s.putNotice(notice());
      await s.appendConsentEvents([consent(key(), { id: 'a' })]);
      assert.throws(() => s.db.prepare('UPDATE consent_events SET at = at + 1').run(), /append-only/);
      assert.throws(() => s.db.prepare('DELETE FROM consent_events').run(), /append-only/);
      assert.equal((await s.stats()).consentEvents, 1);
    } finally {
      await s.close();
    }
  });

  it('refuses a 0-byte file and leaves it untouched', () => {
    const f = join(dir, 'empty.db');
    writeFileSync(f, '');
    assert.throws(() => SqliteStore.open(f, dir), /empty \(0 bytes\)/);
    assert.equal(statSync(f).size, 0);
  });

  it('refuses a file that is not SQLite and leaves it untouched', () => {
    const f = join(dir, 'text.db');
    writeFileSync(f, 'hello, this is not a database at all\n'.repeat(100));
    const before = readFileSync(f);
    assert.throws(() => SqliteStore.open(f, dir), /not a SQLite database/);
    assert.deepEqual(readFileSync(f), before);
  });

  it('refuses a foreign SQLite database', () => {
    const f = join(dir, 'foreign.db');
    const db = new Database(f);
    db.exec('CREATE TABLE t (x)');
    db.close();
    assert.throws(() => SqliteStore.open(f, dir), /not a Consentry store/);
  });

  it('refuses a store written by a newer version and leaves it as it was', async () => {
    const f = join(dir, 'newer.db');
    (await SqliteStore.open(f, dir)).close();
    const db = new Database(f);
    db.pragma(`user_version = ${SQLITE_SCHEMA_VERSION + 1}`);
    db.close();
    const before = readFileSync(f);
    assert.throws(() => SqliteStore.open(f, dir), /newer Consentry/);
    assert.deepEqual(readFileSync(f), before);
  });

  it('keeps a bulk load\'s events in blocks of at least 256, each ending where the subject changes', async () => {
    const f = join(dir, 'blocks.db');
    const s = SqliteStore.open(f, dir);
    try {
      const block = buildCaseLoadBlock({ seed: 4, first: 1, count: 500, secret: new Uint8Array(32).fill(5) });
      await s.bulkLoad(async () => {
        for (const o of ORGANISATIONS) await s.putOrganisation(o);
        for (const x of referenceNotices()) await s.putNotice(x);
        await s.appendConsentColumns(block.events);
      });
      assert.equal((s.db.prepare('SELECT count(*) AS n FROM consent_events').get() as { n: number }).n, 0);
      const rows = s.db.prepare('SELECT first_seq, count, min_ordinal, max_ordinal FROM consent_event_blocks ORDER BY first_seq').all() as { first_seq: number; count: number; min_ordinal: number; max_ordinal: number }[];
      assert.ok(rows.length >= 3);
      assert.equal(rows.reduce((n, r) => n + r.count, 0), block.events.count);
      rows.forEach((r, i) => {
        if (i < rows.length - 1) assert.ok(r.count >= 256 && r.count < 256 + 4, `block ${i} holds ${r.count}`);
        if (i > 0) assert.equal(r.first_seq, rows[i - 1]!.first_seq + rows[i - 1]!.count);
        if (i > 0) assert.equal(r.min_ordinal, rows[i - 1]!.max_ordinal + 1, 'no person split between blocks');
      });
    } finally {
      await s.close();
    }
  });

  it('files a bulk load\'s subjects by key, each with its ordinal, and finds each by key', async () => {
    const f = join(dir, 'subject-keys.db');
    const s = SqliteStore.open(f, dir);
    try {
      // Subjects before the load and rows beside its blocks: the filed keys join what is there.
      await s.putOrganisation(CLUB);
      await s.putNotice(notice());
      const before = key();
      await s.appendObjection({ id: 'o1', controller: CLUB.id, subject: before, scope: 'all', at: 1, source: 'request' });
      const blocks = [1, 301].map((first) => buildCaseLoadBlock({ seed: 6, first, count: 300, secret: new Uint8Array(32).fill(3) }));
      await s.bulkLoad(async () => {
        for (const o of ORGANISATIONS.filter((o) => o.id !== CLUB.id)) await s.putOrganisation(o);
        for (const x of referenceNotices()) await s.putNotice(x);
        await s.appendConsentColumns(blocks[0]!.events);
        await s.appendConsentEvents([consent(key(), { id: 'row-in-the-load' })]);
        await s.appendConsentColumns(blocks[1]!.events);
      });
      const bySubject = s.db.prepare('SELECT ordinal, key FROM subjects ORDER BY ordinal').raw(true).all() as [number, Buffer][];
      const byKey = s.db.prepare('SELECT ordinal, key FROM subject_keys').raw(true).all() as [number, Buffer][];
      assert.equal(bySubject.length, 1 + 600 + 1);
      assert.deepEqual([...byKey].sort((a, b) => a[0] - b[0]), bySubject, 'every subject filed once, under its own ordinal');
      for (let i = 1; i < byKey.length; i++) assert.ok(Buffer.compare(byKey[i - 1]![1], byKey[i]![1]) < 0, 'in key order');
      const loaded = blocks[1]!.keys.subarray(17 * 32, 18 * 32);
      const history = await s.subjectHistory(loaded);
      assert.ok(history !== null && history.consents.length > 0, 'a loaded subject is found by key');
      assert.ok(history.consents.every((c) => Buffer.from(c.subject).equals(Buffer.from(loaded))));
      assert.equal((await s.subjectHistory(before))?.objections.length, 1, 'a subject from before the load is found by key');
      assert.equal(await s.subjectHistory(new Uint8Array(32).fill(1)), null);
    } finally {
      await s.close();
    }
  });

  it('gives new subjects the next ordinals whichever way a write finds them: a fresh process\'s few by indexed reads, others through the index', async () => {
    const f = join(dir, 'few-subjects.db');
    const a = SqliteStore.open(f, dir);
    const b = SqliteStore.open(f, dir);
    try {
      await a.putOrganisation(CLUB);
      await a.putNotice(notice());
      const many = Array.from({ length: 100 }, () => key());
      await a.appendConsentEvents(many.map((k, i) => consent(k, { id: `m${i}` }))); // through a's index
      const [x, y, z] = [key(), key(), key()];
      // b has read no key yet: one event of a known person and one of a new person.
      const r = await b.appendConsentEvents([consent(many[7]!, { id: 'b1' }), consent(x, { id: 'b2' })]);
      assert.equal(r.newSubjects, 1);
      assert.deepEqual(Array.from(await b.subjectOrdinals(Buffer.concat([many[7]!, x, y]))), [7, 100, -1]);
      // a's index catches up with what b added; then b again, by reads.
      await a.appendConsentEvents([consent(y, { id: 'a1' })]);
      await b.appendObjection({ id: 'o1', controller: CLUB.id, subject: z, scope: 'all', at: 5, source: 'request' });
      assert.deepEqual(Array.from(await a.subjectOrdinals(Buffer.concat([x, y, z]))), [100, 101, 102]);
      assert.deepEqual(Array.from(await b.subjectOrdinals(Buffer.concat([x, y, z]))), [100, 101, 102]);
      const rows = a.db.prepare('SELECT s.ordinal, k.ordinal AS filed FROM subjects s JOIN subject_keys k ON k.key = s.key ORDER BY s.ordinal').all() as { ordinal: number; filed: number }[];
      assert.deepEqual(rows.map((r) => r.ordinal), Array.from({ length: 103 }, (_, i) => i));
      assert.ok(rows.every((r) => r.filed === r.ordinal));
      assert.equal((await b.subjectHistory(many[7]!))?.consents.length, 2);
      // A write that fails leaves nothing behind, and the next one takes the same ordinal.
      await assert.rejects(b.appendConsentEvents([consent(key(), { id: 'b3' }), consent(many[8]!, { id: 'm8', purposes: ['service-provision'] })]), /different content/);
      const w = key();
      await b.appendConsentEvents([consent(w, { id: 'b4' })]);
      assert.deepEqual(Array.from(await a.subjectOrdinals(w)), [103]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('reads every subject key a chunk at a time, across chunk ends and past gaps in the ordinals', async () => {
    const f = join(dir, 'key-chunks.db');
    const s = SqliteStore.open(f, dir);
    try {
      // 200,000 subjects, made here directly; then gaps: a few ordinals, and a whole chunk's worth.
      s.db.exec(`WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM i WHERE n + 1 < 200000)
                 INSERT INTO subjects (ordinal, key) SELECT n, randomblob(32) FROM i;
                 INSERT INTO subject_keys (key, ordinal) SELECT key, ordinal FROM subjects;
                 DELETE FROM subject_keys WHERE ordinal BETWEEN 70000 AND 70009 OR ordinal BETWEEN 131072 AND 196607;
                 DELETE FROM subjects WHERE ordinal BETWEEN 70000 AND 70009 OR ordinal BETWEEN 131072 AND 196607;`);
      const rows = s.db.prepare('SELECT ordinal, key FROM subjects ORDER BY ordinal').raw(true).all() as [number, Buffer][];
      const seen: [number, Buffer][] = [];
      assert.equal(await s.eachSubjectKey((o, k) => seen.push([o, Buffer.from(k)])), rows.length);
      assert.deepEqual(seen, rows);
      // More keys than a write looks up by reads: through the in-memory index, read in chunks.
      const sample = rows.filter((_, i) => i % 997 === 0);
      const ordinals = await s.subjectOrdinals(Buffer.concat(sample.map(([, k]) => k)));
      assert.deepEqual(Array.from(ordinals), sample.map(([o]) => o));
      // A subject added after the gap takes the ordinal after the last.
      await s.putOrganisation(CLUB);
      const r = await s.appendConsentEvents(Array.from({ length: 100 }, () => consent(key())));
      assert.equal(r.newSubjects, 100);
      assert.equal(await s.subjectCount(), 200_100);
    } finally {
      await s.close();
    }
  });

  it('keeps the load\'s lock while it flushes the file as it goes, and lets go of the file when closed', async () => {
    const f = join(dir, 'write-behind.db');
    const descriptors = (): string[] => readdirSync('/proc/self/fd').filter((d) => { try { return readlinkSync(`/proc/self/fd/${d}`) === f; } catch { return false; } });
    const s = SqliteStore.open(f, dir);
    const blocks = [1, 401, 801].map((first) => buildCaseLoadBlock({ seed: 9, first, count: 400, secret: new Uint8Array(32).fill(6) }));
    await s.bulkLoad(async () => {
      for (const o of ORGANISATIONS) await s.putOrganisation(o);
      for (const x of referenceNotices()) await s.putNotice(x);
      for (const b of blocks) {
        await s.appendConsentColumns(b.events);
        // Give the flush started after each block time to finish, as it would while the next is built.
        await new Promise((resolve) => setTimeout(resolve, 20));
        const other = new Database(f, { timeout: 0 });
        try {
          assert.throws(() => other.exec('BEGIN IMMEDIATE'), /locked|busy/i, 'another connection cannot write during the load');
        } finally {
          other.close();
        }
      }
    });
    assert.equal((await s.stats()).subjects, 1200);
    assert.ok(descriptors().length >= 2, 'the connection and the flushing descriptor are open');
    await s.close();
    assert.deepEqual(descriptors(), [], 'nothing of the file left open');
  });

  it('refuses a bulk load that adds a subject the store already files by key, and keeps nothing of it', async () => {
    const f = join(dir, 'subject-keys-twice.db');
    const s = SqliteStore.open(f, dir);
    try {
      const block = buildCaseLoadBlock({ seed: 8, first: 1, count: 50, secret: new Uint8Array(32).fill(4) });
      for (const o of ORGANISATIONS) await s.putOrganisation(o);
      for (const x of referenceNotices()) await s.putNotice(x);
      // A subject filed by key but absent from the rows by ordinal cannot arise through the store; made here by hand.
      s.db.prepare('INSERT INTO subject_keys (key, ordinal) VALUES (?, 999)').run(Buffer.from(block.keys.subarray(0, 32)));
      const stats = await s.stats();
      await assert.rejects(s.bulkLoad(async () => void (await s.appendConsentColumns(block.events))), /repeats an event id or subject/);
      assert.deepEqual(await s.stats(), stats);
      assert.equal((s.db.prepare('SELECT count(*) AS n FROM subject_keys').get() as { n: number }).n, 1);
    } finally {
      await s.close();
    }
  });

  it('migrates a store whose loaded leaves are rows, and still reads and proves every leaf', async () => {
    const f = join(dir, 'leaf-rows.db');
    const s = SqliteStore.open(f, dir);
    await s.bulkLoad(async () => {
      for (const o of ORGANISATIONS) await s.putOrganisation(o);
      for (const x of referenceNotices()) await s.putNotice(x);
      await s.appendConsentColumns(buildCaseLoadBlock({ seed: 3, first: 1, count: 200, secret: new Uint8Array(32).fill(2) }).events);
    });
    const size = await s.ledger.size();
    const root = await s.ledger.root();
    await s.close();
    // As a version-4 store kept them: a leaf row without data per loaded event, no runs table
    // (and links naming their transfer by id, as before version 6).
    const db = new Database(f);
    // Its consent events as rows, as every store before version 7 kept them.
    const insert = db.prepare('INSERT INTO consent_events (seq, controller, event_id, ordinal, purposes, recipients, status, notice, at, expires_at, method, consent_type, evidence, leaf) VALUES (@seq, @controller, @event_id, @ordinal, @purposes, @recipients, @status, @notice, @at, @expires_at, @method, @consent_type, @evidence, @leaf)');
    for (const b of db.prepare('SELECT first_seq, controller, body FROM consent_event_blocks').all() as { first_seq: number; controller: number; body: Buffer }[]) {
      const block = new ConsentBlock(b.first_seq, b.controller, b.body);
      for (let i = 0; i < block.count; i++) {
        const { key: _key, ...row } = block.row(i, Buffer.alloc(0));
        insert.run(row);
      }
    }
    db.exec('DROP TABLE consent_event_blocks');
    db.exec(`INSERT INTO ledger_leaves (idx, data, hash) SELECT first + n.k, x'', substr(hashes, n.k * 32 + 1, 32)
               FROM ledger_hashed_leaves, (WITH RECURSIVE i(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM i WHERE k < 255) SELECT k FROM i) n
              WHERE n.k < length(hashes) / 32;
             DROP TABLE ledger_hashed_leaves;
             DROP TABLE transfer_link_blocks;
             DROP TABLE transfer_subjects;
             CREATE TABLE transfer_subjects (transfer TEXT NOT NULL, ordinal INTEGER NOT NULL, allowed INTEGER NOT NULL, reasons INTEGER, PRIMARY KEY (transfer, ordinal)) STRICT, WITHOUT ROWID;
             CREATE INDEX transfer_subjects_by_subject_with_flags ON transfer_subjects(ordinal, transfer, allowed, reasons);
             DROP INDEX transfers_by_num;
             ALTER TABLE transfers DROP COLUMN num;
             DROP TABLE subject_keys;
             CREATE UNIQUE INDEX subjects_by_key ON subjects(key);`);
    db.pragma('user_version = 4');
    db.close();
    const old = SqliteStore.open(f, dir);
    try {
      assert.equal(old.db.pragma('user_version', { simple: true }), SQLITE_SCHEMA_VERSION);
      assert.equal((old.db.prepare('SELECT count(*) AS n FROM ledger_hashed_leaves').get() as { n: number }).n, 0);
      assert.equal((old.db.prepare('SELECT count(*) AS n FROM ledger_leaves').get() as { n: number }).n, size);
      assert.deepEqual(Buffer.from(await old.ledger.root()), Buffer.from(root));
      let seen = 0;
      for await (const batch of old.ledger.leaves(0, size, 97)) {
        for (const l of batch) {
          assert.equal(l.index, seen++);
          assert.deepEqual(Buffer.from(leafHash(l.data)), Buffer.from(l.hash));
          assert.ok(verifyInclusion(l.hash, l.index, size, await old.ledger.inclusionProof(l.index, size), root), `leaf ${l.index}`);
        }
      }
      assert.equal(seen, size);
      assert.equal((await old.stats()).consentEvents, size - ORGANISATIONS.length - referenceNotices().length);
      // Subjects found by key through the table the migration filled.
      const [ordinal, subject] = old.db.prepare('SELECT ordinal, key FROM subjects ORDER BY ordinal DESC LIMIT 1').raw(true).get() as [number, Buffer];
      assert.equal(old.db.prepare('SELECT ordinal FROM subject_keys WHERE key = ?').pluck().get(subject), ordinal);
      assert.ok(((await old.subjectHistory(subject))?.consents.length ?? 0) > 0);
    } finally {
      await old.close();
    }
  });

  it('opens in WAL mode at the current schema version', async () => {
    const s = SqliteStore.open(join(dir, 'wal.db'), dir);
    assert.equal(s.db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(s.db.pragma('user_version', { simple: true }), SQLITE_SCHEMA_VERSION);
    await s.close();
  });
});
