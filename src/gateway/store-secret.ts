/**
 * The store's subject-key secret, for hashing keys in batches (key-hasher.ts) or on a worker
 * thread, when it is the secret the app's keyer was made with. Kept apart from key-hasher.ts so
 * the keying workers do not load the store's modules.
 */
import { SubjectKeyer } from '../domain/subject-key.ts';
import { loadOrCreateSecret } from '../store/secret.ts';
import type { Store } from '../store/store.ts';

const secrets = new WeakMap<SubjectKeyer, { readonly folder: string; readonly secret: Uint8Array | undefined }>();

/**
 * The store's subject-key secret when `keyer` was made with it (checked on a probe), so keys
 * can be hashed in batches or on a worker thread; undefined otherwise.
 */
export function storeSecret(store: Store, keyer: SubjectKeyer): Uint8Array | undefined {
  const known = secrets.get(keyer);
  if (known && known.folder === store.keyFolder) return known.secret;
  let secret: Uint8Array | undefined;
  try {
    const s = loadOrCreateSecret(store.keyFolder, false);
    const probe = 'probe:subject-key-secret';
    secret = Buffer.from(new SubjectKeyer(s).keyOfMaterial(probe)).equals(keyer.keyOfMaterial(probe)) ? s : undefined;
  } catch {
    secret = undefined;
  }
  secrets.set(keyer, { folder: store.keyFolder, secret });
  return secret;
}
