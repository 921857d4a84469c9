/** `consentry notice lint FILE`: score a notice for specificity and compare it with the ledger. */
import type { Command } from 'commander';
import { lintNotice, type LintResult } from '../../audit/notice-lint.ts';
import { loadSeenUse } from '../../audit/notice-usage.ts';
import { toNotice } from '../../domain/notice.ts';
import { noticeInput } from '../../domain/schemas.ts';
import { asList, readDocument, validateDocument } from '../../ingest/read-document.ts';
import { withApp } from '../command-kit.ts';

export function registerNoticeLint(notice: Command): void {
  notice
    .command('lint')
    .description('score a notice (JSON or YAML, as `notice add` takes) for specificity, sentence by sentence, and compare it with what the ledger shows its controller did')
    .argument('<file>', 'notice file')
    .action(async (file: string, _o: unknown, cmd: Command) => {
      process.exitCode = await withApp(cmd, async (app, out) => {
        const notices = asList(readDocument(file)).map((v, i, all) => toNotice(validateDocument(all.length > 1 ? `${file}[${i}]` : file, noticeInput, v, 'notice')));
        const results: (LintResult & { controller: string; id: string; hash: string; language: string })[] = [];
        for (const n of notices) {
          const seen = (await app.store.getOrganisation(n.controller)) ? await loadSeenUse(app.store, n.controller) : undefined;
          results.push({ controller: n.controller, id: n.id, hash: n.hash, language: n.language, ...lintNotice(n, seen) });
        }
        out.result(results.length === 1 ? results[0] : results, () => {
          for (const r of results) {
            out.line(`${r.controller}/${r.id} (${r.language}): specificity ${r.score}/100`);
            for (const f of r.findings) {
              out.line(`  [${f.level}] ${f.code}: ${f.message}`);
              if (f.sentence !== null) out.line(`      ${file} chars ${f.start}-${f.end}: "${f.sentence}"`);
            }
            const c = r.comparison;
            if (c.purposesSeenNotNamed.length > 0) out.line(`  purposes in the ledger, not in the notice: ${c.purposesSeenNotNamed.join(', ')}`);
            if (c.recipientsSeenNotNamed.length > 0) out.line(`  recipients in the ledger, not named in the notice: ${c.recipientsSeenNotNamed.join(', ')}`);
          }
        });
      });
    });
}
