/**
 * Reads the records about to be sent and turns each into what the decision needs: the
 * subject key (identifiers hashed here, never stored) and flags for children's and
 * special-category data. The records themselves stay on the discloser's disk.
 */
import { fieldCategory } from '../domain/data-categories.ts';
import type { SubjectKeyer } from '../domain/subject-key.ts';
import { UserError } from '../errors.ts';
import { readRecords, type RecordFormat } from '../ingest/record-reader.ts';
import { chunkPlan } from './csv-chunks.ts';
import { keyChunked, type OrdinalLookup } from './csv-parallel-keys.ts';
import { csvLayout } from './csv-scan.ts';
import { keyerHasher, secretHasher } from './key-hasher.ts';
import { materialColumns } from './record-material.ts';
import { columnProblem, RecordKeyer } from './record-keyer.ts';

export interface KeyedRecords {
  readonly count: number;
  /** count × 32 bytes. */
  readonly keys: Uint8Array;
  readonly flags: Uint8Array;
  /** Records whose identifiers could not be read (they get no key and are refused). */
  readonly unidentified: Uint8Array;
  readonly unidentifiedCount: number;
  readonly columns: readonly string[];
  /** File offset of each record's line, when the fast CSV path read the file. */
  readonly offsets?: Float64Array;
  /** Subject ordinals (-1 for unknown and unidentified records), when KeyOptions.lookup gave a way. */
  readonly ordinals?: Int32Array;
}

export interface KeyOptions {
  /** Plain CSV files with at least this many bytes of records are keyed by a worker thread too. */
  readonly parallelFrom?: number;
  /** Bytes per chunk the threads take in turn (default 4 MiB; tests use small ones). */
  readonly chunkBytes?: number;
  /**
   * The secret `keyer` was made with, when the caller has it: keys are then hashed in SIMD
   * batches, and a worker thread keys part of a large file. Without it this thread keys every
   * record through `keyer`.
   */
  readonly secret?: Uint8Array | undefined;
  /**
   * Other work for this thread while a worker thread starts (e.g. loading the decision facts).
   * Runs once, before this thread keys any record.
   */
  readonly meanwhile?: () => Promise<void> | void;
  /**
   * How to turn keys into ordinals, asked for after `meanwhile`: records are then looked up as
   * they are keyed (see csv-parallel-keys.ts). Null or absent: KeyedRecords has no ordinals.
   */
  readonly lookup?: () => OrdinalLookup | null;
}

export async function keyRecords(
  file: string,
  format: RecordFormat,
  fields: readonly string[],
  keyer: SubjectKeyer,
  onProgress?: (n: number) => void,
  opts: KeyOptions = {},
): Promise<KeyedRecords> {
  let ran = false;
  const meanwhile = async (): Promise<void> => {
    if (ran) return;
    ran = true;
    await opts.meanwhile?.();
  };
  if (format === 'csv') {
    const fast = await keyCsvFast(file, fields, keyer, onProgress, opts, meanwhile);
    if (fast) return fast;
  }
  await meanwhile();
  return keyRecordsGeneral(file, format, fields, keyer, onProgress);
}

const PARALLEL_FROM = 4 << 20;
/** Small enough that two threads finish close together, large enough to cost little to take. */
const CHUNK_BYTES = 4 << 20;

/**
 * The same as keyRecordsGeneral for the plain CSV files csv-scan.ts reads (with each record's
 * file offset); null for any other file (and for files with problems, so the general reader
 * reports them). Large files are keyed on a worker thread too, chunk by chunk (csv-chunks.ts).
 */
async function keyCsvFast(
  file: string,
  fields: readonly string[],
  keyer: SubjectKeyer,
  onProgress: ((n: number) => void) | undefined,
  opts: KeyOptions,
  meanwhile: () => Promise<void>,
): Promise<KeyedRecords | null> {
  const parallelFrom = opts.parallelFrom ?? PARALLEL_FROM;
  const secret = opts.secret;
  const layout = csvLayout(file);
  if (!layout) return null;
  const names = layout.columns;
  if (columnProblem(names, fields) !== null) return null;
  const material = materialColumns(
    names,
    fields.filter((f) => fieldCategory(f)?.child),
    fields.filter((f) => fieldCategory(f)?.special),
  );
  const bytes = layout.size - layout.dataStart;
  const parallel = secret !== undefined && bytes >= parallelFrom && bytes > 0;
  const chunkBytes = Math.max(1, opts.chunkBytes ?? Math.min(CHUNK_BYTES, Math.ceil(bytes / 2)));
  const plan = chunkPlan(file, layout.dataStart, layout.size, names.length, chunkBytes);
  const keyed = await keyChunked({
    plan,
    material,
    hasher: secret ? secretHasher(secret) : keyerHasher(keyer),
    secret: parallel ? secret : undefined,
    meanwhile,
    ...(opts.lookup ? { lookup: opts.lookup } : {}),
    ...(onProgress ? { onProgress } : {}),
  });
  if (keyed === null) return null;
  return {
    count: keyed.count,
    // Joined when first read (see csv-parallel-keys.ts).
    get keys() {
      return keyed.keys;
    },
    flags: keyed.flags,
    unidentified: keyed.unidentified,
    unidentifiedCount: keyed.unidentifiedCount,
    columns: names,
    offsets: keyed.offsets,
    ...(keyed.ordinals ? { ordinals: keyed.ordinals } : {}),
  };
}

async function keyRecordsGeneral(file: string, format: RecordFormat, fields: readonly string[], keyer: SubjectKeyer, onProgress?: (n: number) => void): Promise<KeyedRecords> {
  const acc = new RecordKeyer(keyer, fields, 1 << 16);
  let columns: string[] | null = null;
  for await (const rec of readRecords(file, { format })) {
    if (columns === null) {
      columns = Object.keys(rec.fields);
      const problem = columnProblem(columns, fields);
      if (problem && 'missing' in problem) {
        throw new UserError('missing-columns', `${file}:1: the records have no column ${problem.missing.join(', ')}`, [
          { where: `${file}:1`, field: problem.missing.join(','), message: `--fields must name columns of the file; it has ${columns.join(', ')}` },
        ]);
      }
      if (problem) {
        throw new UserError('missing-columns', `${file}:1: no identifier columns`, [{ where: `${file}:1`, message: 'give email, or name + postcode + dob (or mother_dob), so each record can be matched to a person' }]);
      }
    }
    acc.add(rec.fields);
    if (onProgress && acc.count % 20000 === 0) onProgress(acc.count);
  }
  return acc.result(columns ?? []);
}

