import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { UserError } from '../../errors.ts';
import { importConsents } from '../../ingest/consent-import.ts';
import { detectFormat } from '../../ingest/record-reader.ts';
import { encodeVerifierKey, parseVerifierKey, verifierKeyOf, type VerifierKey } from '../../ledger/signing-key.ts';
import { exportConsents, exportContext, findEvent, standardRecord } from '../../standards/consent-export.ts';
import { importAdapter, STANDARD_IMPORT_FORMATS, type StandardImportFormat } from '../../standards/import-adapters.ts';
import { RECEIPT_FORMATS, signReceipt, verifyReceipt, type ReceiptFormat } from '../../standards/receipts.ts';
import { EXIT, flagsOf, intArg, withApp } from '../command-kit.ts';
import { count, makeOut } from '../output.ts';
import { progressBar } from '../progress.ts';

/** Exit code of `consent verify-receipt` when the receipt does not verify (as `ledger verify`). */
const EXIT_RECEIPT_INVALID = 5;

const isStandard = (f: string | undefined): f is StandardImportFormat => (STANDARD_IMPORT_FORMATS as readonly string[]).includes(f ?? '');

function receiptFormat(f: string | undefined, flag: string): ReceiptFormat {
  const v = f ?? 'kantara';
  if (!(RECEIPT_FORMATS as readonly string[]).includes(v)) throw new UserError('bad-format', `${flag} must be ${RECEIPT_FORMATS.join(' or ')}`, [{ where: flag, message: `got "${v}"` }]);
  return v as ReceiptFormat;
}

function readJson(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new UserError('not-found', `cannot read ${file}`, [{ where: file, message: 'check the path' }]);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UserError('bad-json', `${file} is not JSON: ${(err as Error).message}`, [{ where: file, message: `give ${what}` }]);
  }
}

function readKeyFile(file: string): VerifierKey {
  try {
    return parseVerifierKey(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UserError('bad-key', `cannot read a public key from ${file}: ${(err as Error).message}`, [{ where: '--public-key', message: "give the ledger's .vkey file" }]);
  }
}

export function registerConsent(program: Command): void {
  const consent = program.command('consent').description('record consent events');

  consent
    .command('import')
    .description('import consent events from CSV or JSON Lines, or standard records (streaming, idempotent, resumable)')
    .argument('<file>', 'consent events file (.csv or .jsonl)')
    .requiredOption('--org <id>', 'the controller the consents were given to')
    .option('--format <format>', 'csv | jsonl (default: from the file name) | 27560 | kantara (JSON Lines) | tcf | gpp (CSV with event_id, identifiers and tc_string / gpp_string); docs/standards.md')
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
          ...(isStandard(opts.format) ? { format: 'jsonl' as const, adapter: importAdapter(opts.format) } : { format: detectFormat(file, opts.format) }),
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
          const unmapped = Object.entries(summary.unmapped ?? {});
          if (unmapped.length > 0) {
            out.line(`  not mapped (kept as evidence, not imported as purposes or fields):`);
            for (const [k, n] of unmapped) out.line(`    ${k}  (${count(n)} record${n === 1 ? '' : 's'})`);
          }
        });
      });
    });

  consent
    .command('export')
    .description("write an organisation's consent events as ISO/IEC TS 27560 records or Kantara v1.1 receipts (JSON Lines)")
    .requiredOption('--org <id>', 'the controller')
    .requiredOption('--format <format>', '27560 | kantara')
    .option('--out <file>', 'output file (default: standard output)')
    .action(async (o: { org: string; format: string; out?: string }, cmd: Command) => {
      process.exitCode = await withApp(cmd, async (app) => {
        const format = receiptFormat(o.format, '--format');
        const n = await exportConsents(app.store, o.org, format, o.out ?? null);
        // Without --out, standard output holds the records and nothing else.
        if (o.out) makeOut(Boolean(flagsOf(cmd).json)).result({ file: o.out, format, records: n }, () => process.stdout.write(`exported ${count(n)} consent events of ${o.org} as ${format} to ${o.out}\n`));
      });
    });

  consent
    .command('receipt')
    .description('issue a receipt for one consent event, signed with the ledger key')
    .argument('<event-id>', 'the event id (event_id as imported)')
    .requiredOption('--org <id>', 'the controller')
    .option('--format <format>', 'kantara | 27560', 'kantara')
    .option('--out <file>', 'write the receipt here (default: standard output)')
    .action(async (eventId: string, o: { org: string; format?: string; out?: string }, cmd: Command) => {
      process.exitCode = await withApp(cmd, async (app, out) => {
        const format = receiptFormat(o.format, '--format');
        const ctx = await exportContext(app.store, o.org);
        const { event, leaf } = await findEvent(app.store, o.org, eventId);
        const key = app.signingKey();
        const signed = signReceipt(format, standardRecord(format, event, ctx, encodeVerifierKey(verifierKeyOf(key))), leaf, key, Date.now());
        const text = `${JSON.stringify(signed, null, 2)}\n`;
        if (o.out) {
          writeFileSync(o.out, text);
          out.result({ file: o.out, format, event: eventId, ledgerLeaf: leaf }, () => out.line(`receipt for ${o.org}/${eventId} (${format}) signed by ${key.name}, written to ${o.out}`));
        } else process.stdout.write(text);
      });
    });

  consent
    .command('verify-receipt')
    .description('check a signed receipt offline (exit 5 when it does not verify)')
    .argument('<file>', 'a receipt from `consent receipt`')
    .option('--public-key <file>', "the ledger's public key (.vkey) to trust; without it, the key named in the receipt")
    .action((file: string, o: { publicKey?: string }, cmd: Command) => {
      const out = makeOut(Boolean(flagsOf(cmd).json));
      const r = verifyReceipt(readJson(file, 'a receipt printed by `consentry consent receipt`'), o.publicKey ? readKeyFile(o.publicKey) : undefined);
      out.result(r, () => {
        if (!r.ok) return out.line(`FAILED: ${r.error}`);
        out.line(`verified: signed by ${r.keyName}`);
        if (!r.trustedKey) out.line('note: checked against the key named in the receipt; pass --public-key to check against a key you trust');
      });
      process.exitCode = r.ok ? EXIT.ok : EXIT_RECEIPT_INVALID;
    });
}
