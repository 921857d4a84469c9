import { existsSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { UserError } from '../../errors.ts';
import { SQLITE_MIGRATIONS } from './migrations.ts';

/** Marks a SQLite file as ours ("Cons"), so a foreign database is never migrated by mistake. */
export const APPLICATION_ID = 0x436f6e73;

export const SQLITE_SCHEMA_VERSION = SQLITE_MIGRATIONS[SQLITE_MIGRATIONS.length - 1]!.version;

/**
 * Opens (creating if absent) a Consentry SQLite file and brings its schema up to date.
 * Refuses — leaving the file untouched — an empty file, a foreign database, and a store
 * written by a newer version.
 */
export function migrateSqlite(file: string): Database.Database {
  const isNew = !existsSync(file);
  if (!isNew) {
    const st = statSync(file);
    if (!st.isFile()) throw new UserError('bad-store', `${file} is not a file`, [{ where: file, message: 'point --db or CONSENTRY_DB at a store file' }]);
    if (st.size === 0) {
      throw new UserError('bad-store', `${file} is empty (0 bytes), so it is not a Consentry store`, [
        { where: file, message: 'remove the empty file to start a new store there, or point --db elsewhere' },
      ]);
    }
  }
  let db: Database.Database;
  try {
    db = new Database(file, { fileMustExist: !isNew });
    if (!isNew) db.pragma('schema_version'); // forces a read: fails here on a file that is not SQLite
  } catch (err) {
    throw new UserError('bad-store', `${file} is not a SQLite database (${(err as Error).message})`, [
      { where: file, message: 'point --db at a Consentry store, or remove the file' },
    ]);
  }
  try {
    const appId = db.pragma('application_id', { simple: true }) as number;
    const version = db.pragma('user_version', { simple: true }) as number;
    const tables = (db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number }).n;
    if (!isNew && appId !== APPLICATION_ID && tables > 0) {
      throw new UserError('bad-store', `${file} is a SQLite database but not a Consentry store`, [{ where: file, message: 'point --db at a Consentry store' }]);
    }
    if (version > SQLITE_SCHEMA_VERSION) {
      throw new UserError('store-too-new', `${file} was written by a newer Consentry (schema ${version}; this one knows up to ${SQLITE_SCHEMA_VERSION})`, [
        { where: file, message: 'upgrade Consentry to open this store; it was left unchanged' },
      ]);
    }
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('cache_size = -65536');
    db.pragma('temp_store = MEMORY');
    const pending = SQLITE_MIGRATIONS.filter((m) => m.version > version);
    if (pending.length > 0) {
      db.transaction(() => {
        for (const m of pending) db.exec(m.sql);
        db.pragma(`application_id = ${APPLICATION_ID}`);
        db.pragma(`user_version = ${SQLITE_SCHEMA_VERSION}`);
      })();
    }
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}
