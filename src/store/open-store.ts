/** Composition of the storage layer: picks the implementation from the location. */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { SqliteStore } from './sqlite/sqlite-store.ts';
import type { Store } from './store.ts';

export const DEFAULT_STORE_DIR = '.consentry';
export const DEFAULT_STORE_FILE = 'consentry.db';

export interface StoreLocation {
  readonly kind: 'sqlite' | 'postgres';
  /** File path for SQLite; connection URL for PostgreSQL. */
  readonly target: string;
  /** Folder for the secret and keys. */
  readonly keyFolder: string;
}

/** `--db` wins over CONSENTRY_DB, which wins over ./.consentry/consentry.db. */
export function resolveStoreLocation(flag: string | undefined, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): StoreLocation {
  const raw = flag ?? env.CONSENTRY_DB ?? join(DEFAULT_STORE_DIR, DEFAULT_STORE_FILE);
  if (/^postgres(ql)?:\/\//.test(raw)) {
    return { kind: 'postgres', target: raw, keyFolder: resolve(cwd, env.CONSENTRY_HOME ?? DEFAULT_STORE_DIR) };
  }
  let file = resolve(cwd, raw);
  if (existsSync(file) && statSync(file).isDirectory()) file = join(file, DEFAULT_STORE_FILE);
  return { kind: 'sqlite', target: file, keyFolder: dirname(file) };
}

export async function openStore(loc: StoreLocation, env: NodeJS.ProcessEnv = process.env): Promise<Store> {
  mkdirSync(loc.keyFolder, { recursive: true });
  if (loc.kind === 'postgres') {
    // Loaded only when asked for: pg and its COPY streams cost every other command start-up time.
    const { PostgresStore } = await import('./postgres/postgres-store.ts');
    return PostgresStore.open(loc.target, loc.keyFolder, env);
  }
  return SqliteStore.open(loc.target, loc.keyFolder);
}
