/**
 * PostgreSQL's binary COPY format, both ways: bulk loads write rows with COPY FROM STDIN and
 * snapshots of millions of rows are read with COPY TO STDOUT, skipping the per-row overhead
 * of the query protocol (and, for bytea, the hex text encoding that doubles its size).
 */
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

/** Encodes rows in the binary COPY format into growing chunks. */
export class BinaryCopyWriter {
  #buf = Buffer.allocUnsafe(1 << 20);
  #pos = 0;
  readonly #chunks: Buffer[] = [];
  #rows = 0;

  constructor() {
    this.#ensure(19);
    SIGNATURE.copy(this.#buf, 0);
    this.#buf.writeInt32BE(0, 11); // flags
    this.#buf.writeInt32BE(0, 15); // header extension length
    this.#pos = 19;
  }

  get rows(): number {
    return this.#rows;
  }

  #ensure(n: number): void {
    if (this.#pos + n <= this.#buf.length) return;
    this.#chunks.push(this.#buf.subarray(0, this.#pos));
    this.#buf = Buffer.allocUnsafe(Math.max(1 << 20, n));
    this.#pos = 0;
  }

  row(fields: number): this {
    this.#ensure(2);
    this.#buf.writeInt16BE(fields, this.#pos);
    this.#pos += 2;
    this.#rows++;
    return this;
  }

  int2(v: number): this {
    this.#ensure(6);
    this.#buf.writeInt32BE(2, this.#pos);
    this.#buf.writeInt16BE(v, this.#pos + 4);
    this.#pos += 6;
    return this;
  }

  int4(v: number | null): this {
    if (v === null) return this.null();
    this.#ensure(8);
    this.#buf.writeInt32BE(4, this.#pos);
    this.#buf.writeInt32BE(v, this.#pos + 4);
    this.#pos += 8;
    return this;
  }

  int8(v: number | null): this {
    if (v === null) return this.null();
    this.#ensure(12);
    this.#buf.writeInt32BE(8, this.#pos);
    this.#buf.writeBigInt64BE(BigInt(v), this.#pos + 4);
    this.#pos += 12;
    return this;
  }

  bytes(v: Uint8Array | null): this {
    if (v === null) return this.null();
    this.#ensure(4 + v.length);
    this.#buf.writeInt32BE(v.length, this.#pos);
    this.#buf.set(v, this.#pos + 4);
    this.#pos += 4 + v.length;
    return this;
  }

  text(v: string | null): this {
    if (v === null) return this.null();
    const max = Buffer.byteLength(v);
    this.#ensure(4 + max);
    const n = this.#buf.write(v, this.#pos + 4, 'utf8');
    this.#buf.writeInt32BE(n, this.#pos);
    this.#pos += 4 + n;
    return this;
  }

  null(): this {
    this.#ensure(4);
    this.#buf.writeInt32BE(-1, this.#pos);
    this.#pos += 4;
    return this;
  }

  /** The whole stream, trailer included. */
  finish(): Buffer[] {
    this.#ensure(2);
    this.#buf.writeInt16BE(-1, this.#pos);
    this.#pos += 2;
    this.#chunks.push(this.#buf.subarray(0, this.#pos));
    return this.#chunks;
  }
}

/** Runs `COPY table (columns) FROM STDIN (FORMAT binary)` with the writer's rows. */
export async function copyIn(client: pg.PoolClient | pg.Client, table: string, columns: readonly string[], w: BinaryCopyWriter): Promise<void> {
  if (w.rows === 0) return;
  const stream = client.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN (FORMAT binary)`));
  await pipeline(Readable.from(w.finish()), stream);
}

/**
 * One row of a binary COPY: field k spans buf[start(k), end(k)) or is null. Valid only
 * during the visit: the buffer is reused.
 */
export class CopyRow {
  buf: Buffer = Buffer.alloc(0);
  readonly starts: number[] = [];
  readonly lengths: number[] = [];

  isNull(k: number): boolean {
    return this.lengths[k]! < 0;
  }
  int2(k: number): number {
    return this.buf.readInt16BE(this.starts[k]!);
  }
  int4(k: number): number {
    return this.buf.readInt32BE(this.starts[k]!);
  }
  int4OrNull(k: number): number | null {
    return this.lengths[k]! < 0 ? null : this.buf.readInt32BE(this.starts[k]!);
  }
  int8(k: number): number {
    return Number(this.buf.readBigInt64BE(this.starts[k]!));
  }
  int8OrNull(k: number): number | null {
    return this.lengths[k]! < 0 ? null : Number(this.buf.readBigInt64BE(this.starts[k]!));
  }
  /** A view into the reused buffer: copy it to keep it. */
  bytes(k: number): Buffer {
    return this.buf.subarray(this.starts[k]!, this.starts[k]! + this.lengths[k]!);
  }
  text(k: number): string {
    return this.buf.toString('utf8', this.starts[k]!, this.starts[k]! + this.lengths[k]!);
  }
  textOrNull(k: number): string | null {
    return this.lengths[k]! < 0 ? null : this.text(k);
  }
}

/** Streams the rows of `COPY (query) TO STDOUT (FORMAT binary)` to `visit`; returns the count. */
export async function copyOut(client: pg.PoolClient | pg.Client, query: string, visit: (row: CopyRow) => void): Promise<number> {
  const stream = client.query(copyTo(`COPY (${query}) TO STDOUT (FORMAT binary)`));
  const row = new CopyRow();
  let pending: Buffer = Buffer.alloc(0);
  let headerDone = false;
  let count = 0;
  let ended = false;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let buf = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    let pos = 0;
    if (!headerDone) {
      if (buf.length < 19) {
        pending = buf;
        continue;
      }
      pos = 19 + buf.readInt32BE(15);
      headerDone = true;
    }
    for (;;) {
      if (ended || pos + 2 > buf.length) break;
      const fields = buf.readInt16BE(pos);
      if (fields === -1) {
        ended = true;
        pos += 2;
        break;
      }
      // Does the whole row fit in what we have?
      let p = pos + 2;
      let complete = true;
      for (let k = 0; k < fields; k++) {
        if (p + 4 > buf.length) {
          complete = false;
          break;
        }
        const len = buf.readInt32BE(p);
        row.starts[k] = p + 4;
        row.lengths[k] = len;
        p += 4 + (len > 0 ? len : 0);
        if (p > buf.length) {
          complete = false;
          break;
        }
      }
      if (!complete) break;
      row.buf = buf;
      visit(row);
      count++;
      pos = p;
    }
    pending = pos >= buf.length ? Buffer.alloc(0) : Buffer.from(buf.subarray(pos));
    buf = pending;
  }
  return count;
}
