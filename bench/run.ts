/**
 * `npm run bench`: every benchmark in one run, on this machine, printed as one table with each
 * row's ratio to the reference row of its group (measured side by side, never compared across
 * runs). `--records N` sizes the reference case (default 1,065,200); `--quick` shrinks everything
 * for a smoke run; `--json FILE` also writes the rows.
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { benchDecide } from './decide.ts';
import { benchDemo } from './demo.ts';
import { benchLedger } from './ledger.ts';
import { benchLoad } from './load.ts';
import { benchLoadPostgres, withPgSchema } from './load-postgres.ts';
import { benchApi } from './api.ts';
import { benchLineage } from './lineage.ts';

interface Row {
  readonly name: string;
  readonly ms: number;
  readonly note?: string;
}

interface Group {
  readonly title: string;
  readonly rows: readonly Row[];
  /** Index of the row the others are compared with, or -1 for none. */
  readonly reference: number;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const quick = process.argv.includes('--quick');
const records = Number(arg('--records') ?? (quick ? 20_000 : 1_065_200));
if (!Number.isInteger(records) || records < 1) throw new Error('--records must be a positive whole number');

const groups: Group[] = [];
const log = (s: string): void => void process.stderr.write(`${s}\n`);

log(`benchmarks on ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}, ${records.toLocaleString('en-GB')} records`);
log('decisions…');
const decide = await benchDecide({ records });
groups.push({ title: 'Deciding T1 (keys already hashed)', rows: decide, reference: decide.findIndex((r) => r.name.startsWith('(c) engine decide, warm')) });
log('ledger…');
const ledger = await benchLedger(quick ? { quick: true } : { subjectKeys: records });
groups.push({ title: 'Ledger', rows: ledger, reference: -1 });
log('reference case files…');
const demo = await benchDemo({ records });
groups.push({ title: 'Generating the reference case', rows: demo, reference: -1 });
log('end to end through the CLI…');
const load = await benchLoad({ records });
groups.push({ title: 'End to end (CLI, real files, SQLite)', rows: load, reference: -1 });
log('end to end on PostgreSQL…');
const pgLoad = await benchLoadPostgres({ records });
// Side by side with the SQLite rows of the same run: load with load, check with check.
groups.push({
  title: 'End to end (CLI, real files): PostgreSQL beside SQLite',
  rows: pgLoad.length === 2 ? [{ ...load[0]!, name: 'SQLite: load (demo)' }, { ...pgLoad[0]!, name: 'PostgreSQL: load (demo, COPY)' }] : pgLoad,
  reference: pgLoad.length === 2 ? 0 : -1,
});
if (pgLoad.length === 2) groups.push({ title: 'Transfer check T1 from the CLI (facts snapshot): PostgreSQL beside SQLite', rows: [{ ...load[3]!, name: 'SQLite: check' }, { ...pgLoad[1]!, name: 'PostgreSQL: check' }], reference: 0 });
log('HTTP API…');
const api = await benchApi({ records, ...(quick ? { seconds: 3 } : {}) });
groups.push({ title: 'HTTP API (autocannon against a server on 127.0.0.1)', rows: api, reference: -1 });
log('HTTP API on PostgreSQL…');
const pgApi = await withPgSchema('bench_api', (url) => benchApi({ records, postgres: url, ...(quick ? { seconds: 3 } : {}) }));
groups.push({
  title: 'HTTP API: PostgreSQL beside SQLite (same load, same run)',
  rows: 'value' in pgApi ? api.flatMap((r, i) => [{ ...r, name: `SQLite: ${r.name}` }, { ...pgApi.value[i]!, name: `PostgreSQL: ${pgApi.value[i]!.name}` }]) : [{ name: 'PostgreSQL rows skipped', ms: Number.NaN, note: pgApi.skipped }],
  reference: -1,
});

// Who-has and withdrawals (issue #5): its own store of 10 M transfer-record links.
log('who-has and withdrawals…');
groups.push({ title: 'Who-has and withdrawals (SQLite; the store size is in each row)', rows: await benchLineage({ links: 10_000_000, quick }, log), reference: -1 });

const lines: string[] = [];
for (const g of groups) {
  const ref = g.reference >= 0 ? g.rows[g.reference]!.ms : Number.NaN;
  lines.push(`\n${g.title}`);
  const width = Math.max(...g.rows.map((r) => r.name.length));
  for (const r of g.rows) {
    const ratio = Number.isFinite(ref) ? `${(r.ms / ref).toFixed(1).padStart(8)}×` : '';
    lines.push(`  ${r.name.padEnd(width)}  ${r.ms >= 1000 ? `${(r.ms / 1000).toFixed(2)} s`.padStart(10) : `${r.ms.toFixed(1)} ms`.padStart(10)}${ratio}  ${r.note ?? ''}`);
  }
}
process.stdout.write(`${lines.join('\n')}\n`);
const out = arg('--json');
if (out) writeFileSync(out, `${JSON.stringify({ records, node: process.version, cpus: cpus().length, groups }, null, 2)}\n`);
