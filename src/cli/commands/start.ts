import type { Command } from 'commander';
import { DEFAULT_RECORDS, DEFAULT_SEED } from '../../demo/reference-case.ts';
import { MAX_RECORDS } from '../../demo/registrants.ts';
import { intArg, withApp } from '../command-kit.ts';
import { count, table } from '../output.ts';
import { loadDemo, printLoaded } from './demo.ts';
import { addServeOptions, serveApp, type ServeOptions } from './serve.ts';

export function registerStart(program: Command): void {
  addServeOptions(
    program
      .command('start')
      .description('the main job: open (or create) the store, load the reference case if it is empty, report, then serve the API')
      .option('--records <n>', 'size of the reference case loaded into an empty store', intArg('--records', 1, MAX_RECORDS), DEFAULT_RECORDS)
      .option('--no-serve', 'stop after the report instead of serving the API'),
  ).action(async (opts: { records: number; serve: boolean } & ServeOptions, cmd: Command) => {
    process.exitCode = await withApp(cmd, async (app, out) => {
      const before = await app.store.stats();
      const demo = before.consentEvents === 0 ? await loadDemo(app, opts.records, DEFAULT_SEED) : null;
      const stats = await app.store.stats();
      out.result({ store: app.store.description, loaded: demo?.loaded ?? null, stats, phasesMs: demo?.phasesMs ?? null }, () => {
        out.line(`Consentry store: ${app.store.description}`);
        if (demo) printLoaded(out, demo.loaded, demo.phasesMs);
        out.line(table(Object.entries(stats).map(([k, v]) => [k, count(v)])));
        out.line('');
        out.line('Next: consentry org list · consentry notice show n1 --org emmas-diary · consentry --help');
      });
      // The summary is printed and the load committed before the API starts.
      if (opts.serve) await serveApp(app, out, opts);
    });
  });
}
