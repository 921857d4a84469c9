import type { Command } from 'commander';
import { datasetInput } from '../../domain/schemas.ts';
import type { Dataset } from '../../domain/types.ts';
import { UserError } from '../../errors.ts';
import { asList, readDocument, validateDocument } from '../../ingest/read-document.ts';
import { withApp } from '../command-kit.ts';
import { table } from '../output.ts';

export function registerDataset(program: Command): void {
  const dataset = program.command('dataset').description('declare what an organisation holds: datasets and their fields, tagged with data categories');

  dataset
    .command('add')
    .description('declare datasets from a JSON or YAML file (one or a list)')
    .argument('<file>', 'dataset file')
    .action(async (file: string, _o: unknown, cmd: Command) => {
      process.exitCode = await withApp(cmd, async (app, out) => {
        const items = asList(readDocument(file)).map((v, i, all) => validateDocument(all.length > 1 ? `${file}[${i}]` : file, datasetInput, v, 'dataset') as Dataset);
        const results: { controller: string; id: string; result: string }[] = [];
        for (const d of items) {
          if (!(await app.store.getOrganisation(d.controller))) {
            throw new UserError('unknown-organisation', `${file}: controller "${d.controller}" is not a registered organisation`, [{ where: file, field: 'controller', message: 'register it first with `consentry org add`' }]);
          }
          results.push({ controller: d.controller, id: d.id, result: await app.store.putDataset(d) });
        }
        out.result(results, () => {
          for (const r of results) out.line(`${r.result === 'created' ? 'declared' : 'already declared'}: ${r.controller}/${r.id}`);
        });
      });
    });

  dataset
    .command('list')
    .description('list declared datasets')
    .option('--org <id>', 'only this controller')
    .action(async (o: { org?: string }, cmd: Command) => {
      process.exitCode = await withApp(cmd, async (app, out) => {
        const ds = await app.store.listDatasets(o.org);
        out.result(ds, () => {
          if (ds.length === 0) return out.line('no datasets declared yet');
          out.line(table(ds.map((d) => [d.controller, d.id, d.name, d.fields.map((f) => `${f.name}:${f.category}`).join(', ')]), ['controller', 'id', 'name', 'fields (name:category)']));
        });
      });
    });
}
