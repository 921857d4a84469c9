/** Writes the reference case to a folder: organisations, notices, agreements, registrants and consent events. */
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { caseBlocks } from './case-block.ts';
import type { EncodedBlock } from './case-block.ts';
import { CONSENT_EVENTS_CSV_HEADER, REGISTRANTS_CSV_HEADER } from './case-lines.ts';
import { caseReadme } from './case-readme.ts';
import { CaseTally } from './case-summary.ts';
import type { CaseSummary } from './case-summary.ts';
import { encodeBlocksInWorkers, encodeBlocksInline } from './encode-blocks.ts';
import { AGREEMENTS, DATASETS, DEFAULT_RECORDS, DEFAULT_SEED, NOTICES, ORGANISATIONS } from './reference-case.ts';
import { MAX_RECORDS } from './registrants.ts';
import { assertSeed } from './rng.ts';
import { StagedFileWriter } from './staged-file-writer.ts';

export interface CaseProgress {
  /** Registrants written so far. */
  readonly done: number;
  readonly total: number;
  readonly events: number;
}

export interface CaseFilesOptions {
  readonly records?: number;
  readonly seed?: number;
  /** Also write consent-events.jsonl. */
  readonly jsonl?: boolean;
  /**
   * Worker threads encoding blocks in parallel; 0 encodes in this thread. Default: one per core
   * (at most 4) for large runs, none for small ones. The bytes written do not depend on it.
   */
  readonly workers?: number;
  /** Registrants per unit of work (default 16,384). The bytes written do not depend on it. */
  readonly blockSize?: number;
  /** Called after each block is written. */
  readonly onProgress?: (progress: CaseProgress) => void;
}

export interface CaseFile {
  /** Relative to the case folder, with `/` separators. */
  readonly path: string;
  readonly bytes: number;
}

export interface WrittenCase extends CaseSummary {
  readonly files: readonly CaseFile[];
}

export const DEFAULT_BLOCK_SIZE = 16_384;
/** Below this many registrants, starting workers costs more than it saves. */
const WORKERS_FROM = 100_000;

function defaultWorkers(records: number): number {
  const cores = availableParallelism();
  return records >= WORKERS_FROM && cores > 1 ? Math.min(cores, 4) : 0;
}

async function writeJson(dir: string, path: string, value: unknown): Promise<CaseFile> {
  const text = `${JSON.stringify(value, null, 2)}\n`;
  await writeFile(join(dir, path), text, 'utf8');
  return { path, bytes: Buffer.byteLength(text) };
}

/**
 * Writes the case files into `dir` (created if missing) and returns the exact counts.
 * The large files appear under their final names only once complete; README.md is written last.
 */
export async function writeCaseFiles(dir: string, options: CaseFilesOptions = {}): Promise<WrittenCase> {
  const records = options.records ?? DEFAULT_RECORDS;
  const seed = options.seed ?? DEFAULT_SEED;
  const jsonl = options.jsonl ?? false;
  const workers = options.workers ?? defaultWorkers(records);
  if (!Number.isSafeInteger(records) || records < 0 || records > MAX_RECORDS) {
    throw new RangeError(`records must be an integer in 0..${MAX_RECORDS}, got ${String(records)}`);
  }
  assertSeed(seed);
  if (!Number.isSafeInteger(workers) || workers < 0) throw new RangeError(`workers must be an integer ≥ 0, got ${String(workers)}`);
  const blocks = caseBlocks(seed, records, options.blockSize ?? DEFAULT_BLOCK_SIZE, jsonl);

  await mkdir(join(dir, 'notices'), { recursive: true });
  const files: CaseFile[] = [await writeJson(dir, 'organisations.json', ORGANISATIONS)];
  for (const n of NOTICES) files.push(await writeJson(dir, `notices/${n.id}.json`, n));
  files.push(await writeJson(dir, 'agreements.json', AGREEMENTS));
  files.push(await writeJson(dir, 'datasets.json', DATASETS));

  const regOut = new StagedFileWriter(join(dir, 'registrants.csv'));
  const csvOut = new StagedFileWriter(join(dir, 'consent-events.csv'));
  const jsonOut = jsonl ? new StagedFileWriter(join(dir, 'consent-events.jsonl')) : null;
  const writers = jsonOut ? [regOut, csvOut, jsonOut] : [regOut, csvOut];
  const tally = new CaseTally(seed);
  try {
    regOut.write(REGISTRANTS_CSV_HEADER);
    csvOut.write(CONSENT_EVENTS_CSV_HEADER);
    const encoded: AsyncIterable<EncodedBlock> | Iterable<EncodedBlock> =
      workers > 0 && blocks.length > 1 ? encodeBlocksInWorkers(blocks, workers) : encodeBlocksInline(blocks);
    for await (const block of encoded) {
      regOut.write(block.registrantsCsv);
      csvOut.write(block.eventsCsv);
      jsonOut?.write(block.eventsJsonl);
      tally.merge(block.counts);
      // Backpressure: the next block is only encoded once the disk has caught up.
      for (const w of writers) if (w.needsDrain) await w.drain();
      const s = tally.summary();
      options.onProgress?.({ done: s.registrants, total: records, events: s.events });
    }
    files.push({ path: 'registrants.csv', bytes: await regOut.close() });
    files.push({ path: 'consent-events.csv', bytes: await csvOut.close() });
    if (jsonOut) files.push({ path: 'consent-events.jsonl', bytes: await jsonOut.close() });
    // Publish only once every file is complete.
    for (const w of writers) await w.publish();
  } catch (err) {
    await Promise.all(writers.map((w) => w.abort()));
    throw err;
  }

  const summary = tally.summary();
  const readme = caseReadme(summary, { jsonl });
  await writeFile(join(dir, 'README.md'), readme, 'utf8');
  files.push({ path: 'README.md', bytes: Buffer.byteLength(readme) });
  return { ...summary, files };
}
