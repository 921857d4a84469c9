/**
 * Records of a transfer sent over HTTP as NDJSON → what the decision needs: subject keys
 * (identifiers hashed here, never stored) and child / special-category flags, exactly as
 * src/gateway/transfer-records.ts does for files.
 *
 * Lines are read as bytes (json-line-scan.ts) and keyed without a string or an object per
 * record; a line that reader does not take whole is parsed with JSON.parse, as before.
 */
import { fieldCategory } from '../domain/data-categories.ts';
import type { JsonKeyPool } from '../gateway/json-key-pool.ts';
import type { JsonBatchReply } from '../gateway/json-key-worker.ts';
import { JsonLineScanner } from '../gateway/json-line-scan.ts';
import { jsonFields, keyJsonLines, LEFT, SKIPPED } from '../gateway/json-lines-keying.ts';
import type { KeyHasher } from '../gateway/key-hasher.ts';
import type { SubjectKeyer } from '../domain/subject-key.ts';
import { columnProblem, RecordKeyer } from '../gateway/record-keyer.ts';
import { RowKeys } from '../gateway/row-keys.ts';
import type { KeyedRecords } from '../gateway/transfer-records.ts';
import { ApiError } from './api-error.ts';
import type { NdjsonLine, RawLines } from './ndjson.ts';

function parseLine(text: string, n: number): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ApiError(400, 'invalid-ndjson', `line ${n} is not JSON`, [{ where: `body:${n}`, message: (err as Error).message }]);
  }
}

/** Parsed lines (NdjsonBody.batches), one record object each, keyed through `keyer`. */
export async function keyNdjsonRecords(batches: AsyncIterable<readonly NdjsonLine[]>, fields: readonly string[], keyer: SubjectKeyer): Promise<KeyedRecords> {
  const acc = new RecordKeyer(keyer, fields);
  let columns: string[] | null = null;
  for await (const batch of batches) {
    for (const { line, value } of batch) {
      const f = recordObject(value, line);
      if (columns === null) columns = checkColumns(f, fields, line);
      acc.add(f);
    }
  }
  return acc.result(columns ?? []);
}

function recordObject(value: unknown, line: number): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ApiError(400, 'invalid-ndjson', `line ${line} is not a JSON object`, [{ where: `body:${line}`, message: 'send one record object per line' }]);
  }
  return value as Record<string, unknown>;
}

/** The first record's keys, once they are known to name the fields and an identifier. */
function checkColumns(f: Record<string, unknown>, fields: readonly string[], line: number): string[] {
  const columns = Object.keys(f);
  const problem = columnProblem(columns, fields);
  if (problem && 'missing' in problem) {
    throw new ApiError(400, 'missing-columns', `the records have no field ${problem.missing.join(', ')}`, [
      { where: `body:${line}`, field: problem.missing.join(','), message: `fields must name keys of the records; they have ${columns.join(', ')}` },
    ]);
  }
  if (problem) {
    throw new ApiError(400, 'missing-columns', 'the records have no identifier fields', [{ where: `body:${line}`, message: 'give email, or name + postcode + dob (or mother_dob)' }]);
  }
  return columns;
}

type Keyed = Extract<JsonBatchReply, { ok: true }>;

/** One batch of lines, keyed here or on the worker, waiting to be put in order. */
interface Pending {
  readonly batch: RawLines;
  /** Null until the worker answers; a failed batch is keyed here instead. */
  keyed: Keyed | null;
  readonly ready: Promise<void>;
}

/** Batches waiting at most before this thread waits for the oldest. */
const MAX_WAITING = 8;
/** Records looked up at a time when a lookup is given (few calls, each large enough to be cheap per key). */
const LOOKUP_STRETCH = 1 << 16;

/**
 * Lines as bytes (NdjsonBody.rawLines): the same records and errors as keyNdjsonRecords, faster.
 * With a pool, batches go to its worker thread while it has room and are keyed here otherwise;
 * the records are put together in line order here, where the lines the byte reader leaves are
 * parsed with JSON.parse.
 */
export async function keyRawNdjsonRecords(
  lines: AsyncIterable<RawLines>,
  fields: readonly string[],
  hasher: KeyHasher,
  opts: {
    readonly pool?: () => JsonKeyPool | null;
    readonly sizeHint?: number;
    /**
     * Keys → ordinals (-1 unknown): records are then looked up a stretch at a time as they come
     * in, beside the worker's keying, and KeyedRecords has ordinals (-1 for unidentified records).
     */
    readonly lookup?: (keys: Uint8Array) => Promise<Int32Array>;
  } = {},
): Promise<KeyedRecords> {
  const sizeHint = opts.sizeHint ?? 0;
  // The worker is asked for once a body turns out to be large (a second batch arrives).
  let pool: JsonKeyPool | null | undefined;
  let batches = 0;
  const childFields = fields.filter((f) => fieldCategory(f)?.child);
  const specialFields = fields.filter((f) => fieldCategory(f)?.special);
  const wanted = jsonFields(childFields, specialFields);
  const scanner = new JsonLineScanner(wanted.names);
  // Room for the records a body of sizeHint bytes is likely to hold (pages untouched cost nothing).
  const keys = new RowKeys(hasher, wanted.columns, false, Math.max(1 << 12, Math.ceil(sizeHint / 96)));
  let columns: string[] | null = null;

  /** Line k of a batch through JSON.parse (its record added); the first record's keys are checked. */
  const parse = (b: RawLines, k: number): void => {
    const line = b.first + k;
    let e = b.ends[k]!;
    if (e > b.starts[k]! && b.buf[e - 1] === 0x0d) e--;
    const text = b.buf.toString('utf8', b.starts[k], e);
    if (text.trim() === '') return;
    const f = recordObject(parseLine(text, line), line);
    if (columns === null) columns = checkColumns(f, fields, line);
    keys.addFields(f, childFields, specialFields);
  };

  const keyHere = (b: RawLines): Keyed => {
    const part = new RowKeys(hasher, wanted.columns, false, b.count + 1);
    const status = new Int32Array(b.count);
    keyJsonLines(b.buf, b.starts, b.ends, b.count, scanner, part, status);
    part.finish();
    return { id: 0, ok: true, status, records: part.count, keys: part.keys, flags: part.flags, unidentified: part.unidentified };
  };

  /** A keyed batch in line order: records copied over in runs, the lines left parsed here. */
  const merge = (b: RawLines, r: Keyed): void => {
    const st = r.status;
    for (let k = 0; k < b.count; ) {
      const i = st[k]!;
      if (i === SKIPPED) k++;
      else if (i === LEFT || columns === null) {
        parse(b, k);
        k++;
      } else {
        let n = 1;
        while (k + n < b.count && st[k + n] === i + n) n++;
        keys.addKeyed(r.keys, r.flags, r.unidentified, i, n);
        k += n;
      }
    }
  };

  // Ordinals of the records merged so far, looked up LOOKUP_STRETCH at a time.
  let ordinals = opts.lookup ? new Int32Array(keys.keys.length / 32) : null;
  let looked = 0;
  const lookUp = async (all: boolean): Promise<void> => {
    if (!opts.lookup || (!all && keys.count - looked < LOOKUP_STRETCH)) return;
    keys.finish();
    const n = keys.count;
    const found = await opts.lookup(keys.keys.subarray(looked * 32, n * 32));
    if (ordinals!.length < n) {
      const grown = new Int32Array(Math.max(n, ordinals!.length * 2));
      grown.set(ordinals!);
      ordinals = grown;
    }
    ordinals!.set(found, looked);
    looked = n;
  };

  const queue: Pending[] = [];
  const mergeReady = (): void => {
    while (queue.length > 0 && queue[0]!.keyed !== null) {
      const p = queue.shift()!;
      merge(p.batch, p.keyed!);
    }
  };
  for await (const batch of lines) {
    if (++batches === 2) pool = opts.pool?.() ?? null;
    if (pool?.available) {
      const p: Pending = {
        batch,
        keyed: null,
        ready: pool.submit({ fields: wanted, buf: batch.buf, starts: batch.starts, ends: batch.ends, count: batch.count }).then((r) => {
          p.keyed = r.ok ? r : keyHere(batch);
        }),
      };
      queue.push(p);
    } else queue.push({ batch, keyed: keyHere(batch), ready: Promise.resolve() });
    mergeReady();
    while (queue.length > MAX_WAITING) {
      await queue[0]!.ready;
      mergeReady();
    }
    await lookUp(false);
  }
  for (const p of queue) await p.ready;
  mergeReady();
  keys.finish();
  const n = keys.count;
  const result = {
    count: n,
    keys: keys.keys.subarray(0, n * 32),
    flags: keys.flags.subarray(0, n),
    unidentified: keys.unidentified.subarray(0, n),
    unidentifiedCount: keys.bad,
    columns: columns ?? [],
  };
  if (!opts.lookup) return result;
  await lookUp(true);
  const out = ordinals!.subarray(0, n);
  await lookAgain(out, result.keys, opts.lookup);
  for (let i = 0; i < n; i++) if (result.unidentified[i]) out[i] = -1;
  return { ...result, ordinals: out };
}

/** Records looked up in stretches, one lookup for all would have been: keys unknown then are asked again now. */
async function lookAgain(ordinals: Int32Array, keys: Uint8Array, lookup: (keys: Uint8Array) => Promise<Int32Array>): Promise<void> {
  let missing = 0;
  for (let i = 0; i < ordinals.length; i++) if (ordinals[i]! < 0) missing++;
  if (missing === 0) return;
  const at = new Int32Array(missing);
  const again = new Uint8Array(missing * 32);
  for (let i = 0, m = 0; i < ordinals.length; i++) {
    if (ordinals[i]! >= 0) continue;
    at[m] = i;
    again.set(keys.subarray(i * 32, i * 32 + 32), m++ * 32);
  }
  const found = await lookup(again);
  for (let m = 0; m < missing; m++) ordinals[at[m]!] = found[m]!;
}
