import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.ts';

export const SECRET_FILE = 'secret.key';

/**
 * The deployment secret under which subject keys are computed. Created once, readable only by
 * its owner; losing it makes every stored subject key unreachable, so it is never replaced.
 */
export function loadOrCreateSecret(folder: string, mayCreate: boolean): Uint8Array {
  const file = join(folder, SECRET_FILE);
  if (existsSync(file)) {
    const hex = readFileSync(file, 'utf8').trim();
    if (!/^[0-9a-f]{64,}$/.test(hex)) {
      throw new UserError('bad-secret', `${file} does not hold a valid secret`, [{ where: file, message: 'restore the secret from your backup' }]);
    }
    return Buffer.from(hex, 'hex');
  }
  if (!mayCreate) {
    throw new UserError('missing-secret', `the store has subjects but ${file} is missing`, [
      { where: file, message: 'restore the secret from your backup; without it no stored subject can be found again' },
    ]);
  }
  mkdirSync(folder, { recursive: true });
  const secret = randomBytes(32);
  writeFileSync(file, `${secret.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return secret;
}
