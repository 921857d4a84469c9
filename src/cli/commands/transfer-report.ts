/** `consentry transfer report`: record a transfer that was made, through the gateway or outside it. */
import type { Command } from 'commander';
import { reportTransfer } from '../../audit/transfer-report.ts';
import { parseTransferRequest } from '../../gateway/transfer-request.ts';
import { keyRecords } from '../../gateway/transfer-records.ts';
import { detectFormat } from '../../ingest/record-reader.ts';
import { UserError } from '../../errors.ts';
import { intArg, withApp } from '../command-kit.ts';
import { count } from '../output.ts';

interface ReportFlags {
  from: string;
  to: string;
  onBehalfOf?: string;
  purpose: string;
  fields: string;
  at: string;
  count?: number;
  format?: string;
}

export function registerTransferReport(transfer: Command): void {
  transfer
    .command('report')
    .description('record a transfer that was made (with or without a check), for audits; FILE is hashed into subject keys and never stored')
    .argument('[file]', 'the records that were sent (.csv or .jsonl) with identifier columns')
    .requiredOption('--from <org>', 'the organisation that sent them')
    .requiredOption('--to <org>', 'the recipient')
    .option('--on-behalf-of <org>', 'the end client the recipient acts for')
    .requiredOption('--purpose <purpose>', 'purpose id (see `consentry purposes`)')
    .requiredOption('--fields <list>', 'comma-separated columns that were sent')
    .requiredOption('--at <time>', 'when the records were sent (ISO 8601)')
    .option('--count <n>', 'the number of records sent, when no FILE is given', intArg('--count', 1))
    .option('--format <format>', 'csv | jsonl (default: from the file name)')
    .action(async (file: string | undefined, f: ReportFlags, cmd: Command) => {
      process.exitCode = await withApp(cmd, async (app, out) => {
        if ((file === undefined) === (f.count === undefined)) {
          throw new UserError('invalid-report', 'give either the FILE of records sent or --count', [{ where: file ?? '--count', message: 'a file names the people (the audit can then say whose records went); a count only says how many' }]);
        }
        const fields = f.fields.split(',').map((s) => s.trim()).filter((s) => s !== '');
        const request = await parseTransferRequest({ from: f.from, to: f.to, onBehalfOf: f.onBehalfOf ?? null, purpose: f.purpose, fields, at: f.at }, app.store, Date.now(), 'flags');
        let keys: Uint8Array | undefined;
        let n = f.count;
        if (file !== undefined) {
          const keyed = await keyRecords(file, detectFormat(file, f.format), fields, app.keyer);
          const picked = new Uint8Array(keyed.count * 32);
          let m = 0;
          for (let i = 0; i < keyed.count; i++) if (!keyed.unidentified[i]) picked.set(keyed.keys.subarray(i * 32, i * 32 + 32), m++ * 32);
          keys = picked.subarray(0, m * 32);
          n = keyed.count;
        }
        const { report, created } = await reportTransfer(app.store, { request, reportedBy: null, count: n, keys }, Date.now());
        out.result({ ...report, created }, () => {
          out.line(`${created ? 'Reported' : 'Already reported'} as ${report.id} (ledger leaf ${report.leaf}): ${count(report.count)} records ${report.request.from} → ${report.request.to}${report.request.onBehalfOf ? ` for ${report.request.onBehalfOf}` : ''}, ${report.request.purpose}, sent ${new Date(report.request.at).toISOString()}`);
          if (report.subjects) out.line(`${count(report.subjects.count)} people named; subjects root ${report.subjects.root.slice(0, 16)}…`);
          out.line('`consentry audit` compares it with the decisions');
        });
      });
    });
}
