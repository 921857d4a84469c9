import type { Command } from 'commander';
import type { App } from '../../app.ts';
import { DEFAULT_RECORDS, DEFAULT_SEED } from '../../demo/reference-case.ts';
import { MAX_RECORDS } from '../../demo/registrants.ts';
import { writeCaseFiles } from '../../demo/write-case-files.ts';
import { UserError } from '../../errors.ts';
import { loadReferenceCase, type LoadCaseSummary, type LoadPhase } from '../../ingest/load-reference-case.ts';
import { loadOrCreateSecret } from '../../store/secret.ts';
import { intArg, withApp } from '../command-kit.ts';
import { count, type Out } from '../output.ts';
import { progressBar } from '../progress.ts';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description("build the reference case (Emma's Diary → Experian → Labour, 2017) in the store")
    .option('--records <n>', 'number of registrants', intArg('--records', 1, MAX_RECORDS), DEFAULT_RECORDS)
    .option('--seed <s>', 'seed of the synthetic data (same seed, same data)', intArg('--seed', 0), DEFAULT_SEED)
    .option('--out <dir>', 'also write the files a user would handle (notices, consent events, registrants.csv)')
    .option('--no-load', 'only write the files (with --out); leave the store alone')
    .action(async (opts: { records: number; seed: number; out?: string; load: boolean }, cmd: Command) => {
      process.exitCode = await withApp(cmd, async (app, out) => {
        if (!opts.load && !opts.out) throw new UserError('nothing-to-do', '--no-load needs --out', [{ where: '--no-load', message: 'give --out DIR to write the files' }]);
        let files: unknown = null;
        if (opts.out) {
          const bar = progressBar('writing');
          files = await writeCaseFiles(opts.out, { records: opts.records, seed: opts.seed, onProgress: (p) => bar.update(p.done, p.total) }).finally(() => bar.stop());
          if (!out.json) out.line(`wrote the reference case files to ${opts.out}`);
        }
        let loaded: LoadCaseSummary | null = null;
        let phasesMs: Record<LoadPhase, number> | null = null;
        if (opts.load) {
          if ((await app.store.stats()).consentEvents > 0) {
            throw new UserError('store-not-empty', `${app.store.description} already holds consent events`, [
              { where: '--db', message: 'build the demo in an empty store: pass --db with a new path (or --no-load to only write files)' },
            ]);
          }
          ({ loaded, phasesMs } = await loadDemo(app, opts.records, opts.seed));
        }
        out.result({ loaded, files, phasesMs }, () => {
          if (loaded && phasesMs) printLoaded(out, loaded, phasesMs);
        });
      });
    });
}

/** Loads the reference case with a progress bar; also says how long each phase took (milliseconds). */
export async function loadDemo(app: App, records: number, seed: number): Promise<{ loaded: LoadCaseSummary; phasesMs: Record<LoadPhase, number> }> {
  const bar = progressBar('loading');
  const phasesMs: Record<LoadPhase, number> = { events: 0, flow: 0, snapshot: 0 };
  try {
    const secret = loadOrCreateSecret(app.store.keyFolder, false);
    const loaded = await loadReferenceCase({
      store: app.store,
      secret,
      records,
      seed,
      onProgress: (d, t) => bar.update(d, t),
      onPhase: (phase, ms) => (phasesMs[phase] = Math.round(ms)),
    });
    return { loaded, phasesMs };
  } finally {
    bar.stop();
  }
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

export function printLoaded(out: Out, s: LoadCaseSummary, phasesMs: Record<LoadPhase, number>): void {
  const p = phasesMs;
  out.line(`reference case loaded (seed ${s.seed}) in ${seconds(p.events + p.flow + p.snapshot)}: ${count(s.records)} registrants of emmas-diary`);
  out.line(`  consent events, subjects and leaves ${seconds(p.events)} · the flow below ${seconds(p.flow)} · the facts snapshot ${seconds(p.snapshot)}`);
  out.line(`  ${count(s.consentEvents)} consent events, ${s.organisations} organisations, ${s.notices} notices, ${s.agreements} agreements`);
  const f = s.flow;
  out.line(`  T1 on 5 May 2017 (${f.t1.id}): ${count(f.t1.allowed)} allowed, ${count(f.t1.refused)} refused`);
  out.line(`  the same transfer under notice n2 and dsa-2026 (${f.t2026.id}): ${count(f.t2026.allowed)} allowed, ${count(f.t2026.refused)} refused`);
  out.line(`  the broker's segment ${f.segment.id}: ${count(f.segment.people)} people`);
  out.line(`  ${f.withdrawals} withdrawals and ${f.gpcObjections} GPC objection passed to the broker and the party (${f.acknowledged} acknowledged by the broker)`);
}
