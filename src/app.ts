/**
 * The composition root: the only place that builds the collaborators (store, subject keyer,
 * ledger signing key) and wires them together. Commands and, later, the HTTP server receive an App.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SubjectKeyer } from './domain/subject-key.ts';
import { UserError } from './errors.ts';
import type { TreeHead } from './ledger/ledger-storage.ts';
import { createSigningKey, loadSigningKey, PRIVATE_KEY_FILE, type SigningKey } from './ledger/signing-key.ts';
import { openStore, resolveStoreLocation, type StoreLocation } from './store/open-store.ts';
import { loadOrCreateSecret, SECRET_FILE } from './store/secret.ts';
import type { Store } from './store/store.ts';

export interface App {
  readonly location: StoreLocation;
  readonly store: Store;
  readonly keyer: SubjectKeyer;
  /** The key that signs this store's tree heads (created with the store). */
  signingKey(): SigningKey;
  /** Signs a tree head when the ledger has grown since the last one. */
  seal(): Promise<TreeHead | null>;
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
    // A missing secret may be created only for a store without subjects; counting them (slow on
    // a large store) is needed only then.
    const hasSecret = existsSync(join(store.keyFolder, SECRET_FILE));
    const keyer = new SubjectKeyer(loadOrCreateSecret(store.keyFolder, hasSecret || (await store.stats()).subjects === 0));
    const hasHeads = (await store.ledger.treeHeads()).length > 0;
    if (!existsSync(join(store.keyFolder, PRIVATE_KEY_FILE))) {
      if (hasHeads) {
        throw new UserError('missing-key', `the ledger has signed tree heads but ${join(store.keyFolder, PRIVATE_KEY_FILE)} is missing`, [
          { where: store.keyFolder, message: 'restore the signing key from your backup; verification with the public key still works' },
        ]);
      }
      createSigningKey(store.keyFolder);
    }
    let key: SigningKey | null = null;
    const signingKey = (): SigningKey => (key ??= loadSigningKey(store.keyFolder));
    return {
      location,
      store,
      keyer,
      signingKey,
      async seal() {
        const heads = await store.ledger.treeHeads();
        const size = await store.ledger.size();
        const last = heads[heads.length - 1];
        if (size === 0 || (last !== undefined && last.size === size)) return null;
        return store.ledger.signTreeHead(signingKey());
      },
      close: () => store.close(),
    };
  } catch (err) {
    await store.close();
    throw err;
  }
}
