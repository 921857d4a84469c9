import type { Command } from 'commander';
import { importConsents } from '../../ingest/consent-import.ts';
import { detectFormat } from '../../ingest/record-reader.ts';
import { intArg, withApp } from '../command-kit.ts';
import { count } from '../output.ts';
import { progressBar } from '../progress.ts';

export function registerConsent(program: Command): void {
  const consent = program.command('consent').description('record consent events');

  consent
    .command('import')
    .description('import consent events from CSV or JSON Lines (streaming, idempotent, resumable)')
    .argument('<file>', 'consent events file (.csv or .jsonl)')
    .requiredOption('--org <id>', 'the controller the consents were given to')
    .option('--format <format>', 'csv | jsonl (default: from the file name)')
    .option('--skip-invalid', 'store the good rows and write the bad ones to a rejects file')
    .option('--rejects <file>', 'where rejected rows go with --skip-invalid (default: FILE.rejects.jsonl)')
    .option('--batch-size <n>', 'rows per transaction', intArg('--batch-size', 1, 1_000_000), 5000)
    .action(async (file: string, opts: { org: string; format?: string; skipInvalid?: boolean; rejects?: string; batchSize: number }, cmd: Command) => {
      process.exitCode = await withApp(cmd, async (app, out) => {
        const check = progressBar('checking');
        const write = progressBar('importing');
        let phase: 'check' | 'write' = 'check';
        const summary = await importConsents({
          store: app.store,
          keyer: app.keyer,
          controller: opts.org,
          file,
          format: detectFormat(file, opts.format),
          skipInvalid: Boolean(opts.skipInvalid),
          ...(opts.rejects ? { rejectsFile: opts.rejects } : {}),
          batchSize: opts.batchSize,
          onProgress: (p, done, total) => {
            if (p === 'write' && phase === 'check') {
              check.stop();
              phase = 'write';
            }
            (p === 'check' ? check : write).update(done, total || undefined);
          },
        }).finally(() => {
          check.stop();
          write.stop();
        });
        out.result(summary, () => {
          out.line(`${summary.file}: ${count(summary.rows)} rows for ${summary.controller}`);
          out.line(`  stored     ${count(summary.inserted)} new events (${count(summary.newSubjects)} new people)`);
          out.line(`  unchanged  ${count(summary.unchanged)} already stored`);
          if (summary.resumedFromLine > 0) out.line(`  resumed after line ${count(summary.resumedFromLine)} of an interrupted import`);
          if (summary.rejected > 0) out.line(`  rejected   ${count(summary.rejected)} rows, written to ${summary.rejectsFile}`);
        });
      });
    });
}
