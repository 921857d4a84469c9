import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pg from 'pg';
import { eventIdColumn, eventIdList } from '../../src/store/consent-columns.ts';
import { eachLink } from '../../src/store/link-blocks.ts';
import { PostgresStore } from '../../src/store/postgres/postgres-store.ts';
import { parsePgUrl } from '../../src/store/postgres/pg-connection.ts';
import { PG_SCHEMA_VERSION } from '../../src/store/postgres/pg-migrate.ts';
import { CLUB, consent, key, notice } from '../helpers/fixtures.ts';
import { freshPgUrl, pgUnavailable } from '../helpers/pg.ts';
import { tmpDir } from '../helpers/tmp.ts';
import { storeContract, transfer } from './contract.ts';
import { ORGANISATIONS } from '../../src/demo/reference-case.ts';
import { buildCaseLoadBlock } from '../../src/ingest/case-load-block.ts';
import { referenceNotices } from '../../src/ingest/load-reference-case.ts';
import { leafHash } from '../../src/ledger/merkle.ts';

const skip = (await pgUnavailable()) ?? false;
const dir = tmpDir();

if (skip) {
  describe('Store contract: PostgreSQL', { skip }, () => {
    it('runs against a real server');
  });
} else {
  storeContract('PostgreSQL', async () => PostgresStore.open(freshPgUrl('contract'), dir));
}

describe('PostgreSQL store handling', { skip }, () => {
  it('migrates a new schema once and opens it again at the same version', async () => {
    const url = freshPgUrl('migrate');
    const a = await PostgresStore.open(url, dir);
    await a.putOrganisation(CLUB);
    await a.close();
    const b = await PostgresStore.open(url, dir);
    assert.deepEqual(await b.getOrganisation('club'), CLUB);
    const r = await b.pool.query<{ value: string }>("SELECT value FROM consentry_meta WHERE key = 'schema_version'");
    assert.equal(Number(r.rows[0]!.value), PG_SCHEMA_VERSION);
    await b.close();
  });

  it('migrates links that name their transfer by id to numbered links, keeping every flag', async () => {
    const url = freshPgUrl('links_by_id');
    const a = await PostgresStore.open(url, dir);
    await a.putOrganisation(CLUB);
    const keys = [key(), key(), key()].sort((x, y) => Buffer.compare(x, y));
    await a.recordTransfer(transfer('t-old'), { keys: Buffer.concat(keys), allowed: Uint8Array.of(1, 0, 1) });
    await a.recordTransfer({ ...transfer('t-later'), decidedAt: Date.UTC(2018, 0, 1) }, { keys: Buffer.concat(keys.slice(1)), allowed: Uint8Array.of(1, 1) });
    // As version 6 kept them: a row per link, the transfer's id in every link, no numbers.
    const blocks = await a.pool.query<{ transfer: number; bucket: number; body: Buffer }>('SELECT transfer, bucket, body FROM transfer_link_blocks');
    const rows: [number, number, number, number | null][] = [];
    for (const b of blocks.rows) eachLink(b.bucket, b.body, (o, allowed, reasons) => rows.push([b.transfer, o, allowed ? 1 : 0, reasons]));
    await a.pool.query('INSERT INTO transfer_subjects SELECT * FROM unnest($1::int[], $2::int[], $3::smallint[], $4::int[])', [rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2]), rows.map((r) => r[3])]);
    await a.pool.query(`
      DROP TABLE transfer_link_blocks;
      CREATE TABLE old_links (transfer text NOT NULL, ordinal integer NOT NULL, allowed smallint NOT NULL, reasons integer, PRIMARY KEY (transfer, ordinal));
      INSERT INTO old_links SELECT t.id, s.ordinal, s.allowed, s.reasons FROM transfer_subjects s JOIN transfers t ON t.num = s.transfer;
      DROP TABLE transfer_subjects;
      ALTER TABLE old_links RENAME TO transfer_subjects;
      CREATE INDEX transfer_subjects_by_subject_with_flags ON transfer_subjects(ordinal) INCLUDE (transfer, allowed, reasons);
      ALTER TABLE transfers DROP COLUMN num;
      DROP TABLE consent_event_blocks;
      UPDATE consentry_meta SET value = '6' WHERE key = 'schema_version';`);
    await a.close();
    const b = await PostgresStore.open(url, dir);
    try {
      assert.deepEqual([...(await b.transferSubjects('t-old')).allowed], [1, 0, 1]);
      assert.deepEqual([...(await b.transferSubjects('t-later')).allowed], [1, 1]);
      assert.deepEqual((await b.subjectHistory(keys[1]!))!.transfers.map((x) => [x.transfer.id, x.allowed]), [['t-old', false], ['t-later', true]]);
      const nums = await b.pool.query<{ id: string; num: number }>('SELECT id, num FROM transfers ORDER BY num');
      assert.deepEqual(nums.rows.map((r) => [r.id, r.num]), [['t-old', 1], ['t-later', 2]]);
      // A transfer committed after the upgrade takes the next number.
      await b.recordTransfer({ ...transfer('t-new'), decidedAt: Date.UTC(2019, 0, 1) }, { keys: Buffer.concat(keys.slice(0, 1)), allowed: Uint8Array.of(1) });
      assert.deepEqual((await b.subjectHistory(keys[0]!))!.transfers.map((x) => [x.transfer.id, x.allowed]), [['t-old', true], ['t-new', true]]);
    } finally {
      await b.close();
    }
  });

  it('rolls back a bulk load whose deferred write fails, reports the failure, and loads again afterwards', async () => {
    const s = await PostgresStore.open(freshPgUrl('deferred_failure'), dir);
    try {
      const secret = new Uint8Array(32).fill(8);
      const blocks = [1, 41, 81].map((first) => buildCaseLoadBlock({ seed: 5, first, count: 40, secret }));
      // A NUL in the least event id (the text that bounds its stored block) is refused by the
      // server when the block's rows arrive, after the store has already handed back the
      // block's ordinals and gone on to the next.
      const ids = eventIdList(blocks[0]!.events.eventIds);
      const least = ids.indexOf([...ids].sort()[0]!);
      const bad = { ...blocks[0]!.events, eventIds: eventIdColumn(ids.map((id, i) => (i === least ? `${id}\u0000` : id))) };
      const orgsAndNotices = async (): Promise<void> => {
        for (const o of ORGANISATIONS) await s.putOrganisation(o);
        for (const n of referenceNotices()) await s.putNotice(n);
      };
      await assert.rejects(
        s.bulkLoad(async () => {
          await orgsAndNotices();
          await s.appendConsentColumns(bad);
          for (const b of blocks.slice(1)) await s.appendConsentColumns(b.events);
        }),
        /0x00/,
      );
      const empty = await s.stats();
      assert.deepEqual([empty.organisations, empty.consentEvents, empty.subjects, empty.ledgerLeaves], [0, 0, 0, 0]);
      const ordinals = await s.bulkLoad(async () => {
        await orgsAndNotices();
        const out: number[] = [];
        for (const b of blocks) out.push(...(await s.appendConsentColumns(b.events)).ordinals);
        return out;
      });
      assert.deepEqual(ordinals, Array.from({ length: 120 }, (_, i) => i));
      const kept = await s.pool.query<{ blocks: number; rows: number }>('SELECT (SELECT count(*) FROM consent_event_blocks)::int AS blocks, (SELECT count(*) FROM consent_events)::int AS rows');
      assert.ok(kept.rows[0]!.blocks > 0 && kept.rows[0]!.rows === 0, 'the load\'s events are in blocks');
      const st = await s.stats();
      assert.equal(st.consentEvents, blocks.reduce((n, b) => n + b.events.count, 0));
      assert.equal(st.ledgerLeaves, await s.ledger.size());
      let leaves = 0;
      for await (const batch of s.ledger.leaves(0, await s.ledger.size())) {
        for (const l of batch) assert.deepEqual(Buffer.from(leafHash(l.data)), Buffer.from(l.hash), `leaf ${l.index}`);
        leaves += batch.length;
      }
      assert.equal(leaves, st.ledgerLeaves);
    } finally {
      await s.close();
    }
  });

  it('refuses a schema written by a newer version and one holding foreign tables, leaving them as they were', async () => {
    const url = freshPgUrl('newer');
    const s = await PostgresStore.open(url, dir);
    await s.pool.query("UPDATE consentry_meta SET value = '999' WHERE key = 'schema_version'");
    await s.close();
    await assert.rejects(PostgresStore.open(url, dir), /newer Consentry \(schema 999/);

    const foreign = freshPgUrl('foreign');
    const t = parsePgUrl(foreign);
    const c = new pg.Client({ connectionString: t.connectionString, user: t.user });
    await c.connect();
    await c.query(`CREATE SCHEMA ${t.schema}`);
    await c.query(`CREATE TABLE ${t.schema}.someone_elses (x int)`);
    await assert.rejects(PostgresStore.open(foreign, dir), /holds tables but is not a Consentry store/);
    const left = await c.query('SELECT table_name FROM information_schema.tables WHERE table_schema = $1', [t.schema]);
    assert.deepEqual(left.rows.map((r) => r.table_name), ['someone_elses']);
    await c.end();
  });

  it('refuses to change or delete ledger leaves and the consent events they are rebuilt from', async () => {
    const s = await PostgresStore.open(freshPgUrl('append_only'), dir);
    await s.putOrganisation(CLUB);
    await s.putNotice(notice());
    await s.appendConsentEvents([consent(key(), { id: 'a' })]);
    await assert.rejects(s.pool.query('UPDATE ledger_leaves SET data = data'), /append-only/);
    await assert.rejects(s.pool.query('DELETE FROM ledger_leaves'), /append-only/);
    await assert.rejects(s.pool.query('TRUNCATE ledger_leaves'), /append-only/);
    await assert.rejects(s.pool.query('UPDATE consent_events SET at = at + 1'), /append-only/);
    await assert.rejects(s.pool.query('DELETE FROM consent_events'), /append-only/);
    await assert.rejects(s.pool.query('TRUNCATE consent_events'), /append-only/);
    // Runs of hashed leaves (bulk loads) likewise; a row is put in by hand to be refused changes.
    await s.pool.query("INSERT INTO ledger_hashed_leaves (first, hashes) VALUES (1000, '\\x00')");
    await assert.rejects(s.pool.query('UPDATE ledger_hashed_leaves SET hashes = hashes'), /append-only/);
    await assert.rejects(s.pool.query('DELETE FROM ledger_hashed_leaves'), /append-only/);
    await assert.rejects(s.pool.query('TRUNCATE ledger_hashed_leaves'), /append-only/);
    assert.equal(await s.ledger.size(), 3);
    await s.close();
  });

  it('names the server but never the password when it cannot connect', async () => {
    await assert.rejects(PostgresStore.open('postgres://someone:s3cret@127.0.0.1:1/none', dir), (err: Error) => {
      assert.match(err.message, /cannot connect to PostgreSQL at postgres:\/\/someone:\*\*\*@127\.0\.0\.1:1\/none/);
      assert.doesNotMatch(err.message, /s3cret/);
      return true;
    });
  });
});
