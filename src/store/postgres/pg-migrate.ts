/**
 * Brings a PostgreSQL schema up to date, under an advisory lock so that several nodes starting
 * at once migrate it exactly once. Refuses a schema written by a newer Consentry, and one that
 * holds other tables, leaving both untouched.
 */
import type pg from 'pg';
import { UserError } from '../../errors.ts';
import { PG_MIGRATIONS } from './pg-migrations.ts';

export const PG_SCHEMA_VERSION = PG_MIGRATIONS[PG_MIGRATIONS.length - 1]!.version;
/** Advisory lock keys: one for migrations, one serialising every write that appends to the log. */
export const MIGRATE_LOCK = 0x436f6e00;
export const LEDGER_LOCK = 0x436f6e01;

export async function migratePg(client: pg.PoolClient, schema: string, where: string): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATE_LOCK]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    const tables = await client.query<{ table_name: string }>('SELECT table_name FROM information_schema.tables WHERE table_schema = $1', [schema]);
    const names = new Set(tables.rows.map((r) => r.table_name));
    let version = 0;
    if (names.has('consentry_meta')) {
      const r = await client.query<{ value: string }>("SELECT value FROM consentry_meta WHERE key = 'schema_version'");
      version = Number(r.rows[0]?.value ?? 0);
    } else if (names.size > 0) {
      throw new UserError('bad-store', `schema "${schema}" of ${where} holds tables but is not a Consentry store`, [
        { where: 'CONSENTRY_DB', message: 'choose an empty schema with ?schema=NAME (it is created when missing)' },
      ]);
    }
    if (version > PG_SCHEMA_VERSION) {
      throw new UserError('store-too-new', `${where} was written by a newer Consentry (schema ${version}; this one knows up to ${PG_SCHEMA_VERSION})`, [
        { where: 'CONSENTRY_DB', message: 'upgrade Consentry to open this store; it was left unchanged' },
      ]);
    }
    if (version === 0) await client.query("CREATE TABLE consentry_meta (key text PRIMARY KEY, value text NOT NULL)");
    for (const m of PG_MIGRATIONS.filter((x) => x.version > version)) await client.query(m.sql);
    await client.query(
      "INSERT INTO consentry_meta (key, value) VALUES ('schema_version', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      [String(PG_SCHEMA_VERSION)],
    );
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  }
}
