/**
 * Worker thread: scans a part of a plain CSV file (see csv-scan.ts) and turns each record into
 * what keying needs: its subject key when given the secret (else the normalised identifier
 * material, for the calling thread to hash), its flags and its file offset. Replies in
 * batches, then with the number of records (or null when the fast path declines).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SubjectKeyer } from '../domain/subject-key.ts';
import { scanCsvRows } from './csv-scan.ts';
import { recordMaterial, type MaterialColumns } from './record-material.ts';

export interface KeyWorkerTask {
  readonly file: string;
  readonly start: number;
  readonly end: number;
  readonly columns: number;
  readonly material: MaterialColumns;
  /** The subject-key secret; without it the worker returns materials instead of keys. */
  readonly secret?: Uint8Array;
}

/** Materials are joined by line feeds: normalised material never contains one. */
export type KeyWorkerReply =
  | {
      readonly kind: 'batch';
      readonly count: number;
      /** count × 32 bytes when the worker has the secret, else empty. */
      readonly keys: Uint8Array;
      /** Joined materials when the worker has no secret, else ''. */
      readonly materials: string;
      readonly flags: Uint8Array;
      readonly unidentified: Uint8Array;
      readonly offsets: Float64Array;
    }
  | { readonly kind: 'done'; readonly rows: number | null }
  | { readonly kind: 'failed'; readonly error: string };

const BATCH = 32768;

function run(task: KeyWorkerTask): void {
  const port = parentPort!;
  const keyer = task.secret ? new SubjectKeyer(task.secret) : null;
  let materials: string[] = [];
  let keys = new Uint8Array(keyer ? BATCH * 32 : 0);
  let flags = new Uint8Array(BATCH);
  let unidentified = new Uint8Array(BATCH);
  let offsets = new Float64Array(BATCH);
  let n = 0;
  const flush = (): void => {
    const reply: KeyWorkerReply = {
      kind: 'batch',
      count: n,
      keys: keys.subarray(0, keyer ? n * 32 : 0),
      materials: materials.join('\n'),
      flags: flags.subarray(0, n),
      unidentified: unidentified.subarray(0, n),
      offsets: offsets.subarray(0, n),
    };
    port.postMessage(reply, [keys.buffer, flags.buffer, unidentified.buffer, offsets.buffer]);
    materials = [];
    keys = new Uint8Array(keyer ? BATCH * 32 : 0);
    flags = new Uint8Array(BATCH);
    unidentified = new Uint8Array(BATCH);
    offsets = new Float64Array(BATCH);
    n = 0;
  };
  const rows = scanCsvRows(task.file, task.start, task.end, task.columns, 0, (r, _i, offset) => {
    const m = recordMaterial(r, task.material);
    if (m.material === null) unidentified[n] = 1;
    if (keyer) {
      if (m.material !== null) keyer.keyOfMaterialInto(m.material, keys, n * 32);
    } else materials.push(m.material ?? '');
    flags[n] = m.flags;
    offsets[n] = offset;
    if (++n === BATCH) flush();
  });
  if (rows !== null && n > 0) flush();
  port.postMessage({ kind: 'done', rows } satisfies KeyWorkerReply);
}

try {
  run(workerData as KeyWorkerTask);
} catch (err) {
  parentPort!.postMessage({ kind: 'failed', error: String((err as Error)?.stack ?? err) } satisfies KeyWorkerReply);
}
