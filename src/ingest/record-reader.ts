/**
 * Streaming reader for the files users hand us (CSV with a header row, or JSON Lines): yields
 * one record at a time with its line number, so memory does not grow with the file and every
 * problem can be reported as file:line.
 */
import { createReadStream, statSync } from 'node:fs';
import { extname } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import Papa from 'papaparse';
import { UserError } from '../errors.ts';

export type RecordFormat = 'csv' | 'jsonl';

export interface SourceRecord {
  /** 1-based line where the record starts. */
  readonly line: number;
  readonly fields: Record<string, unknown>;
}

export function detectFormat(file: string, explicit?: string): RecordFormat {
  const f = (explicit ?? extname(file).slice(1)).toLowerCase();
  if (f === 'csv') return 'csv';
  if (f === 'jsonl' || f === 'ndjson' || f === 'json') return 'jsonl';
  throw new UserError('bad-format', `cannot tell the format of ${file}`, [
    { where: file, message: 'name the file .csv or .jsonl, or pass --format csv|jsonl' },
  ]);
}

/** Checks UTF-8 as bytes stream past, naming the line of the first bad byte. */
class Utf8Guard extends Transform {
  readonly #decoder = new TextDecoder('utf-8', { fatal: true });
  #line = 1;
  lastByte = -1;
  constructor(private readonly file: string) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      this.#decoder.decode(chunk, { stream: true });
    } catch {
      // Find the line of the bad byte: decode this chunk line by line.
      let line = this.#line;
      let start = 0;
      for (let i = 0; i <= chunk.length; i++) {
        if (i === chunk.length || chunk[i] === 0x0a) {
          try {
            new TextDecoder('utf-8', { fatal: true }).decode(chunk.subarray(start, i));
          } catch {
            break;
          }
          line++;
          start = i + 1;
        }
      }
      done(new UserError('bad-encoding', `${this.file}:${line}: not valid UTF-8`, [{ where: `${this.file}:${line}`, message: 'the file must be UTF-8 encoded; re-save it as UTF-8' }]));
      return;
    }
    for (let i = 0; i < chunk.length; i++) if (chunk[i] === 0x0a) this.#line++;
    if (chunk.length > 0) this.lastByte = chunk[chunk.length - 1]!;
    done(null, chunk);
  }
  override _flush(done: TransformCallback): void {
    try {
      this.#decoder.decode();
      done();
    } catch {
      done(new UserError('bad-encoding', `${this.file}:${this.#line}: not valid UTF-8 (the file ends inside a character)`, [{ where: `${this.file}:${this.#line}`, message: 'the last line is truncated or not UTF-8' }]));
    }
  }
}

function fileMustHaveContent(file: string): void {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    throw new UserError('not-found', `cannot read ${file}`, [{ where: file, message: 'check the path' }]);
  }
  if (size === 0) throw new UserError('empty-file', `${file} is empty`, [{ where: file, message: 'the file has no header and no records' }]);
}

export interface ReadOptions {
  readonly format: RecordFormat;
  /** Columns every record must have (CSV header / JSON keys). */
  readonly required?: readonly string[];
}

export async function* readRecords(file: string, opts: ReadOptions): AsyncGenerator<SourceRecord> {
  fileMustHaveContent(file);
  if (opts.format === 'csv') yield* readCsv(file, opts.required ?? []);
  else yield* readJsonl(file, opts.required ?? []);
}

/**
 * CSV through Papa Parse (several times faster than the alternatives measured here), bridged
 * into an async generator with back-pressure: the byte stream pauses while chunks wait unread.
 * Line numbers are kept exactly: each record advances by one line plus the line breaks inside
 * its quoted values.
 */
async function* readCsv(file: string, required: readonly string[]): AsyncGenerator<SourceRecord> {
  const guard = new Utf8Guard(file);
  const source = createReadStream(file);
  source.on('error', (e) => guard.destroy(e));
  source.pipe(guard);
  const queue: Papa.ParseResult<Record<string, string>>[] = [];
  let finished = false;
  let failure: unknown = null;
  let wake: (() => void) | null = null;
  const signal = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };
  let sourceEnded = false;
  guard.on('end', () => (sourceEnded = true));
  guard.on('error', (e) => {
    failure = e;
    signal();
  });
  // Papa Parse decodes each Buffer chunk on its own, which would split a character that straddles
  // two chunks; a string decoder on the stream carries partial characters over.
  guard.setEncoding('utf8');
  Papa.parse<Record<string, string>>(guard as unknown as NodeJS.ReadableStream as never, {
    header: true,
    skipEmptyLines: false,
    transformHeader: (h: string) => h.replace(/^\uFEFF/, '').trim(),
    chunk: (results: Papa.ParseResult<Record<string, string>>) => {
      queue.push(results);
      // Back-pressure on the byte stream itself: no more data events until the queue drains.
      if (queue.length >= 4) guard.pause();
      signal();
    },
    complete: () => {
      finished = true;
      signal();
    },
    error: (e: Error) => {
      failure = e;
      signal();
    },
  } as never);

  let line = 1; // the header
  let rowBase = 0; // Papa Parse numbers rows across chunks
  let checkedHeader = false;
  let any = false;
  const noFinalNewline = (): boolean => guard.lastByte !== 0x0a;
  while (true) {
    if (failure) throw failure;
    const results = queue.shift();
    if (!results) {
      if (finished) break;
      if (guard.isPaused()) guard.resume();
      await new Promise<void>((res) => (wake = res));
      continue;
    }
    if (!checkedHeader) {
      checkHeader(file, results.meta.fields ?? [], required);
      checkedHeader = true;
    }
    const errorsByRow = new Map<number, Papa.ParseError>();
    for (const e of results.errors) if (e.row !== undefined && !errorsByRow.has(e.row - rowBase)) errorsByRow.set(e.row - rowBase, e);
    // The final row arrives once the bytes have all been read and nothing else is queued.
    const last = sourceEnded && queue.length === 0;
    for (let i = 0; i < results.data.length; i++) {
      const fields = results.data[i]!;
      line++;
      const err = errorsByRow.get(i);
      const values = Object.values(fields);
      if (err && values.length === 1 && values[0] === '') continue; // a blank line
      if (err) throw csvError(file, line, err, last && i === results.data.length - 1 && noFinalNewline());
      let breaks = 0;
      for (const v of values) if (typeof v === 'string' && v.includes('\n')) breaks += v.split('\n').length - 1;
      any = true;
      yield { line, fields };
      line += breaks;
    }
    rowBase += results.data.length;
  }
  if (!checkedHeader || !any) {
    throw new UserError('empty-file', `${file} has a header but no records`, [{ where: `${file}:2`, message: 'add at least one record' }]);
  }
}

function checkHeader(file: string, columns: readonly string[], required: readonly string[]): void {
  const missing = required.filter((c) => !columns.includes(c));
  if (missing.length > 0) {
    throw new UserError('missing-columns', `${file}:1: missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`, [
      { where: `${file}:1`, message: `the header must include ${required.join(', ')}; it has ${columns.join(', ')}` },
    ]);
  }
}

function csvError(file: string, line: number, e: Papa.ParseError, lastWithoutNewline: boolean): UserError {
  const where = `${file}:${line}`;
  if (lastWithoutNewline && (e.code === 'TooFewFields' || e.code === 'MissingQuotes')) {
    return new UserError('truncated-file', `${where}: the last line is truncated`, [{ where, message: 'the file ends mid-record; re-export it completely' }]);
  }
  if (e.code === 'TooFewFields' || e.code === 'TooManyFields') {
    return new UserError('bad-csv', `${where}: wrong number of fields`, [{ where, message: 'each row needs as many fields as the header; quote values that contain commas' }]);
  }
  return new UserError('bad-csv', `${where}: ${e.message}`, [{ where, message: e.message }]);
}

async function* readJsonl(file: string, required: readonly string[]): AsyncGenerator<SourceRecord> {
  const guard = new Utf8Guard(file);
  const source = createReadStream(file);
  source.on('error', (e) => guard.destroy(e));
  source.pipe(guard);
  let pending = '';
  let line = 0;
  let any = false;
  const decoder = new TextDecoder('utf-8');
  const parseLine = (text: string, lineNo: number, last: boolean): SourceRecord | null => {
    const t = text.trim();
    if (t === '') return null;
    let value: unknown;
    try {
      value = JSON.parse(t);
    } catch {
      const where = `${file}:${lineNo}`;
      if (last) throw new UserError('truncated-file', `${where}: the last line is truncated`, [{ where, message: 'the file ends mid-record; re-export it completely' }]);
      throw new UserError('bad-json', `${where}: not valid JSON`, [{ where, message: 'each line must be one JSON object' }]);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      const where = `${file}:${lineNo}`;
      throw new UserError('bad-json', `${where}: not a JSON object`, [{ where, message: 'each line must be one JSON object' }]);
    }
    const fields = value as Record<string, unknown>;
    const missing = required.filter((c) => !(c in fields));
    if (missing.length > 0) {
      const where = `${file}:${lineNo}`;
      throw new UserError('missing-columns', `${where}: missing field${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`, [{ where, field: missing.join(','), message: 'required field missing' }]);
    }
    return { line: lineNo, fields };
  };
  for await (const chunk of guard as AsyncIterable<Buffer>) {
    pending += decoder.decode(chunk, { stream: true });
    let start = 0;
    let nl: number;
    while ((nl = pending.indexOf('\n', start)) >= 0) {
      line++;
      const rec = parseLine(pending.slice(start, nl), line, false);
      start = nl + 1;
      if (rec) {
        any = true;
        yield rec;
      }
    }
    pending = pending.slice(start);
  }
  pending += decoder.decode();
  if (pending.trim() !== '') {
    line++;
    const rec = parseLine(pending, line, true);
    if (rec) {
      any = true;
      yield rec;
    }
  }
  if (!any) throw new UserError('empty-file', `${file} holds no records`, [{ where: file, message: 'the file has only blank lines' }]);
}
