/**
 * The composition root: the only place that builds the collaborators (store, subject keyer)
 * and wires them together. Commands and, later, the HTTP server receive an App.
 */
import { SubjectKeyer } from './domain/subject-key.ts';
import { openStore, resolveStoreLocation, type StoreLocation } from './store/open-store.ts';
import { loadOrCreateSecret } from './store/secret.ts';
import type { Store } from './store/store.ts';

export interface App {
  readonly location: StoreLocation;
  readonly store: Store;
  readonly keyer: SubjectKeyer;
  close(): Promise<void>;
}

export interface AppOptions {
  /** --db flag; falls back to CONSENTRY_DB, then ./.consentry/consentry.db. */
  readonly db?: string | undefined;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

export async function openApp(opts: AppOptions = {}): Promise<App> {
  const location = resolveStoreLocation(opts.db, opts.env ?? process.env, opts.cwd ?? process.cwd());
  const store = await openStore(location);
  try {
    const hasSubjects = (await store.stats()).subjects > 0;
    const keyer = new SubjectKeyer(loadOrCreateSecret(store.keyFolder, !hasSubjects));
    return { location, store, keyer, close: () => store.close() };
  } catch (err) {
    await store.close();
    throw err;
  }
}
