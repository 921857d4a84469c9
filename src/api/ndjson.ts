/**
 * NDJSON request bodies, streamed: one JSON value per line, with line numbers for errors and a
 * byte limit counted as the bytes arrive (Fastify's own limit does not see a streamed body).
 * Also hashes the bytes, so a retried upload can be recognised by its idempotency key.
 */
import { createHash, type Hash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { ApiError } from './api-error.ts';

export interface NdjsonLine {
  readonly line: number;
  readonly value: unknown;
}

/** Lines of a body as bytes (see NdjsonBody.rawLines). */
export interface RawLines {
  readonly buf: Buffer;
  /** Line k is buf[starts[k] .. ends[k]), without its line feed (a carriage return stays). */
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  readonly count: number;
  /** The number of line 0, counting from 1. */
  readonly first: number;
}

/** Bytes gathered before their lines are handed over: one await per megabyte, not per chunk. */
const RAW_BATCH = 1 << 20;

export class NdjsonBody {
  readonly #source: Readable;
  readonly #limit: number;
  readonly #hash: Hash = createHash('sha256');
  #hashing = true;
  #bytes = 0;

  constructor(source: Readable, limit: number) {
    this.#source = source;
    this.#limit = limit;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** SHA-256 (hex) of every byte read; complete once iteration has finished. */
  digest(): string {
    if (!this.#hashing) throw new Error('the body was read without its digest');
    return this.#hash.copy().digest('hex');
  }

  /** Counts and limits a chunk as it arrives, and hashes it. */
  #take(buf: Buffer): void {
    this.#bytes += buf.length;
    if (this.#bytes > this.#limit) {
      this.#source.destroy();
      throw new ApiError(413, 'body-too-large', `the body is larger than ${this.#limit} bytes`, [{ where: 'body', message: `send at most ${this.#limit} bytes per request; split larger uploads` }]);
    }
    if (this.#hashing) this.#hash.update(buf);
  }

  /**
   * The lines as bytes, about a megabyte at a time, for readers that parse lines themselves;
   * numbered as lines() numbers them. `digest: false` skips hashing the body (digest() then
   * throws): for a request that will never be recognised as a retry.
   */
  async *rawLines(opts: { digest?: boolean } = {}): AsyncGenerator<RawLines> {
    if (opts.digest === false) this.#hashing = false;
    let rest: Buffer = Buffer.alloc(0);
    let pending: Buffer[] = [];
    let size = 0;
    let threshold = RAW_BATCH;
    let line = 1;
    const cut = (last: boolean): RawLines | null => {
      const buf = pending.length === 1 && rest.length === 0 ? pending[0]! : Buffer.concat([rest, ...pending]);
      rest = Buffer.alloc(0);
      pending = [];
      size = 0;
      threshold = RAW_BATCH;
      const starts: number[] = [];
      const ends: number[] = [];
      let at = 0;
      for (let nl = buf.indexOf(0x0a); nl >= 0; nl = buf.indexOf(0x0a, at)) {
        starts.push(at);
        ends.push(nl);
        at = nl + 1;
      }
      if (last && at < buf.length) {
        starts.push(at);
        ends.push(buf.length);
        at = buf.length;
      }
      if (starts.length === 0) {
        // One long line so far: wait for twice as many bytes before looking again.
        pending = [buf];
        size = buf.length;
        threshold = 2 * buf.length;
        return null;
      }
      // The unfinished last line waits for more bytes (copied: `buf` is handed over).
      rest = Buffer.from(buf.subarray(at));
      const out: RawLines = { buf, starts: Int32Array.from(starts), ends: Int32Array.from(ends), count: starts.length, first: line };
      line += starts.length;
      return out;
    };
    for await (const chunk of this.#source) {
      const buf = chunk as Buffer;
      this.#take(buf);
      pending.push(buf);
      size += buf.length;
      if (size >= threshold) {
        const lines = cut(false);
        if (lines) yield lines;
      }
    }
    const lines = cut(true);
    if (lines) yield lines;
  }

  /** One value at a time (see `batches` for the fast path). */
  async *lines(): AsyncGenerator<NdjsonLine> {
    for await (const batch of this.batches()) yield* batch;
  }

  /**
   * The values of each chunk that arrives, in order: large bodies cost one await per chunk
   * rather than one per line.
   */
  async *batches(): AsyncGenerator<NdjsonLine[]> {
    const decoder = new StringDecoder('utf8');
    let rest = '';
    let line = 0;
    for await (const chunk of this.#source) {
      const buf = chunk as Buffer;
      this.#take(buf);
      const text = rest + decoder.write(buf);
      const parts = text.split('\n');
      rest = parts.pop()!;
      const batch = parseLines(parts, line);
      line += parts.length;
      if (batch.length > 0) yield batch;
    }
    rest += decoder.end();
    if (rest !== '') {
      const batch = parseLines([rest], line);
      if (batch.length > 0) yield batch;
    }
  }
}

function parseOne(text: string, n: number): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ApiError(400, 'invalid-ndjson', `line ${n} is not JSON`, [{ where: `body:${n}`, message: (err as Error).message }]);
  }
}

/** Lines numbered from first + 1; blank lines are skipped but counted. */
function parseLines(parts: readonly string[], first: number): NdjsonLine[] {
  const out: NdjsonLine[] = [];
  for (let i = 0; i < parts.length; i++) {
    let t = parts[i]!;
    if (t.endsWith('\r')) t = t.slice(0, -1);
    if (t.trim() === '') continue;
    out.push({ line: first + i + 1, value: parseOne(t, first + i + 1) });
  }
  return out;
}
