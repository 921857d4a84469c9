/**
 * Reads the records about to be sent and turns each into what the decision needs: the
 * subject key (identifiers hashed here, never stored) and flags for children's and
 * special-category data. The records themselves stay on the discloser's disk.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { fieldCategory } from '../domain/data-categories.ts';
import type { SubjectKeyer } from '../domain/subject-key.ts';
import { UserError } from '../errors.ts';
import { readRecords, type RecordFormat } from '../ingest/record-reader.ts';
import { csvLayout, scanCsvRows } from './csv-scan.ts';
import { startKeyWorker } from './key-worker-client.ts';
import { materialColumns, recordMaterial } from './record-material.ts';
import { columnProblem, grow, RecordKeyer } from './record-keyer.ts';

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
}


export interface KeyOptions {
  /** Plain CSV files with at least this many bytes of records are read with a second thread. */
  readonly parallelFrom?: number;
  /**
   * The secret `keyer` was made with, when the caller has it: the worker then hashes its share
   * of the records too. Without it the worker only reads and this thread hashes every record.
   */
  readonly secret?: Uint8Array | undefined;
}

export async function keyRecords(
  file: string,
  format: RecordFormat,
  fields: readonly string[],
  keyer: SubjectKeyer,
  onProgress?: (n: number) => void,
  opts: KeyOptions = {},
): Promise<KeyedRecords> {
  if (format === 'csv') {
    const fast = await keyCsvFast(file, fields, keyer, onProgress, opts);
    if (fast) return fast;
  }
  return keyRecordsGeneral(file, format, fields, keyer, onProgress);
}

/** Where the next line starts at or after `pos` (the file's size when none does). */
function nextLineStart(file: string, pos: number, size: number): number {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(64 * 1024);
    for (let at = pos; at < size; ) {
      const n = readSync(fd, buf, 0, buf.length, at);
      if (n === 0) break;
      const nl = buf.subarray(0, n).indexOf(0x0a);
      if (nl >= 0) return at + nl + 1;
      at += n;
    }
    return size;
  } finally {
    closeSync(fd);
  }
}

/** The records' keys and flags, grown as records arrive. */
class KeyedAccumulator {
  count = 0;
  bad = 0;
  #cap = 1 << 16;
  keys = new Uint8Array(this.#cap * 32);
  flags = new Uint8Array(this.#cap);
  unidentified = new Uint8Array(this.#cap);
  offsets = new Float64Array(this.#cap);

  constructor(
    private readonly keyer: SubjectKeyer,
    private readonly onProgress?: (n: number) => void,
  ) {}

  #room(): void {
    if (this.count === this.#cap) {
      this.#cap *= 2;
      this.keys = grow(this.keys, this.#cap * 32);
      this.flags = grow(this.flags, this.#cap);
      this.unidentified = grow(this.unidentified, this.#cap);
      const o = new Float64Array(this.#cap);
      o.set(this.offsets);
      this.offsets = o;
    }
  }

  /** A record keyed elsewhere (`key` is ignored when unidentified). */
  pushKeyed(key: Uint8Array, keyOff: number, unidentified: boolean, flags: number, offset: number): void {
    this.#room();
    const i = this.count;
    if (!unidentified) this.keys.set(key.subarray(keyOff, keyOff + 32), i * 32);
    else {
      this.unidentified[i] = 1;
      this.bad++;
    }
    this.flags[i] = flags;
    this.offsets[i] = offset;
    this.count = i + 1;
    if (this.onProgress && this.count % 20000 === 0) this.onProgress(this.count);
  }

  push(material: string | null, flags: number, offset: number): void {
    this.#room();
    const i = this.count;
    if (material !== null) this.keyer.keyOfMaterialInto(material, this.keys, i * 32);
    else {
      this.unidentified[i] = 1;
      this.bad++;
    }
    this.flags[i] = flags;
    this.offsets[i] = offset;
    this.count = i + 1;
    if (this.onProgress && this.count % 20000 === 0) this.onProgress(this.count);
  }
}

/**
 * Share of the records the calling thread reads itself while the worker starts and reads the
 * rest: over half when both threads hash (the worker starts later), less when this thread
 * hashes the worker's share too.
 */
const MAIN_SHARE_HASHING = 0.55;
const MAIN_SHARE_READING = 0.15;
const PARALLEL_FROM = 4 << 20;

/**
 * The same as keyRecordsGeneral for the plain CSV files csv-scan.ts reads (with each record's
 * file offset); null for any other file (and for files with problems, so the general reader
 * reports them). Large files are scanned partly on a worker thread; hashing stays here.
 */
async function keyCsvFast(file: string, fields: readonly string[], keyer: SubjectKeyer, onProgress: ((n: number) => void) | undefined, opts: KeyOptions): Promise<KeyedRecords | null> {
  const parallelFrom = opts.parallelFrom ?? PARALLEL_FROM;
  const secret = opts.secret;
  const share = secret ? MAIN_SHARE_HASHING : MAIN_SHARE_READING;
  const layout = csvLayout(file);
  if (!layout) return null;
  const names = layout.columns;
  if (columnProblem(names, fields) !== null) return null;
  const cols = materialColumns(
    names,
    fields.filter((f) => fieldCategory(f)?.child),
    fields.filter((f) => fieldCategory(f)?.special),
  );
  const bytes = layout.size - layout.dataStart;
  const cut = bytes >= parallelFrom ? nextLineStart(file, layout.dataStart + Math.floor(bytes * share), layout.size) : layout.size;
  const worker = cut < layout.size ? startKeyWorker({ file, start: cut, end: layout.size, columns: names.length, material: cols, ...(secret ? { secret } : {}) }) : null;
  try {
    const acc = new KeyedAccumulator(keyer, onProgress);
    const own = scanCsvRows(file, layout.dataStart, cut, names.length, 0, (r, _i, offset) => {
      const m = recordMaterial(r, cols);
      acc.push(m.material, m.flags, offset);
    });
    if (own === null) return null;
    if (worker) {
      for (;;) {
        const reply = await worker.next();
        if (reply.kind === 'failed') return null;
        if (reply.kind === 'done') {
          if (reply.rows === null) return null;
          break;
        }
        if (secret) {
          for (let j = 0; j < reply.count; j++) acc.pushKeyed(reply.keys, j * 32, reply.unidentified[j] === 1, reply.flags[j]!, reply.offsets[j]!);
        } else {
          const materials = reply.materials.split('\n');
          for (let j = 0; j < reply.count; j++) acc.push(reply.unidentified[j] ? null : materials[j]!, reply.flags[j]!, reply.offsets[j]!);
        }
      }
    }
    const n = acc.count;
    if (n === 0) return null;
    return {
      count: n,
      keys: acc.keys.subarray(0, n * 32),
      flags: acc.flags.subarray(0, n),
      unidentified: acc.unidentified.subarray(0, n),
      unidentifiedCount: acc.bad,
      columns: names,
      offsets: acc.offsets.subarray(0, n),
    };
  } finally {
    worker?.stop();
  }
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

