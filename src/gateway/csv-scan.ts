/**
 * A fast path for reading the plain CSV files a transfer is usually made of: the file is read in
 * large chunks and split into rows and fields as bytes, and only the fields a caller asks for
 * are turned into strings.
 *
 * It gives the same rows and values as the general reader (src/ingest/record-reader.ts) for the
 * files it accepts, and declines (returns null) whatever it does not fully understand: another
 * delimiter, carriage returns, quoted line breaks, stray quotes, a row with a different number
 * of fields, a header with duplicate or empty names, invalid UTF-8, no records. The caller then
 * uses the general reader, which also produces the exact error for a bad file.
 *
 * Because an accepted file has no line break inside a value, it can be cut at any line break
 * and its parts scanned separately (scanCsvRows), e.g. on another thread.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { createRequire } from 'node:module';
import type Papa from 'papaparse';

// Loaded on first use: the keying worker scans rows and never reads a header.
const require = createRequire(import.meta.url);
let papa: typeof Papa | null = null;
const papaparse = (): typeof Papa => (papa ??= require('papaparse') as typeof Papa);

const NL = 0x0a;
const CR = 0x0d;
const COMMA = 0x2c;
const QUOTE = 0x22;
const CHUNK = 8 << 20;
/** What the general reader's byte stream hands its parser first (fs.ReadStream's default). */
const FIRST_STREAM_CHUNK = 64 * 1024;

/** Bytes that end an unquoted value's scan: its comma, a quote (refused), the line's end. */
const STOP = new Uint8Array(256);
STOP[COMMA] = 1;
STOP[QUOTE] = 1;
STOP[NL] = 1;

/** One row's fields as byte ranges into `buf`; `escaped[k]` = 1 when field k holds doubled quotes. */
export interface RowView {
  buf: Buffer;
  starts: Int32Array;
  ends: Int32Array;
  escaped: Uint8Array;
}

/** The value of field k as the general reader would give it. */
export function fieldText(r: RowView, k: number): string {
  const s = r.buf.toString('utf8', r.starts[k], r.ends[k]);
  return r.escaped[k] ? s.replaceAll('""', '"') : s;
}

/** Whether field k is empty once trimmed (as `String#trim` would), without decoding ASCII. */
export function fieldBlank(r: RowView, k: number): boolean {
  const b = r.buf;
  for (let i = r.starts[k]!, end = r.ends[k]!; i < end; i++) {
    const c = b[i]!;
    if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) continue;
    if (c >= 0x80) return fieldText(r, k).trim() === '';
    return false;
  }
  return true;
}

export interface ScanHandlers {
  /** Called once with the header's names; return false to decline the file. */
  header(columns: readonly string[]): boolean;
  /** Called for each record (blank lines are skipped) with its 0-based index and file offset. */
  row(r: RowView, index: number, offset: number): void;
}

/** The header of a file the fast path may read: its names and where the records start. */
export interface CsvLayout {
  readonly columns: readonly string[];
  /** Byte offset just past the header's line break. */
  readonly dataStart: number;
  readonly size: number;
}

function newView(): RowView {
  return { buf: Buffer.alloc(0), starts: new Int32Array(16), ends: new Int32Array(16), escaped: new Uint8Array(16) };
}

function growView(v: RowView): void {
  const n = v.starts.length * 2;
  const s = new Int32Array(n);
  s.set(v.starts);
  const e = new Int32Array(n);
  e.set(v.ends);
  const x = new Uint8Array(n);
  x.set(v.escaped);
  v.starts = s;
  v.ends = e;
  v.escaped = x;
}

/**
 * Splits the line buf[pos..end) (without its line break) into the view's fields; returns their
 * number, or -1 for anything the fast path does not read (quotes it cannot close on the line,
 * text after a closing quote, a quote inside an unquoted value).
 */
function splitLine(v: RowView, buf: Buffer, pos: number, end: number): number {
  v.buf = buf;
  const bounded = !(end < buf.length && buf[end] === NL);
  let k = 0;
  let p = pos;
  for (;;) {
    if (k + 1 >= v.starts.length) growView(v);
    if (p < end && buf[p] === QUOTE) {
      let q = p + 1;
      let doubled = 0;
      for (;;) {
        q = buf.indexOf(QUOTE, q);
        if (q < 0 || q >= end) return -1;
        if (q + 1 < end && buf[q + 1] === QUOTE) {
          doubled = 1;
          q += 2;
          continue;
        }
        break;
      }
      v.starts[k] = p + 1;
      v.ends[k] = q;
      v.escaped[k] = doubled;
      p = q + 1;
      if (p < end && buf[p] !== COMMA) return -1;
    } else {
      let q = p;
      // A line break always follows the line in the buffer but for a last line without one, so
      // the scan needs no bound check but there.
      if (bounded) while (q < end && STOP[buf[q]!] === 0) q++;
      else while (STOP[buf[q]!] === 0) q++;
      if (q < end && buf[q] === QUOTE) return -1;
      v.starts[k] = p;
      v.ends[k] = q;
      v.escaped[k] = 0;
      p = q;
    }
    k++;
    if (p >= end) return k;
    p++; // past the comma
    if (p === end) {
      // A trailing comma: one more, empty field.
      v.starts[k] = end;
      v.ends[k] = end;
      v.escaped[k] = 0;
      return k + 1;
    }
  }
}

function readFully(fd: number, buf: Buffer, off: number, len: number, at: number): number {
  let got = 0;
  while (got < len) {
    const n = readSync(fd, buf, off + got, len - got, at + got);
    if (n === 0) break;
    got += n;
  }
  return got;
}

/** Reads and checks the header; null when the fast path should not read this file. */
export function csvLayout(file: string): CsvLayout | null {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return null;
  }
  try {
    const size = fstatSync(fd).size;
    let buf = Buffer.allocUnsafe(Math.min(size, FIRST_STREAM_CHUNK));
    let filled = readFully(fd, buf, 0, buf.length, 0);
    if (filled === 0) return null;
    // The delimiter the general reader would use: Papa Parse guesses it from the first chunk.
    if (papaparse().parse(buf.toString('utf8', 0, filled), { preview: 1 }).meta.delimiter !== ',') return null;
    let nl = buf.indexOf(NL);
    while (nl < 0 && filled < size) {
      const bigger = Buffer.allocUnsafe(Math.min(size, buf.length * 2));
      buf.copy(bigger, 0, 0, filled);
      filled += readFully(fd, bigger, filled, bigger.length - filled, filled);
      buf = bigger;
      nl = buf.indexOf(NL);
    }
    if (nl < 0) return null; // a header without records
    const pos = filled >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0; // BOM
    const line = buf.subarray(0, nl);
    if (nl === pos || !isUtf8(line) || line.indexOf(CR) >= 0) return null;
    const v = newView();
    const k = splitLine(v, buf, pos, nl);
    if (k < 2) return null;
    const names: string[] = [];
    for (let i = 0; i < k; i++) names.push(fieldText(v, i).trim());
    if (names.some((n) => n === '') || new Set(names).size !== names.length) return null;
    return { columns: names, dataStart: nl + 1, size };
  } finally {
    closeSync(fd);
  }
}

/**
 * Scans the records in bytes [start, end) of the file, which must begin at a line start; each
 * must have `columns` fields. Returns the number of records, or null when the fast path
 * declines. Indexes passed to `row` count from `firstIndex`.
 */
export function scanCsvRows(file: string, start: number, end: number, columns: number, firstIndex: number, row: ScanHandlers['row']): number | null {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return null;
  }
  try {
    return scanRange(fd, start, end, columns, firstIndex, row);
  } finally {
    closeSync(fd);
  }
}

function scanRange(fd: number, start: number, end: number, columns: number, firstIndex: number, row: ScanHandlers['row']): number | null {
  let buf = Buffer.allocUnsafe(Math.max(1024, Math.min(CHUNK, end - start)));
  const view = newView();
  let base = start; // file offset of buf[0]
  let filled = 0;
  let rows = 0;
  while (base + filled < end || filled > 0) {
    const want = Math.min(buf.length - filled, end - base - filled);
    if (want > 0) filled += readFully(fd, buf, filled, want, base + filled);
    const atEnd = base + filled >= end;
    const last = buf.lastIndexOf(NL, filled - 1);
    const limit = atEnd ? filled : last + 1;
    if (limit <= 0) {
      if (atEnd) break;
      // A line longer than the buffer: make room and read on.
      const bigger = Buffer.allocUnsafe(buf.length * 2);
      buf.copy(bigger, 0, 0, filled);
      buf = bigger;
      continue;
    }
    const region = buf.subarray(0, limit);
    // INVARIANT: a line break never falls inside a UTF-8 sequence, so each region checks alone.
    if (!isUtf8(region) || region.indexOf(CR) >= 0) return null;
    let pos = 0;
    while (pos < limit) {
      let nl = buf.indexOf(NL, pos);
      if (nl < 0 || nl >= limit) nl = limit;
      if (nl === pos) {
        pos = nl + 1; // a blank line
        continue;
      }
      if (splitLine(view, buf, pos, nl) !== columns) return null;
      row(view, firstIndex + rows++, base + pos);
      pos = nl + 1;
    }
    if (atEnd) break;
    buf.copy(buf, 0, limit, filled);
    base += limit;
    filled -= limit;
  }
  return rows;
}

/**
 * Scans the whole file, calling the handlers; returns the number of records, or null when the
 * file is not one this fast path reads exactly like the general reader (nothing is then
 * promised about which handlers were called).
 */
export function scanCsv(file: string, h: ScanHandlers): number | null {
  const layout = csvLayout(file);
  if (!layout || !h.header(layout.columns)) return null;
  const n = scanCsvRows(file, layout.dataStart, layout.size, layout.columns.length, 0, h.row);
  return n === null || n === 0 ? null : n;
}

/**
 * Calls `visit` for the records whose offsets are given, in the order given (increasing), reading
 * only their lines: the second look at a file scanned before. False when a line no longer reads
 * as a record of `columns` fields (the file changed).
 */
export function readCsvRowsAt(file: string, offsets: Float64Array, indexes: Int32Array, columns: number, visit: (r: RowView, index: number) => void): boolean {
  if (indexes.length === 0) return true;
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    let buf = Buffer.allocUnsafe(CHUNK);
    const view = newView();
    let base = -1;
    let filled = 0;
    for (let j = 0; j < indexes.length; j++) {
      const i = indexes[j]!;
      const at = offsets[i]!;
      let nl = at >= base && base >= 0 ? buf.indexOf(NL, at - base) : -1;
      if (nl >= filled) nl = -1;
      if (nl < 0 && !(base >= 0 && base + filled >= size && at >= base)) {
        // Refill from this line on, growing the buffer until it holds the whole line.
        for (;;) {
          base = at;
          filled = readFully(fd, buf, 0, Math.min(buf.length, size - at), at);
          nl = buf.indexOf(NL);
          if (nl >= filled) nl = -1;
          if (nl >= 0 || base + filled >= size) break;
          buf = Buffer.allocUnsafe(buf.length * 2);
        }
      }
      const pos = at - base;
      const end = nl < 0 ? filled : nl;
      if (pos >= end || splitLine(view, buf, pos, end) !== columns) return false;
      visit(view, i);
    }
    return true;
  } finally {
    closeSync(fd);
  }
}
