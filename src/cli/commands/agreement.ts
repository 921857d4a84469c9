import type { Command } from 'commander';
import { agreementInput } from '../../domain/schemas.ts';
import type { Agreement } from '../../domain/types.ts';
import { UserError } from '../../errors.ts';
import { asList, readDocument, validateDocument } from '../../ingest/read-document.ts';
import { withApp } from '../command-kit.ts';
import { table } from '../output.ts';

export function registerAgreement(program: Command): void {
  const agreement = program.command('agreement').description('record data-sharing agreements');

  agreement
    .command('add')
    .description('record agreements from a JSON or YAML file (one or a list)')
    .argument('<file>', 'agreement file')
    .action(async (file: string, _opts: unknown, cmd: Command) => {
      process.exitCode = await withApp(cmd, async (app, out) => {
        const items = asList(readDocument(file)).map((v, i, all) => validateDocument(all.length > 1 ? `${file}[${i}]` : file, agreementInput, v, 'agreement') as Agreement);
        const results: { id: string; result: string }[] = [];
        for (const a of items) {
          for (const [field, org] of [['from', a.from], ['to', a.to], ['onBehalfOf', a.onBehalfOf]] as const) {
            if (org !== null && !(await app.store.getOrganisation(org))) {
              throw new UserError('unknown-organisation', `${file}: ${field} "${org}" is not a registered organisation`, [{ where: file, field, message: 'register it first with `consentry org add`' }]);
            }
          }
          results.push({ id: a.id, result: await app.store.putAgreement(a) });
        }
        out.result(results, () => {
          for (const r of results) out.line(`${r.result === 'created' ? 'recorded' : 'already recorded'}: ${r.id}`);
        });
      });
    });

  agreement
    .command('list')
    .description('list agreements')
    .action(async (_opts: unknown, cmd: Command) => {
      process.exitCode = await withApp(cmd, async (app, out) => {
        const as = await app.store.listAgreements();
        out.result(as, () => {
          if (as.length === 0) return out.line('no agreements recorded yet');
          const day = (t: number | null): string => (t === null ? '' : new Date(t).toISOString().slice(0, 10));
          out.line(table(as.map((a) => [a.id, a.from, a.to, a.onBehalfOf ?? '', a.purposes.join(','), a.fields.join(','), a.dpiaRef ?? '(no DPIA)', `${day(a.validFrom)}..${day(a.validTo)}`]), ['id', 'from', 'to', 'on behalf of', 'purposes', 'fields', 'DPIA', 'valid']));
        });
      });
    });
}
