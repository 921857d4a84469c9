/**
 * Connecting to PostgreSQL from a `postgres://` URL. Our own query parameter `schema=NAME`
 * places the store in that schema (created if missing), so one database can hold several
 * stores (tests, staging); everything else in the URL is pg's.
 */
import { userInfo } from 'node:os';
import pg from 'pg';
import { UserError } from '../../errors.ts';

export interface PgTarget {
  /** Connection string without our own parameters. */
  readonly connectionString: string;
  readonly schema: string;
  readonly user: string;
  /** Safe to print: no password. */
  readonly redacted: string;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function parsePgUrl(url: string, env: NodeJS.ProcessEnv = process.env): PgTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UserError('bad-store', 'the PostgreSQL URL cannot be parsed', [{ where: 'CONSENTRY_DB', message: 'use postgres://[user[:password]@]host[:port]/database[?schema=name]' }]);
  }
  const schema = u.searchParams.get('schema') ?? 'public';
  if (!SCHEMA_NAME.test(schema)) {
    throw new UserError('bad-store', `schema "${schema}" is not a plain lowercase identifier`, [{ where: 'CONSENTRY_DB', field: 'schema', message: 'use letters, digits and _ (e.g. ?schema=consentry)' }]);
  }
  u.searchParams.delete('schema');
  // pg falls back to $USER, which is unset in some service managers and CI runners.
  const user = decodeURIComponent(u.username) || env.PGUSER || env.USER || userInfo().username;
  if (!u.username) u.username = encodeURIComponent(user);
  const redactedUrl = new URL(u.toString());
  if (!url.includes('@')) redactedUrl.username = '';
  if (redactedUrl.password) redactedUrl.password = '***';
  if (schema !== 'public') redactedUrl.searchParams.set('schema', schema);
  return { connectionString: u.toString(), schema, user, redacted: redactedUrl.toString() };
}

/** Epoch milliseconds and leaf indexes are int8: parse them as numbers (exact below 2^53). */
const types = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') => {
    if (oid === 20 && format !== 'binary') return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format as 'text');
  },
} as pg.CustomTypesConfig;

export function createPool(t: PgTarget, max = 8): pg.Pool {
  return new pg.Pool({
    connectionString: t.connectionString,
    user: t.user,
    max,
    types,
    connectionTimeoutMillis: 5000,
    options: `-c search_path=${t.schema}`,
  });
}

/** A connection failure as the user error it is, naming the server but never the password. */
export function unreachable(t: PgTarget, err: unknown): UserError {
  return new UserError('store-unreachable', `cannot connect to PostgreSQL at ${t.redacted} (${(err as Error).message})`, [
    { where: 'CONSENTRY_DB', message: 'check that the server runs and the URL, user and database are right' },
  ]);
}
