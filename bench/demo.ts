/**
 * Benchmark of the reference-case generator, shaped like the bench/<area>.ts modules:
 * `benchDemo(opts)` returns rows; run alone it prints a table:
 *   node --import tsx test/demo/bench-demo.ts --records 1065200
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { summariseCase } from '../src/demo/case-summary.ts';
import { DEFAULT_RECORDS, DEFAULT_SEED } from '../src/demo/reference-case.ts';
import { generateRegistrants } from '../src/demo/registrants.ts';
import { writeCaseFiles } from '../src/demo/write-case-files.ts';
import type { CaseFilesOptions } from '../src/demo/write-case-files.ts';

export interface Row {
  readonly name: string;
  readonly ms: number;
  readonly note?: string;
}

const rate = (n: number, ms: number): string => `${Math.round(n / (ms / 1000)).toLocaleString('en-GB')}/s`;

async function timed<T>(work: () => T | Promise<T>): Promise<{ value: T; ms: number; cpuMs: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await work();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { value, ms, cpuMs: (cpu.user + cpu.system) / 1000 };
}

export async function benchDemo(opts: { readonly records?: number; readonly seed?: number } = {}): Promise<Row[]> {
  const records = opts.records ?? DEFAULT_RECORDS;
  const seed = opts.seed ?? DEFAULT_SEED;
  const rows: Row[] = [];

  const gen = await timed(() => {
    let n = 0;
    for (const r of generateRegistrants({ records, seed })) n += r.childDobs.length >= 0 ? 1 : 0;
    return n;
  });
  rows.push({ name: `generate ${records.toLocaleString('en-GB')} registrants`, ms: gen.ms, note: rate(gen.value, gen.ms) });

  const sum = await timed(() => summariseCase({ records, seed }));
  rows.push({
    name: 'registrants + consent events (in memory)',
    ms: sum.ms,
    note: `${sum.value.events.toLocaleString('en-GB')} events, ${rate(sum.value.events, sum.ms)}`,
  });

  const dir = await mkdtemp(join(tmpdir(), 'consentry-bench-demo-'));
  try {
    const runs: [string, CaseFilesOptions][] = [
      ['write case files, CSV, this thread', { workers: 0 }],
      [`write case files, CSV, ${Math.min(availableParallelism(), 4)} workers`, {}],
      ['write case files, CSV + JSONL, workers', { jsonl: true }],
    ];
    for (const [name, options] of runs) {
      const w = await timed(() => writeCaseFiles(join(dir, String(rows.length)), { records, seed, ...options }));
      const bytes = w.value.files.reduce((s, f) => s + f.bytes, 0);
      rows.push({
        name,
        ms: w.ms,
        note: `${(bytes / 1e6).toFixed(0)} MB, ${(bytes / 1e6 / (w.ms / 1000)).toFixed(0)} MB/s, process CPU (all threads) ${(w.cpuMs / 1000).toFixed(1)} s`,
      });
      await rm(join(dir, String(rows.length - 1)), { recursive: true, force: true });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return rows;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf('--records');
  const records = i > 0 ? Number(process.argv[i + 1]) : DEFAULT_RECORDS;
  const rows = await benchDemo({ records });
  console.table(rows.map((r) => ({ name: r.name, ms: Math.round(r.ms), note: r.note ?? '' })));
}
