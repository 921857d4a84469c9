/**
 * The real PostgreSQL server for tests: CONSENTRY_TEST_PG, or 127.0.0.1:5432 database `test`
 * (trust authentication, as on CI). Each store gets its own schema, dropped when the file ends.
 * Where no server answers, PostgreSQL tests are skipped with the reason printed, never passed;
 * with CONSENTRY_REQUIRE_PG=1 (set by CI) they fail instead.
 */
import { after } from 'node:test';
import pg from 'pg';
import { parsePgUrl } from '../../src/store/postgres/pg-connection.ts';

export const PG_TEST_URL = process.env.CONSENTRY_TEST_PG ?? 'postgres://127.0.0.1:5432/test';

let probed: Promise<string | null> | null = null;

/** null when the server answers; otherwise why PostgreSQL tests cannot run. */
export function pgUnavailable(): Promise<string | null> {
  probed ??= (async () => {
    const t = parsePgUrl(PG_TEST_URL);
    const c = new pg.Client({ connectionString: t.connectionString, user: t.user, connectionTimeoutMillis: 2000 });
    try {
      await c.connect();
      await c.query('SELECT 1');
      return null;
    } catch (err) {
      const reason = `PostgreSQL not reachable at ${t.redacted} (${(err as Error).message}); set CONSENTRY_TEST_PG to run these tests`;
      if (process.env.CONSENTRY_REQUIRE_PG === '1') throw new Error(`${reason} (CONSENTRY_REQUIRE_PG=1 makes this a failure)`);
      return reason;
    } finally {
      await c.end().catch(() => undefined);
    }
  })();
  return probed;
}

let n = 0;
const created: string[] = [];
// Registered when the file is loaded, so it runs when the whole test file ends (an after()
// called inside a hook or test would run when that hook or test ends).
after(dropSchemas);

/** A URL for a store in a schema of its own, dropped after the test file. */
export function freshPgUrl(label = 't'): string {
  const schema = `${label}_${process.pid}_${Date.now().toString(36)}_${n++}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  created.push(schema);
  const u = new URL(PG_TEST_URL);
  u.searchParams.set('schema', schema);
  return u.toString();
}

async function dropSchemas(): Promise<void> {
  if (created.length === 0) return;
  const t = parsePgUrl(PG_TEST_URL);
  const c = new pg.Client({ connectionString: t.connectionString, user: t.user });
  try {
    await c.connect();
    for (const s of created.splice(0)) await c.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
  } finally {
    await c.end().catch(() => undefined);
  }
}
