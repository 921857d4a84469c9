/** The `consentry` command line: parses flags, runs one command, maps errors to exit codes. */
import { Command, CommanderError } from 'commander';
import { formatProblem, UserError } from '../errors.ts';
import { EXIT } from './command-kit.ts';
import { registerAgreement } from './commands/agreement.ts';
import { registerAudit } from './commands/audit.ts';
import { registerConsent } from './commands/consent.ts';
import { registerDataset } from './commands/dataset.ts';
import { registerDemo } from './commands/demo.ts';
import { registerDerive } from './commands/derive.ts';
import { registerRights } from './commands/rights.ts';
import { registerStart } from './commands/start.ts';
import { registerTransfer } from './commands/transfer.ts';
import { registerImport } from './commands/import.ts';
import { registerInit } from './commands/init.ts';
import { registerLedger } from './commands/ledger.ts';
import { registerLineage } from './commands/lineage.ts';
import { registerNotice } from './commands/notice.ts';
import { registerOrg } from './commands/org.ts';
import { registerTaxonomy } from './commands/purposes.ts';
import { registerServe } from './commands/serve.ts';
import { registerSignal } from './commands/signal.ts';

export function buildProgram(): Command {
  const program = new Command('consentry')
    .description('Consent-aware gateway and verifiable ledger for personal data shared between organisations')
    .version('0.1.0')
    .option('--db <path>', 'store: a SQLite file path (default ./.consentry/consentry.db, or $CONSENTRY_DB)')
    .option('--json', 'machine-readable output')
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      '\nExit codes: 0 done (a transfer: all allowed), 1 internal error, 2 bad input or usage,\n3 a transfer with some records refused, 4 a transfer with none allowed, 5 a ledger or proof that does not verify.',
    )
    .exitOverride();
  registerStart(program);
  registerInit(program);
  registerServe(program);
  registerDemo(program);
  registerOrg(program);
  registerNotice(program);
  registerDataset(program);
  registerAgreement(program);
  registerConsent(program);
  registerTransfer(program);
  registerDerive(program);
  registerRights(program);
  registerTaxonomy(program);
  registerLedger(program);
  registerSignal(program);
  registerLineage(program);
  registerImport(program);
  registerAudit(program);
  for (const c of program.commands) {
    c.exitOverride();
    for (const sub of c.commands) sub.exitOverride();
  }
  return program;
}

/** Runs the CLI; returns the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  process.exitCode = 0;
  // A reader that stops early (`… | head`) is not an error: stop quietly with the exit code so far.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(Number(process.exitCode ?? 0));
    throw err;
  });
  // A command whose promise can never settle would let the process end with exit code 0, as if
  // it had succeeded; report it as the internal error it is.
  const stalled = (): void => {
    process.stderr.write('internal error: the command stopped before it finished\n');
    process.exitCode = EXIT.internal;
  };
  process.once('beforeExit', stalled);
  try {
    await program.parseAsync([...argv]);
    return Number(process.exitCode ?? 0);
  } catch (err) {
    return reportError(err);
  } finally {
    process.off('beforeExit', stalled);
  }
}

export function reportError(err: unknown): number {
  if (err instanceof CommanderError) {
    // Commander has already printed the usage problem (or the help text).
    return err.exitCode === 0 ? EXIT.ok : EXIT.badInput;
  }
  if (err instanceof UserError) {
    process.stderr.write(`error: ${err.message}\n`);
    for (const p of err.problems) process.stderr.write(`  ${formatProblem(p)}\n`);
    return err.exitCode;
  }
  process.stderr.write(`internal error: ${(err as Error)?.stack ?? String(err)}\n`);
  return EXIT.internal;
}
