import type { Command } from 'commander';
import { withApp } from '../command-kit.ts';
import { count, table } from '../output.ts';

export function registerInit(program: Command): void {
  program
    .command('init')
    .description('create the store, its secret and keys (every other command does this on first use too)')
    .action(async (_opts: unknown, cmd: Command) => {
      process.exitCode = await withApp(cmd, async (app, out) => {
        out.result({ store: app.store.description, keyFolder: app.store.keyFolder }, () => {
          out.line(`store ready: ${app.store.description}`);
          out.line(`secret and keys in ${app.store.keyFolder} (back this folder up; keep secret.key private)`);
        });
      });
    });

  program
    .command('status')
    .description('what the store holds')
    .action(async (_opts: unknown, cmd: Command) => {
      process.exitCode = await withApp(cmd, async (app, out) => {
        const stats = await app.store.stats();
        out.result({ store: app.store.description, ...stats }, () => {
          out.line(app.store.description);
          out.line(table(Object.entries(stats).map(([k, v]) => [k, count(v)])));
        });
      });
    });
}
