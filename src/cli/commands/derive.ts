import type { Command } from 'commander';
import { isPurposeId } from '../../domain/purposes.ts';
import { parseTime } from '../../domain/schemas.ts';
import { UserError } from '../../errors.ts';
import { keyRecords } from '../../gateway/transfer-records.ts';
import { detectFormat } from '../../ingest/record-reader.ts';
import { registerDerivation } from '../../lineage/derive.ts';
import { withApp } from '../command-kit.ts';
import { count, table } from '../output.ts';

export function registerDerive(program: Command): void {
  program
    .command('derive')
    .description('register a dataset built from received transfers, with record-level lineage (e.g. a broker’s segment)')
    .argument('<file>', 'the records in the derived dataset (.csv or .jsonl) with identifier columns')
    .requiredOption('--org <id>', 'the organisation that built and holds it')
    .requiredOption('--id <id>', 'a stable id for the dataset, e.g. seg-106-seats')
    .requiredOption('--name <name>', 'what it is')
    .requiredOption('--purpose <purpose>', 'what it is for (must be covered by the source transfers)')
    .requiredOption('--from <transfers...>', 'committed transfer ids it was built from')
    .option('--at <time>', 'when it was built (default now)')
    .option('--format <format>', 'csv | jsonl (default: from the file name)')
    .action(async (file: string, f: { org: string; id: string; name: string; purpose: string; from: string[]; at?: string; format?: string }, cmd: Command) => {
      process.exitCode = await withApp(cmd, async (app, out) => {
        if (!isPurposeId(f.purpose)) throw new UserError('bad-purpose', `unknown purpose "${f.purpose}"`, [{ where: '--purpose', message: 'see `consentry purposes`' }]);
        if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(f.id)) throw new UserError('bad-id', `not a usable id: "${f.id}"`, [{ where: '--id', message: 'letters, digits, dot, underscore or hyphen' }]);
        const at = f.at === undefined ? Date.now() : parseTime(f.at);
        if (Number.isNaN(at)) throw new UserError('bad-time', `not a valid ISO 8601 time: ${f.at}`, [{ where: '--at', message: 'e.g. 2026-03-10' }]);
        const keyed = await keyRecords(file, detectFormat(file, f.format), [], app.keyer);
        if (keyed.unidentifiedCount > 0) throw new UserError('unidentified', `${keyed.unidentifiedCount} records in ${file} cannot be identified`, [{ where: file, message: 'every record needs an email, or name + postcode + dob' }]);
        const r = await registerDerivation(app.store, { id: f.id, controller: f.org, name: f.name, purpose: f.purpose, sources: f.from, at, keys: keyed.keys });
        out.result({ ...r.derivation, created: r.created }, () =>
          out.line(`${r.created ? 'registered' : 'already registered'}: ${r.derivation.id} of ${r.derivation.controller}, ${count(r.derivation.subjects.count)} people, from ${r.derivation.sources.join(', ')} (ledger leaf ${r.derivation.leaf})`),
        );
      });
    });

  program
    .command('derivations')
    .description('list derived datasets')
    .action(async (_o: unknown, cmd: Command) => {
      process.exitCode = await withApp(cmd, async (app, out) => {
        const ds = await app.store.listDerivations();
        out.result(ds, () => {
          if (ds.length === 0) return out.line('no derived datasets registered');
          out.line(table(ds.map((d) => [d.id, d.controller, d.name, d.purpose, count(d.subjects.count), d.sources.join(',')]), ['id', 'holder', 'name', 'purpose', 'people', 'from']));
        });
      });
    });
}
