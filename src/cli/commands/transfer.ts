import type { Command } from 'commander';
import type { App } from '../../app.ts';
import { checkTransfer } from '../../gateway/transfer-check.ts';
import { commitTransfer } from '../../gateway/transfer-commit.ts';
import { decisionJson } from '../../gateway/decision-json.ts';
import { loadFacts } from '../../gateway/load-facts.ts';
import { parseTransferRequest } from '../../gateway/transfer-request.ts';
import { detectFormat } from '../../ingest/record-reader.ts';
import type { Decision } from '../../policy/decision.ts';
import { BUILTIN_PACKS, loadBuiltinPack, loadPack, type BuiltinPackName } from '../../policy/pack-loader.ts';
import type { RulePack } from '../../policy/rule-pack.ts';
import { EXIT, withApp } from '../command-kit.ts';
import { registerTransferReport } from './transfer-report.ts';
import { count, table, type Out } from '../output.ts';
import { progressBar } from '../progress.ts';

export function resolvePack(name: string): RulePack {
  return name in BUILTIN_PACKS ? loadBuiltinPack(name as BuiltinPackName) : loadPack(name);
}

interface CheckFlags {
  from: string;
  to: string;
  onBehalfOf?: string;
  purpose: string;
  fields: string;
  channel: string;
  at?: string;
  basis: string;
  tpsScreened?: boolean;
  pack: string;
  format?: string;
  out?: string;
  refused?: string;
}

export function registerTransfer(program: Command): void {
  const transfer = program.command('transfer').description('decide transfers before records leave');

  const withRequestFlags = (c: Command): Command =>
    c
      .argument('<file>', 'records about to be sent (.csv or .jsonl) with identifier columns')
      .requiredOption('--from <org>', 'the organisation sending')
      .requiredOption('--to <org>', 'the recipient')
      .option('--on-behalf-of <org>', 'the end client the recipient acts for')
      .requiredOption('--purpose <purpose>', 'purpose id (see `consentry purposes`)')
      .requiredOption('--fields <list>', 'comma-separated columns being sent, e.g. name,address,postcode')
      .option('--channel <channel>', 'post | email | sms | phone | none', 'none')
      .option('--at <time>', 'judge consent as it stood at this time (ISO 8601; default now)')
      .option('--basis <basis>', 'consent | legitimate-interest | contract | legal-obligation', 'consent')
      .option('--tps-screened', 'phone numbers were screened against the Telephone Preference Service')
      .option('--pack <pack>', 'rule pack: uk, eu, or a pack file', 'uk')
      .option('--format <format>', 'csv | jsonl (default: from the file name)')
      .option('--out <file>', 'write the allowed records (only the fields that may be sent)')
      .option('--refused <file>', 'write the refused records with their reasons')
      .addHelpText('after', '\nExit codes: 0 all allowed, 3 some refused, 4 none allowed, 2 bad input.');

  withRequestFlags(transfer.command('check').description('decide record by record whether the records in FILE may be sent (nothing is stored)')).action(
    async (file: string, f: CheckFlags, cmd: Command) => {
      process.exitCode = await withApp(cmd, async (app, out) => runCheck(app, out, file, f, false));
    },
  );

  withRequestFlags(
    transfer
      .command('commit')
      .description('decide as `check` does, then record the decision in the ledger with commitments to its subjects (idempotent)'),
  ).action(async (file: string, f: CheckFlags, cmd: Command) => {
    process.exitCode = await withApp(cmd, async (app, out) => runCheck(app, out, file, f, true));
  });

  registerTransferReport(transfer);

  transfer
    .command('list')
    .description('committed transfers')
    .action(async (_o: unknown, cmd: Command) => {
      process.exitCode = await withApp(cmd, async (app, out) => {
        const ts = await app.store.listTransfers();
        out.result(ts, () => {
          if (ts.length === 0) return out.line('no transfers committed yet (consentry transfer commit)');
          out.line(
            table(
              ts.map((t) => [t.id, new Date(t.request.at).toISOString().slice(0, 10), `${t.request.from} → ${t.request.to}`, t.request.onBehalfOf ?? '', t.request.purpose, count(t.requested), count(t.allowed), t.leaf]),
              ['id', 'date', 'flow', 'on behalf of', 'purpose', 'requested', 'allowed', 'leaf'],
            ),
          );
        });
      });
    });
}

async function runCheck(app: App, out: Out, file: string, f: CheckFlags, commit: boolean): Promise<number> {
  const pack = resolvePack(f.pack);
  const request = await parseTransferRequest(
    {
      from: f.from,
      to: f.to,
      onBehalfOf: f.onBehalfOf ?? null,
      purpose: f.purpose,
      channel: f.channel,
      fields: f.fields.split(',').map((s) => s.trim()).filter((s) => s !== ''),
      ...(f.at ? { at: f.at } : {}),
      basis: f.basis,
      tpsScreened: Boolean(f.tpsScreened),
    },
    app.store,
    Date.now(),
    'flags',
  );
  const format = detectFormat(file, f.format);
  const bar = progressBar('checking');
  const result = await checkTransfer({
    store: app.store,
    keyer: app.keyer,
    // Loaded while a worker thread starts keying the file.
    facts: () => loadFacts(app.store),
    pack,
    request,
    file,
    format,
    allowedOut: f.out,
    refusedOut: f.refused,
    onProgress: (_p, n, total) => bar.update(n, total || undefined),
  }).finally(() => bar.stop());
  const d = result.decision;
  const committed = commit ? await commitTransfer(app.store, result, Date.now()) : null;
  const json = decisionJson(d, result.unidentified);
  if (committed) json.transfer = { id: committed.transfer.id, leaf: committed.transfer.leaf, created: committed.created, subjects: committed.transfer.subjects, allowedSubjects: committed.transfer.allowedSubjects };
  out.result(json, () => {
    printDecision(out, d, result.unidentified, f);
    if (committed) {
      const t = committed.transfer;
      out.line(`\n${committed.created ? 'Committed' : 'Already committed'} as ${t.id} (ledger leaf ${t.leaf}); subjects root ${t.subjects.root.slice(0, 16)}…, allowed root ${t.allowedSubjects.root.slice(0, 16)}…`);
    }
  });
  return d.requested === 0 || d.allowed === 0 ? EXIT.noneAllowed : d.refused > 0 ? EXIT.someRefused : EXIT.ok;
}


function printDecision(out: Out, d: Decision, unidentified: number, f: CheckFlags): void {
  const r = d.request;
  out.line(`Transfer ${r.from} → ${r.to}${r.onBehalfOf ? ` on behalf of ${r.onBehalfOf}` : ''}, purpose ${r.purpose}, channel ${r.channel}, at ${new Date(r.at).toISOString()}`);
  out.line(`Rule pack ${d.pack.id} ${d.pack.version}`);
  out.line('');
  out.line(table([
    ['requested', count(d.requested)],
    ['allowed', count(d.allowed)],
    ['refused', count(d.refused)],
    ...(unidentified > 0 ? [['unidentified (refused)', count(unidentified)]] : []),
  ]));
  if (Object.keys(d.reasons).length > 0) {
    out.line('');
    out.line('Refused records by reason:');
    out.line(table(Object.entries(d.reasons).map(([code, n]) => [`  ${code}`, count(n)])));
  }
  if (Object.keys(d.warnings).length > 0) {
    out.line('');
    out.line('Warnings on records:');
    out.line(table(Object.entries(d.warnings).map(([code, n]) => [`  ${code}`, count(n)])));
  }
  const transferFindings = d.findings;
  if (transferFindings.length > 0) {
    out.line('');
    out.line('Findings:');
    for (const x of transferFindings) {
      // Record-level findings already open with their count.
      const affected = /^\d/.test(x.message) ? '' : `, ${count(x.affected)} records`;
      out.line(`  [${x.level}] ${x.rule} (${x.code}${affected}): ${x.message}\n         ${x.citation}`);
    }
  }
  if (d.fields.stripped.length > 0) out.line(`\nFields stripped (not needed): ${d.fields.stripped.join(', ')}; sent: ${d.fields.sent.join(', ') || '(none)'}`);
  if (f.out) out.line(`\nAllowed records written to ${f.out}`);
  if (f.refused) out.line(`Refused records written to ${f.refused}`);
}
