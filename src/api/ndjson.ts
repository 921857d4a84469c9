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

export class NdjsonBody {
  readonly #source: Readable;
  readonly #limit: number;
  readonly #hash: Hash = createHash('sha256');
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
    return this.#hash.copy().digest('hex');
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
      this.#bytes += buf.length;
      if (this.#bytes > this.#limit) {
        this.#source.destroy();
        throw new ApiError(413, 'body-too-large', `the body is larger than ${this.#limit} bytes`, [{ where: 'body', message: `send at most ${this.#limit} bytes per request; split larger uploads` }]);
      }
      this.#hash.update(buf);
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
