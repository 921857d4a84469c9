/** The flags that identify one person (--email, or --name + --postcode + --dob) and their key. */
import type { Command } from 'commander';
import type { App } from '../app.ts';
import { identifierMaterial } from '../domain/identifiers.ts';
import { UserError } from '../errors.ts';

export interface PersonFlags {
  email?: string;
  name?: string;
  postcode?: string;
  dob?: string;
}

export function withPersonFlags(c: Command): Command {
  return c
    .option('--email <email>', "the person's email address")
    .option('--name <name>', "the person's name (with --postcode and --dob, for paper registrations)")
    .option('--postcode <postcode>', "the person's postcode")
    .option('--dob <date>', "the person's date of birth (YYYY-MM-DD)");
}

/** The person's subject key; identifiers are normalised and hashed here and never stored or printed. */
export function personKey(app: App, f: PersonFlags): Uint8Array {
  const m = identifierMaterial({ email: f.email, name: f.name, postcode: f.postcode, dob: f.dob });
  if (!m.ok) throw new UserError('bad-identifiers', `cannot identify the person: ${m.field}: ${m.message}`, [{ where: `--${m.field.split(',')[0]}`, message: m.message }]);
  return app.keyer.keyOfMaterial(m.material);
}
