/**
 * Loading and checking the reference case end to end, through the real CLI in child processes
 * (so start-up, parsing and file I/O are all counted):
 *   - loading the full case into a fresh embedded store (`consentry demo`);
 *   - importing its consent-events CSV into another store, with the peak memory of that process;
 *   - checking T1 from registrants.csv on disk to the summary and the allowed file written: once
 *     right after the load (from the facts snapshot the load leaves), then again.
 *
 *   node --import tsx bench/load.ts --records 1065200
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface Row {
  name: string;
  ms: number;
  note?: string;
}

const BIN = fileURLToPath(new URL('../bin/consentry.js', import.meta.url));

interface Timed {
  ms: number;
  maxRssMb: number;
  stdout: string;
}

/** Runs the CLI under GNU time for its peak resident memory; throws on an unexpected exit code. */
function cli(args: string[], okCodes: number[] = [0]): Timed {
  const t = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, BIN, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const ms = performance.now() - t;
  const code = r.status ?? -1;
  if (!okCodes.includes(code)) throw new Error(`consentry ${args.join(' ')} exited ${code}: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  return { ms, maxRssMb: Number(lines[lines.length - 1]) / 1024, stdout: r.stdout };
}

/**
 * The load itself in a `demo` run: its wall time less the phases after the consent events are
 * committed (the case's flow and the facts snapshot), so process start-up and the new store's
 * creation are counted; and the events phase alone.
 */
export function loadOnly(run: { ms: number; stdout: string }): { ms: number; eventsMs: number; events: number; subjects: number } {
  const j = JSON.parse(run.stdout) as { loaded: { consentEvents: number; subjects: number }; phasesMs: Record<string, number> };
  const after = (j.phasesMs.flow ?? 0) + (j.phasesMs.snapshot ?? 0);
  return { ms: run.ms - after, eventsMs: j.phasesMs.events ?? Number.NaN, events: j.loaded.consentEvents, subjects: j.loaded.subjects };
}

/** "events 11.0 s + flow 4.0 s + snapshot 0.5 s" from `demo --json` output. */
export function loadPhases(stdout: string): string {
  const p = (JSON.parse(stdout) as { phasesMs: Record<string, number> }).phasesMs;
  return Object.entries(p)
    .map(([phase, ms]) => `${phase} ${(ms / 1000).toFixed(1)} s`)
    .join(' + ');
}

export async function benchLoad(opts: { records: number }): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'consentry-bench-'));
  const n = opts.records.toLocaleString('en-GB');
  try {
    const files = join(dir, 'files');
    cli(['demo', '--records', String(opts.records), '--no-load', '--out', files, '--db', join(dir, 'unused.db')]);
    const load = cli(['demo', '--records', String(opts.records), '--db', join(dir, 'case', 'consentry.db'), '--json']);
    const fresh = join(dir, 'import', 'consentry.db');
    cli(['org', 'add', '--file', join(files, 'organisations.json'), '--db', fresh]);
    for (const n of ['n1', 'n2', 'n2-ar']) cli(['notice', 'add', join(files, 'notices', `${n}.json`), '--db', fresh]);
    const imp = cli(['consent', 'import', '--org', 'emmas-diary', join(files, 'consent-events.csv'), '--db', fresh, '--json']);
    const t1 = ['transfer', 'check', '--from', 'emmas-diary', '--to', 'experian-marketing', '--on-behalf-of', 'labour-party', '--purpose', 'political-campaign', '--fields', 'name,address,postcode,mother_dob,child_dob', '--channel', 'post'];
    // The load leaves a facts snapshot for the store as it ends, so even the first check reads
    // no consent rows back; it is timed on its own to show that.
    const checkArgs = [...t1, join(files, 'registrants.csv'), '--out', join(dir, 'allowed.csv'), '--db', join(dir, 'case', 'consentry.db'), '--json'];
    const first = cli(checkArgs, [0, 3, 4]);
    const again = [cli(checkArgs, [0, 3, 4]), cli(checkArgs, [0, 3, 4]), cli(checkArgs, [0, 3, 4])].sort((a, b) => a.ms - b.ms);
    const check = again[1]!;
    const allowed = (JSON.parse(check.stdout) as { allowed: number }).allowed;
    const only = loadOnly(load);
    return [
      { name: `load the reference case, ${n} registrants, into a new SQLite store, then replay its flow (demo)`, ms: load.ms, note: `${loadPhases(load.stdout)}; peak RSS ${load.maxRssMb.toFixed(0)} MB` },
      {
        name: `of which the load: ${only.subjects.toLocaleString('en-GB')} subjects and ${only.events.toLocaleString('en-GB')} consent events, each a ledger leaf, committed (start-up included)`,
        ms: only.ms,
        note: `events phase ${(only.eventsMs / 1000).toFixed(2)} s; target ≤ 8 s`,
      },
      { name: `import its consent-events CSV into a new store (two passes, batches of 5,000)`, ms: imp.ms, note: `peak RSS ${imp.maxRssMb.toFixed(0)} MB; target ≤ 1 GB` },
      { name: `transfer check T1 today, first after the load (the snapshot the load left)`, ms: first.ms, note: `peak RSS ${first.maxRssMb.toFixed(0)} MB` },
      { name: `transfer check T1 today, CSV on disk → summary + allowed file (median of 3, facts snapshot)`, ms: check.ms, note: `${allowed.toLocaleString('en-GB')} allowed; peak RSS ${check.maxRssMb.toFixed(0)} MB; target ≤ 3 s` },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const i = process.argv.indexOf('--records');
  const records = i > 0 ? Number(process.argv[i + 1]) : 1_065_200;
  for (const r of await benchLoad({ records })) process.stdout.write(`${(r.ms / 1000).toFixed(2).padStart(8)} s  ${r.name}  (${r.note ?? ''})\n`);
}
