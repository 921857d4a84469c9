import type { Command } from 'commander';
import { toNotice } from '../../domain/notice.ts';
import { noticeInput } from '../../domain/schemas.ts';
import { UserError } from '../../errors.ts';
import { asList, readDocument, validateDocument } from '../../ingest/read-document.ts';
import { withApp } from '../command-kit.ts';
import { table } from '../output.ts';
import { registerNoticeLint } from './notice-lint.ts';

export function registerNotice(program: Command): void {
  const notice = program.command('notice').description('publish and read privacy notices (immutable, content-hashed)');

  notice
    .command('add')
    .description('publish a notice from a JSON or YAML file (one notice or a list)')
    .argument('<file>', 'notice file')
    .action(async (file: string, _opts: unknown, cmd: Command) => {
      process.exitCode = await withApp(cmd, async (app, out) => {
        const notices = asList(readDocument(file)).map((v, i, all) => toNotice(validateDocument(all.length > 1 ? `${file}[${i}]` : file, noticeInput, v, 'notice')));
        const results: { id: string; controller: string; hash: string; result: string }[] = [];
        for (const n of notices) {
          const org = await app.store.getOrganisation(n.controller);
          if (!org) throw new UserError('unknown-organisation', `${file}: controller "${n.controller}" is not a registered organisation`, [{ where: file, field: 'controller', message: 'register it first with `consentry org add`' }]);
          for (const r of n.recipients) {
            if (!(await app.store.getOrganisation(r))) throw new UserError('unknown-organisation', `${file}: recipient "${r}" is not a registered organisation`, [{ where: file, field: 'recipients', message: 'register it first with `consentry org add`' }]);
          }
          results.push({ id: n.id, controller: n.controller, hash: n.hash, result: await app.store.putNotice(n) });
        }
        out.result(results, () => {
          for (const r of results) out.line(`${r.result === 'created' ? 'published' : 'already published'}: ${r.controller}/${r.id} sha256:${r.hash}`);
        });
      });
    });

  notice
    .command('show')
    .description('print a notice')
    .argument('<id>', 'notice id (e.g. n1) or hash')
    .requiredOption('--org <id>', 'the controller that published it')
    .action(async (id: string, opts: { org: string }, cmd: Command) => {
      process.exitCode = await withApp(cmd, async (app, out) => {
        const n = await app.store.getNotice(opts.org, id);
        if (!n) throw new UserError('not-found', `no notice "${id}" of ${opts.org}`, [{ where: id, message: 'list them with `consentry notice list`' }]);
        out.result(n, () => {
          out.line(`${n.title} (${n.controller}/${n.id}, version ${n.version}, ${n.language})`);
          out.line(`sha256:${n.hash}`);
          out.line(`effective from ${new Date(n.effectiveFrom).toISOString().slice(0, 10)}`);
          out.line(`purposes: ${n.purposes.join(', ')}`);
          out.line(`named recipients: ${n.recipients.length ? n.recipients.join(', ') : '(none)'}`);
          out.line(`recipient categories: ${n.recipientCategories.length ? n.recipientCategories.join(', ') : '(none)'}`);
          out.line(`retention: ${n.retentionDays === null ? '(not stated)' : `${n.retentionDays} days`}`);
          out.line('');
          out.line(n.text);
        });
      });
    });

  registerNoticeLint(notice);

  notice
    .command('list')
    .description('list notices')
    .option('--org <id>', 'only this controller')
    .action(async (opts: { org?: string }, cmd: Command) => {
      process.exitCode = await withApp(cmd, async (app, out) => {
        const ns = await app.store.listNotices(opts.org);
        out.result(ns, () => {
          if (ns.length === 0) return out.line('no notices published yet');
          out.line(table(ns.map((n) => [n.controller, n.id, n.version, n.language, new Date(n.effectiveFrom).toISOString().slice(0, 10), n.purposes.join(','), n.hash.slice(0, 12)]), ['controller', 'id', 'version', 'lang', 'from', 'purposes', 'hash']));
        });
      });
    });
}
