import type { Command } from 'commander';
import { OBJECTION_SCOPES } from '../../domain/types.ts';
import { isPurposeId } from '../../domain/purposes.ts';
import { parseTime } from '../../domain/schemas.ts';
import { UserError } from '../../errors.ts';
import { requestRights } from '../../lineage/rights.ts';
import { whoHas } from '../../lineage/who-has.ts';
import type { RightsKind } from '../../store/store.ts';
import { withApp } from '../command-kit.ts';
import { personKey, withPersonFlags, type PersonFlags } from '../identify.ts';
import { table, type Out } from '../output.ts';

const day = (iso: string): string => iso.slice(0, 10);

function timeFlag(raw: string | undefined, now: number): number {
  if (raw === undefined) return now;
  const t = parseTime(raw);
  if (Number.isNaN(t)) throw new UserError('bad-time', `not a valid ISO 8601 time: ${raw}`, [{ where: '--at', message: 'e.g. 2026-04-01 or 2026-04-01T09:00:00Z' }]);
  return t;
}

export function registerRights(program: Command): void {
  withPersonFlags(
    program
      .command('who-has')
      .description('who holds this person’s data, since when, for what, under which notice — with ledger proofs (Art 15)')
      .option('--no-proofs', 'leave the ledger proofs out'),
  ).action(async (f: PersonFlags & { proofs: boolean }, cmd: Command) => {
    process.exitCode = await withApp(cmd, async (app, out) => {
      const answer = await whoHas(app.store, personKey(app, f), { proofs: f.proofs });
      out.result(answer, () => printWhoHas(out, answer));
    });
  });

  const kinds: { kind: RightsKind; description: string }[] = [
    { kind: 'withdraw', description: 'withdraw consent (all purposes in force, or --purpose); passed to every downstream holder' },
    { kind: 'object', description: 'object to processing (Art 21; --scope direct-marketing | sale-sharing | all; --gpc for a Global Privacy Control signal)' },
    { kind: 'erase', description: 'ask for erasure (Art 17); passed to every downstream holder' },
    { kind: 'rectify', description: 'ask for rectification (Art 16) with --note; passed to every downstream holder' },
  ];
  for (const { kind, description } of kinds) {
    const c = withPersonFlags(program.command(kind).description(description))
      .requiredOption('--org <id>', 'the organisation the request is made to (the one that collected the data)')
      .option('--at <time>', 'when the request was made (default now)');
    if (kind === 'withdraw') c.option('--purpose <ids...>', 'purposes withdrawn (default: every purpose with consent in force)');
    if (kind === 'object') c.option('--scope <scope>', `${OBJECTION_SCOPES.join(' | ')}`).option('--gpc', 'the objection came as a Global Privacy Control signal (objection to sale and sharing)');
    if (kind === 'rectify') c.requiredOption('--note <text>', 'what is wrong (kept with the request; do not put identifiers in it)');
    c.action(async (f: PersonFlags & { org: string; at?: string; purpose?: string[]; scope?: string; gpc?: boolean; note?: string }, cmd: Command) => {
      process.exitCode = await withApp(cmd, async (app, out) => {
        if (!(await app.store.getOrganisation(f.org))) throw new UserError('unknown-organisation', `unknown organisation "${f.org}"`, [{ where: '--org', message: 'see `consentry org list`' }]);
        for (const p of f.purpose ?? []) if (!isPurposeId(p)) throw new UserError('bad-purpose', `unknown purpose "${p}"`, [{ where: '--purpose', message: 'see `consentry purposes`' }]);
        const scope = kind === 'withdraw' ? (f.purpose ?? []) : kind === 'object' ? (f.gpc ? ['sale-sharing'] : f.scope ? [f.scope] : []) : [];
        if (kind === 'object' && f.scope && !(OBJECTION_SCOPES as readonly string[]).includes(f.scope)) {
          throw new UserError('bad-scope', `unknown objection scope "${f.scope}"`, [{ where: '--scope', message: OBJECTION_SCOPES.join(' | ') }]);
        }
        const outcome = await requestRights(app.store, {
          kind,
          controller: f.org,
          subject: personKey(app, f),
          at: timeFlag(f.at, Date.now()),
          scope,
          source: f.gpc ? 'gpc' : 'request',
          note: f.note ?? null,
        });
        out.result(outcome.found ? { found: true, created: outcome.created, request: outcome.request.id, kind, scope: outcome.request.scope, passedTo: outcome.passedTo.map((p) => ({ holder: p.holder, due: new Date(p.due).toISOString() })) } : { found: false, message: 'no records' }, () => {
          if (!outcome.found) return out.line(`no records about this person at ${f.org}`);
          out.line(`${outcome.created ? 'recorded' : 'already recorded'}: ${kind} request ${outcome.request.id}${outcome.request.scope.length ? ` (${outcome.request.scope.join(', ')})` : ''}`);
          if (outcome.passedTo.length === 0) out.line('no downstream holder to pass it to');
          for (const p of outcome.passedTo) out.line(`  passed to ${p.holder}, to acknowledge by ${day(new Date(p.due).toISOString())}`);
        });
      });
    });
  }

  const rights = program.command('rights').description('rights requests passed downstream, and their acknowledgements');

  rights
    .command('list')
    .description('notices to downstream holders: pending, acknowledged, overdue')
    .option('--org <id>', 'only notices this organisation must acknowledge')
    .option('--controller <id>', 'only requests made to this organisation')
    .option('--overdue', 'only the overdue ones')
    .option('--at <time>', 'judge deadlines at this time (default now)')
    .action(async (f: { org?: string; controller?: string; overdue?: boolean; at?: string }, cmd: Command) => {
      process.exitCode = await withApp(cmd, async (app, out) => {
        const now = timeFlag(f.at, Date.now());
        const notices = (await app.store.listRightsNotices({ ...(f.org ? { holder: f.org } : {}), ...(f.controller ? { controller: f.controller } : {}) })).map((n) => ({
          ...n,
          status: n.acknowledgedAt !== null ? (n.acknowledgedAt > n.due ? 'acknowledged late' : 'acknowledged') : now > n.due ? 'overdue' : 'pending',
        }));
        const shown = f.overdue ? notices.filter((n) => n.status === 'overdue') : notices;
        out.result(
          shown.map((n) => ({ ...n, at: new Date(n.at).toISOString(), due: new Date(n.due).toISOString(), acknowledgedAt: n.acknowledgedAt === null ? null : new Date(n.acknowledgedAt).toISOString() })),
          () => {
            if (shown.length === 0) return out.line('no rights notices');
            out.line(table(shown.map((n) => [n.request, n.kind, n.controller, n.holder, day(new Date(n.at).toISOString()), day(new Date(n.due).toISOString()), n.status]), ['request', 'kind', 'made to', 'holder', 'made', 'due', 'status']));
          },
        );
      });
    });

  rights
    .command('ack')
    .description('acknowledge, as a downstream holder, a rights request passed to you')
    .requiredOption('--org <id>', 'your organisation (the holder)')
    .requiredOption('--request <id>', 'the request id (see `rights list --org …`)')
    .option('--at <time>', 'when it was acted on (default now)')
    .action(async (f: { org: string; request: string; at?: string }, cmd: Command) => {
      process.exitCode = await withApp(cmd, async (app, out) => {
        const r = await app.store.acknowledgeRights(f.request, f.org, timeFlag(f.at, Date.now()));
        if (r === 'not-yours') {
          throw new UserError('not-yours', `${f.org} holds no notice for request "${f.request}"`, [{ where: '--request', message: 'acknowledge only requests passed to your organisation (`consentry rights list --org …`)' }]);
        }
        out.result({ request: f.request, holder: f.org, result: r }, () => out.line(`${r === 'created' ? 'acknowledged' : 'already acknowledged'}: ${f.request} by ${f.org}`));
      });
    });
}

function printWhoHas(out: Out, a: Awaited<ReturnType<typeof whoHas>>): void {
  if (!a.found) return out.line('no records');
  for (const c of a.collectedBy) {
    out.line(`Collected by ${c.organisation.name} (${c.organisation.id}) since ${day(c.since)}`);
    for (const e of c.consents) {
      out.line(`  ${day(e.at)}  ${e.status.padEnd(20)} ${e.purposes.join(', ')}${e.recipients.length ? ` → ${e.recipients.join(', ')}` : ''}${e.notice ? `  (notice ${e.notice.id} v${e.notice.version}, ${e.notice.language})` : ''}`);
    }
  }
  if (a.heldBy.length > 0) {
    out.line('\nHeld by');
    for (const h of a.heldBy) out.line(`  ${h.organisation.name} (${h.organisation.id}) since ${day(h.since)} — ${h.via}${h.transfer ? ` ${h.transfer.id}, ${h.transfer.purpose}, fields ${h.transfer.fields.join(', ')}` : ''}${h.derivation ? ` "${h.derivation.name}" (${h.derivation.purpose})` : ''}`);
  }
  if (a.transfers.length > 0) {
    out.line('\nTransfers that named you');
    for (const t of a.transfers) out.line(`  ${day(t.at)}  ${t.from} → ${t.to}${t.onBehalfOf ? ` for ${t.onBehalfOf}` : ''}, ${t.purpose}: ${t.decision.toUpperCase()}${t.reasons.length ? ` (${t.reasons.join(', ')})` : ''}  [${t.id}]`);
  }
  if (a.rights.length > 0) {
    out.line('\nYour requests');
    for (const r of a.rights) out.line(`  ${day(r.at)}  ${r.kind} to ${r.controller}${r.scope.length ? ` (${r.scope.join(', ')})` : ''}  [${r.id}]`);
  }
  out.line('\nEvery entry above has a ledger proof: add --json to see them, check with `consentry ledger verify-proof`.');
}
