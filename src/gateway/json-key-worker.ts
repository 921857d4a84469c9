/**
 * Worker thread: keys batches of NDJSON lines (json-lines-keying.ts) for the thread that
 * receives an upload, which puts them in order with its own (json-key-pool.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { JsonLineScanner } from './json-line-scan.ts';
import { keyJsonLines, type JsonFields } from './json-lines-keying.ts';
import { secretHasher } from './key-hasher.ts';
import { RowKeys } from './row-keys.ts';

export interface JsonBatch {
  readonly id: number;
  readonly fields: JsonFields;
  readonly buf: Uint8Array;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  readonly count: number;
}

export type JsonBatchReply =
  | {
      readonly id: number;
      readonly ok: true;
      /** Per line: its record's index in the arrays below, SKIPPED or LEFT. */
      readonly status: Int32Array;
      readonly records: number;
      readonly keys: Uint8Array;
      readonly flags: Uint8Array;
      readonly unidentified: Uint8Array;
    }
  | { readonly id: number; readonly ok: false; readonly error: string };

const hasher = secretHasher(workerData as Uint8Array);
/** One reader per set of fields: each learns the shape of its lines. */
const scanners = new Map<string, JsonLineScanner>();

parentPort!.on('message', (b: JsonBatch) => {
  try {
    const key = b.fields.names.join(',');
    let scanner = scanners.get(key);
    if (!scanner) scanners.set(key, (scanner = new JsonLineScanner(b.fields.names)));
    const keys = new RowKeys(hasher, b.fields.columns, false, b.count + 1);
    const status = new Int32Array(b.count);
    const buf = Buffer.from(b.buf.buffer, b.buf.byteOffset, b.buf.byteLength);
    keyJsonLines(buf, b.starts, b.ends, b.count, scanner, keys, status);
    keys.finish();
    const reply: JsonBatchReply = { id: b.id, ok: true, status, records: keys.count, keys: keys.keys, flags: keys.flags, unidentified: keys.unidentified };
    parentPort!.postMessage(reply, [status.buffer, keys.keys.buffer, keys.flags.buffer, keys.unidentified.buffer]);
  } catch (err) {
    parentPort!.postMessage({ id: b.id, ok: false, error: String((err as Error)?.stack ?? err) } satisfies JsonBatchReply);
  }
});
parentPort!.postMessage('ready');
