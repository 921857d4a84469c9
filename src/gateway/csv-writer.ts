/**
 * Writes CSV exactly as csv-stringify does with its defaults and a header (comma, `"` quotes
 * doubled, `\n` after every record, a field quoted only when it holds a comma, a quote or a line
 * feed), without its per-record stream machinery. The file is written beside its target and
 * renamed into place on commit, so a failure never leaves half a file.
 */
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import type { RowView } from './csv-scan.ts';

const FLUSH_AT = 1 << 20;
const QUOTE = 0x22;
const COMMA = 0x2c;

export function csvField(v: string): string {
  if (v.includes('"')) return `"${v.replaceAll('"', '""')}"`;
  return v.includes(',') || v.includes('\n') ? `"${v}"` : v;
}

export class CsvFileSink {
  readonly #path: string;
  readonly #tmp: string;
  #fd: number | null;
  #pending = '';

  constructor(path: string, columns: readonly string[]) {
    this.#path = path;
    this.#tmp = `${path}.partial`;
    this.#fd = openSync(this.#tmp, 'w');
    this.row(columns);
  }

  /**
   * Writes a record field by field: the fields of a row read by csv-scan.ts as their own bytes
   * (see rawField), others as text. Call endRow after the last field.
   */
  textField(v: string): void {
    this.#bytesPending();
    this.#sep();
    const t = csvField(v);
    this.#room(Buffer.byteLength(t));
    this.#at += this.#out.write(t, this.#at);
  }

  /**
   * Field k of a row read by csv-scan.ts, copied as bytes. The scan accepts no quote in an
   * unquoted value and no line break anywhere, so an unquoted value is written as it stands,
   * and a quoted one keeps its quotes (and doubled quotes) exactly when it holds a comma or a
   * quote: what csvField would write for its text.
   */
  rawField(r: RowView, k: number): void {
    this.#bytesPending();
    this.#sep();
    let s = r.starts[k]!;
    let e = r.ends[k]!;
    const b = r.buf;
    // INVARIANT: an unquoted value follows a comma or starts its line, so the byte before a
    // value is a quote exactly when the value was quoted.
    if (s > 0 && b[s - 1] === QUOTE) {
      const comma = b.indexOf(COMMA, s);
      if (r.escaped[k] === 1 || (comma >= 0 && comma < e)) {
        s--;
        e++;
      }
    }
    this.#room(e - s);
    b.copy(this.#out, this.#at, s, e);
    this.#at += e - s;
  }

  endRow(): void {
    this.#room(1);
    this.#out[this.#at++] = 0x0a;
    this.#first = true;
    if (this.#at >= FLUSH_AT) this.#flushBytes();
  }

  #out = Buffer.allocUnsafe(2 * FLUSH_AT);
  #at = 0;
  #first = true;

  #sep(): void {
    if (this.#first) this.#first = false;
    else {
      this.#room(1);
      this.#out[this.#at++] = COMMA;
    }
  }

  #room(n: number): void {
    if (this.#at + n <= this.#out.length) return;
    this.#flushBytes();
    if (n > this.#out.length) this.#out = Buffer.allocUnsafe(n * 2);
  }

  /** Text rows come before byte rows in the file: write them out first. */
  #bytesPending(): void {
    if (this.#pending.length > 0) this.#flush();
  }

  #flushBytes(): void {
    if (this.#fd === null) throw new Error('the sink is closed');
    let off = 0;
    while (off < this.#at) off += writeSync(this.#fd, this.#out, off, this.#at - off);
    this.#at = 0;
  }

  row(values: readonly string[]): void {
    if (this.#at > 0) this.#flushBytes();
    let line = '';
    for (let i = 0; i < values.length; i++) line += (i === 0 ? '' : ',') + csvField(values[i]!);
    this.#pending += `${line}\n`;
    if (this.#pending.length >= FLUSH_AT) this.#flush();
  }

  #flush(): void {
    if (this.#fd === null) throw new Error('the sink is closed');
    const b = Buffer.from(this.#pending, 'utf8');
    this.#pending = '';
    let off = 0;
    while (off < b.length) off += writeSync(this.#fd, b, off, b.length - off);
  }

  commit(): void {
    this.#flushBytes();
    this.#flush();
    closeSync(this.#fd!);
    this.#fd = null;
    renameSync(this.#tmp, this.#path);
  }

  abort(): void {
    if (this.#fd !== null) closeSync(this.#fd);
    this.#fd = null;
    rmSync(this.#tmp, { force: true });
  }
}
