import type { Command } from 'commander';
import { organisationInput } from '../../domain/schemas.ts';
import type { Organisation } from '../../domain/types.ts';
import { issueApiKey, roleForKind } from '../../api/api-keys.ts';
import { UserError } from '../../errors.ts';
import { asList, readDocument, validateDocument } from '../../ingest/read-document.ts';
import { withApp } from '../command-kit.ts';
import { table } from '../output.ts';

export function registerOrg(program: Command): void {
  const org = program.command('org').description('register and list organisations');

  org
    .command('add')
    .description('register an organisation (from flags, or several from a JSON/YAML file)')
    .option('--id <id>', 'stable id, e.g. emmas-diary')
    .option('--name <name>', 'legal name')
    .option('--kind <kind>', 'collector | broker | political-party | processor | regulator | other')
    .option('--country <code>', 'ISO 3166-1 alpha-2 country code', 'GB')
    .option('--rights-contact <contact>', 'email or URL where rights requests are sent')
    .option('--file <file>', 'JSON or YAML file with one organisation or a list')
    .action(async (opts: Record<string, string | undefined>, cmd: Command) => {
      process.exitCode = await withApp(cmd, async (app, out) => {
        let inputs: { where: string; value: unknown }[];
        if (opts.file) {
          inputs = asList(readDocument(opts.file)).map((value, i) => ({ where: `${opts.file}[${i}]`, value }));
        } else {
          if (!opts.id || !opts.name || !opts.kind) {
            throw new UserError('missing-flags', 'give --id, --name and --kind (or --file)', [{ where: 'org add', message: 'e.g. consentry org add --id emmas-diary --name "Emma\'s Diary" --kind collector' }]);
          }
          inputs = [{ where: 'flags', value: { id: opts.id, name: opts.name, kind: opts.kind, country: opts.country, rightsContact: opts.rightsContact ?? null } }];
        }
        const orgs = inputs.map((x) => validateDocument(x.where, organisationInput, x.value, 'organisation') as Organisation);
        const results: { id: string; result: string; apiKey: { id: string; role: string; token: string } | null }[] = [];
        for (const o of orgs) {
          const result = await app.store.putOrganisation(o);
          // A new organisation gets its first API key; only its hash is stored, so it is shown once, now.
          const issued = result === 'created' ? await issueApiKey(app.store, { organisation: o.id, role: roleForKind(o.kind), label: 'first key' }) : null;
          results.push({ id: o.id, result, apiKey: issued ? { id: issued.key.id, role: issued.key.role, token: issued.token } : null });
        }
        out.result(results, () => {
          for (const r of results) {
            out.line(`${r.result === 'created' ? 'registered' : 'already registered'}: ${r.id}`);
            if (r.apiKey) out.line(`  API key (${r.apiKey.role}), shown only now: ${r.apiKey.token}`);
          }
        });
      });
    });

  org
    .command('list')
    .description('list registered organisations')
    .action(async (_opts: unknown, cmd: Command) => {
      process.exitCode = await withApp(cmd, async (app, out) => {
        const orgs = await app.store.listOrganisations();
        out.result(orgs, () => {
          if (orgs.length === 0) return out.line('no organisations registered yet (consentry org add, or consentry demo)');
          out.line(table(orgs.map((o) => [o.id, o.kind, o.country, o.name, o.rightsContact ?? '(none)']), ['id', 'kind', 'country', 'name', 'rights contact']));
        });
      });
    });
}
