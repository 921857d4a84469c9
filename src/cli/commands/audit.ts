/** `consentry audit`: findings over the recorded history, reviews of organisations, evidence packs. */
import { writeFileSync, renameSync } from 'node:fs';
import type { Command } from 'commander';
import { stringify } from 'csv-stringify/sync';
import type { App } from '../../app.ts';
import { writeEvidencePack } from '../../audit/evidence-pack.ts';
import { auditJson, runAudit, type AuditFilter, type AuditResult } from '../../audit/findings.ts';
import { renderReviewHtml } from '../../audit/html-report.ts';
import { reviewOrganisations } from '../../audit/review.ts';
import { findingJson } from '../../audit/findings.ts';
import { parseTime } from '../../domain/schemas.ts';
import { ORG_KINDS } from '../../domain/types.ts';
import { UserError } from '../../errors.ts';
import { encodeVerifierKey, verifierKeyOf } from '../../ledger/signing-key.ts';
import { withApp } from '../command-kit.ts';
import { count, table, type Out } from '../output.ts';

interface FilterFlags {
  org?: string | undefined;
  kind?: string | undefined;
  since?: string | undefined;
  at?: string | undefined;
}

function time(raw: string, flag: string): number {
  const t = parseTime(raw);
  if (Number.isNaN(t)) throw new UserError('bad-time', `not a valid ISO 8601 time: ${raw}`, [{ where: flag, message: 'e.g. 2017-05-05 or 2026-04-01T09:00:00Z' }]);
  return t;
}

async function audit(app: App, f: FilterFlags): Promise<AuditResult> {
  if (f.kind !== undefined && !(ORG_KINDS as readonly string[]).includes(f.kind)) {
    throw new UserError('bad-kind', `unknown organisation kind "${f.kind}"`, [{ where: '--kind', message: `one of ${ORG_KINDS.join(', ')}` }]);
  }
  if (f.org !== undefined && !(await app.store.getOrganisation(f.org))) {
    throw new UserError('unknown-organisation', `unknown organisation "${f.org}"`, [{ where: '--org', message: 'list them with `consentry org list`' }]);
  }
  const filter: AuditFilter = { org: f.org, kind: f.kind, since: f.since === undefined ? undefined : time(f.since, '--since') };
  return runAudit(app.store, { now: f.at === undefined ? Date.now() : time(f.at, '--at'), filter });
}

/** Writes beside the target and renames, so a failure never leaves half a file. */
function writeAtomically(file: string, text: string): void {
  const tmp = `${file}.partial`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

const withFilters = (c: Command): Command =>
  c
    .option('--org <id>', 'only findings naming this organisation')
    .option('--kind <kind>', `only findings naming an organisation of this kind (${ORG_KINDS.join(', ')})`)
    .option('--since <time>', 'only findings whose last time is at or after this (ISO 8601)')
    .option('--at <time>', 'audit as of this time: deadlines and retention are judged then (default now)');

export function registerAudit(program: Command): void {
  const cmd = withFilters(
    program
      .command('audit')
      .description('run every rule over the recorded history: findings with citations, affected people and ledger evidence')
      .option('--format <format>', 'table | json | csv | html (default table)')
      .option('--out <file>', 'write the report to FILE instead of standard output'),
  ).action(async (f: FilterFlags & { format?: string; out?: string }, c: Command) => {
    process.exitCode = await withApp(c, async (app, out) => {
      const format = out.json ? 'json' : (f.format ?? 'table');
      if (!['table', 'json', 'csv', 'html'].includes(format)) throw new UserError('bad-format', `unknown format "${format}"`, [{ where: '--format', message: 'table, json, csv or html' }]);
      const r = await audit(app, f);
      let text: string;
      if (format === 'json') text = `${JSON.stringify(auditJson(r), null, 2)}\n`;
      else if (format === 'csv') text = findingsCsv(r);
      else if (format === 'html') {
        const ids = [...new Set(r.findings.flatMap((x) => x.organisations))].sort();
        text = renderReviewHtml({ title: 'Consentry audit', generatedAt: r.generatedAt, treeSize: r.treeSize, reviews: await reviewOrganisations(app.store, ids, r.findings) });
      } else text = findingsTable(r);
      emit(out, f.out, text, `${r.findings.length} findings`);
    });
  });

  withFilters(
    cmd
      .command('review')
      .description('a review of organisations (e.g. --kind political-party): sources, recipients, purposes, volumes, findings, notice quality')
      .option('--format <format>', 'html | json (default html)')
      .option('--out <file>', 'write the review to FILE instead of standard output'),
  ).action(async (own: FilterFlags & { format?: string; out?: string }, c: Command) => {
    const f = merged(own, c);
    process.exitCode = await withApp(c, async (app, out) => {
      const format = out.json ? 'json' : (f.format ?? 'html');
      if (!['html', 'json'].includes(format)) throw new UserError('bad-format', `unknown format "${format}"`, [{ where: '--format', message: 'html or json' }]);
      const r = await audit(app, { ...f, org: undefined, kind: undefined });
      const orgs = (await app.store.listOrganisations()).filter((o) => (f.org === undefined || o.id === f.org) && (f.kind === undefined || o.kind === f.kind));
      if (f.org !== undefined && orgs.length === 0) throw new UserError('unknown-organisation', `unknown organisation "${f.org}"`, [{ where: '--org', message: 'list them with `consentry org list`' }]);
      const reviews = await reviewOrganisations(app.store, orgs.map((o) => o.id), r.findings);
      const title = f.kind ? `Review of every ${f.kind}` : f.org ? `Review of ${f.org}` : 'Review of every organisation';
      const text =
        format === 'json'
          ? `${JSON.stringify({ title, generatedAt: new Date(r.generatedAt).toISOString(), treeSize: r.treeSize, reviews: reviews.map((x) => ({ ...x, findings: x.findings.map(findingJson) })) }, null, 2)}\n`
          : renderReviewHtml({ title, generatedAt: r.generatedAt, treeSize: r.treeSize, reviews });
      emit(out, f.out, text, `${reviews.length} organisations reviewed`);
    });
  });

  withFilters(
    cmd
      .command('pack')
      .description('write an evidence pack (a folder): findings, the ledger leaves they rest on with proofs, tree heads, notices, README')
      .argument('<dir>', 'folder to create'),
  ).action(async (dir: string, own: FilterFlags, c: Command) => {
    const f = merged(own, c);
    process.exitCode = await withApp(c, async (app, out) => {
      const head = await app.seal();
      const heads = await app.store.ledger.treeHeads();
      const latest = head ?? heads[heads.length - 1];
      if (!latest) throw new UserError('empty-ledger', 'the ledger is empty: there is nothing to prove', [{ where: app.store.description, message: 'record something first' }]);
      const r = await audit(app, f);
      const summary = await writeEvidencePack(app.store, r, dir, { publicKey: encodeVerifierKey(verifierKeyOf(app.signingKey())), head: latest });
      out.result(summary, () => {
        out.line(`evidence pack written to ${dir}: ${summary.findings} findings, ${summary.proofs} ledger leaves with proofs, ${summary.notices} notices (tree size ${count(summary.treeSize)})`);
        out.line(`check it with: consentry ledger verify ${dir} --public-key <the log's .vkey>`);
      });
    });
  });
}

/**
 * `audit review --kind K`: commander may hand a flag that both `audit` and its subcommand
 * declare to either of them, so the subcommand reads both (its own win).
 */
function merged<T extends object>(own: T, c: Command): T {
  const mine = Object.fromEntries(Object.entries(own).filter(([, v]) => v !== undefined));
  return { ...(c.parent?.opts() ?? {}), ...mine } as T;
}

function emit(out: Out, file: string | undefined, text: string, what: string): void {
  if (file === undefined) return void process.stdout.write(text);
  writeAtomically(file, text);
  if (!out.json) out.line(`${what}; written to ${file}`);
}

function findingsCsv(r: AuditResult): string {
  const rows = r.findings.map((f) => {
    const j = findingJson(f);
    return [j.id, j.rule, j.level, j.citation, j.organisations.join(';'), j.affected, j.first, j.last, j.evidence.map((e) => e.leaf).join(';'), j.message];
  });
  return stringify(rows, { header: true, columns: ['id', 'rule', 'level', 'citation', 'organisations', 'affected', 'first', 'last', 'leaves', 'message'] });
}

function findingsTable(r: AuditResult): string {
  if (r.findings.length === 0) return `no findings (ledger of ${count(r.treeSize)} leaves)\n`;
  const day = (t: number): string => new Date(t).toISOString().slice(0, 10);
  const lines = [
    `${r.findings.length} findings over a ledger of ${count(r.treeSize)} leaves, as of ${new Date(r.generatedAt).toISOString()}`,
    '',
    table(
      r.findings.map((f) => [f.level, f.rule, f.organisations.join(','), f.affected, f.first === f.last ? day(f.first) : `${day(f.first)}..${day(f.last)}`, f.evidence.map((e) => e.leaf).join(',')]),
      ['level', 'rule', 'organisations', 'people', 'when', 'leaves'],
    ),
    '',
    ...r.findings.map((f) => `[${f.level}] ${f.rule} — ${f.citation}\n    ${f.message}`),
  ];
  return `${lines.join('\n')}\n`;
}
