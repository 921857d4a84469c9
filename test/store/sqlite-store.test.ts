import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { SQLITE_SCHEMA_VERSION } from '../../src/store/sqlite/sqlite-migrate.ts';
import { tmpDir } from '../helpers/tmp.ts';
import { CLUB, consent, key, notice } from '../helpers/fixtures.ts';
import { storeContract } from './contract.ts';

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

  it('opens in WAL mode at the current schema version', async () => {
    const s = SqliteStore.open(join(dir, 'wal.db'), dir);
    assert.equal(s.db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(s.db.pragma('user_version', { simple: true }), SQLITE_SCHEMA_VERSION);
    await s.close();
  });
});
