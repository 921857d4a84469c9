import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ORG_KINDS, type OrgKind } from '../../domain/types.ts';
import { UserError } from '../../errors.ts';
import { planFidesManifest } from '../../standards/fides-manifest.ts';
import { withApp } from '../command-kit.ts';
import { table } from '../output.ts';

function readText(file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(readFileSync(file));
  } catch (err) {
    const msg = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'not valid UTF-8';
    throw new UserError('unreadable', `cannot read ${file}: ${msg}`, [{ where: file, message: msg }]);
  }
}

export function registerImport(program: Command): void {
  const imp = program.command('import').description('bring in data maps from other tools');
  imp
    .command('fides')
    .description('read a Fides (fideslang) YAML manifest: organisations, datasets and fields with our categories; systems’ declared uses as our purposes; unmapped keys listed')
    .argument('<file>', 'fideslang manifest (.yml)')
    .option('--org <id>', 'the organisation the datasets and systems belong to (default: from organization_fides_key, or the only organization)')
    .option('--kind <kind>', `kind of organisations created from organization: entries (${ORG_KINDS.join(', ')})`, 'collector')
    .option('--country <cc>', 'their country (ISO 3166-1 alpha-2)', 'GB')
    .option('--dry-run', 'show what would be imported; store nothing')
    .action(async (file: string, o: { org?: string; kind: string; country: string; dryRun?: boolean }, cmd: Command) => {
      if (!(ORG_KINDS as readonly string[]).includes(o.kind)) throw new UserError('bad-kind', `--kind must be one of ${ORG_KINDS.join(', ')}`, [{ where: '--kind', message: `got "${o.kind}"` }]);
      if (!/^[A-Z]{2}$/.test(o.country)) throw new UserError('bad-country', '--country must be an ISO 3166-1 alpha-2 code such as GB', [{ where: '--country', message: `got "${o.country}"` }]);
      const r = planFidesManifest(readText(file), { org: o.org, kind: o.kind as OrgKind, country: o.country });
      if (!r.ok) {
        throw new UserError('invalid-manifest', `${file} cannot be imported; nothing was stored`, r.problems.map((p) => ({ where: `${file}:${p.line}`, field: p.field, message: p.message })));
      }
      const plan = r.plan;
      process.exitCode = await withApp(cmd, async (app, out) => {
        const inManifest = new Set(plan.organisations.map((x) => x.id));
        const controllers = new Set([...plan.datasets.map((d) => d.controller), ...plan.systems.map((s) => s.controller)]);
        // Check everything before writing anything.
        for (const c of controllers) {
          if (!inManifest.has(c) && !(await app.store.getOrganisation(c))) throw new UserError('unknown-organisation', `organisation "${c}" is not registered`, [{ where: '--org', message: 'register it with `consentry org add`, or list it under organization: in the manifest' }]);
        }
        const organisations: { id: string; result: string }[] = [];
        const datasets: { controller: string; id: string; result: string }[] = [];
        for (const org of plan.organisations) {
          const existing = await app.store.getOrganisation(org.id);
          // An organisation registered already keeps its details: a data map does not redefine it.
          organisations.push({ id: org.id, result: existing ? 'exists' : o.dryRun ? 'would create' : await app.store.putOrganisation(org) });
        }
        for (const d of plan.datasets) datasets.push({ controller: d.controller, id: d.id, result: o.dryRun ? ((await app.store.getDataset(d.controller, d.id)) ? 'exists' : 'would create') : await app.store.putDataset(d) });
        const result = { file, dryRun: Boolean(o.dryRun), organisations, datasets: plan.datasets.map((d, i) => ({ ...d, result: datasets[i]!.result })), systems: plan.systems, skippedDatasets: plan.skippedDatasets, unmapped: plan.unmapped };
        out.result(result, () => {
          out.line(`${file}${o.dryRun ? ' (dry run: nothing stored)' : ''}`);
          for (const x of organisations) out.line(`  organisation ${x.id}: ${x.result}`);
          for (const d of result.datasets) out.line(`  dataset ${d.controller}/${d.id}: ${d.result} (${d.fields.map((f) => `${f.name}:${f.category}`).join(', ')})`);
          for (const s of plan.systems) for (const p of s.declarations) out.line(`  system ${s.controller}/${s.id}: ${p.name}: ${p.dataUse} → ${p.purpose ?? '(no purpose of ours)'}; categories ${p.categories.join(', ') || '(none of ours)'}`);
          for (const k of plan.skippedDatasets) out.line(`  dataset ${k}: skipped (no field maps to a category of ours)`);
          if (plan.unmapped.length > 0) {
            out.line('not mapped (listed, not imported):');
            out.line(table(plan.unmapped.map((u) => [u.kind, u.key, u.where.join('; ')]), ['kind', 'key', 'where']));
          }
        });
      });
    });
}
