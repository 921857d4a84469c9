/**
 * `transfer check`: decide, record by record, whether the records in a file may go to the
 * recipient, and (optionally) write the allowed and refused subsets. Output files are written
 * beside their target and renamed into place, so a failure never leaves half a file.
 */
import { createWriteStream, renameSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { stringify } from 'csv-stringify';
import type { TransferRequest } from '../domain/types.ts';
import { readRecords, type RecordFormat } from '../ingest/record-reader.ts';
import { decide, prepareDecision, type Decision } from '../policy/decision.ts';
import type { Facts } from '../policy/facts.ts';
import type { RulePack } from '../policy/rule-pack.ts';
import type { SubjectKeyer } from '../domain/subject-key.ts';
import type { Store } from '../store/store.ts';
import { readCsvRowsAt } from './csv-scan.ts';
import { CsvFileSink } from './csv-writer.ts';
import type { OrdinalLookup } from './csv-parallel-keys.ts';
import { knownKeyLookup, subjectOrdinalsFor } from './load-facts.ts';
import { storeSecret } from './store-secret.ts';
import { keyRecords } from './transfer-records.ts';

export interface CheckOptions {
  readonly store: Store;
  readonly keyer: SubjectKeyer;
  /** The facts, or how to load them: then they load while a worker thread starts keying. */
  readonly facts: Facts | (() => Promise<Facts>);
  readonly pack: RulePack;
  readonly request: TransferRequest;
  readonly file: string;
  readonly format: RecordFormat;
  readonly allowedOut?: string | undefined;
  readonly refusedOut?: string | undefined;
  readonly onProgress?: (phase: 'read' | 'write', n: number, total: number) => void;
}

export interface CheckResult {
  readonly decision: Decision;
  readonly unidentified: number;
  /** 1 where the record's identifiers could not be read (it has no key). */
  readonly unidentifiedMask: Uint8Array;
  /** Subject keys of the records, in file order (for committing the transfer). */
  readonly keys: Uint8Array;
  readonly ordinals: Int32Array;
}

export async function checkTransfer(o: CheckOptions): Promise<CheckResult> {
  const secret = o.format === 'csv' ? storeSecret(o.store, o.keyer) : undefined;
  let facts: Facts | null = typeof o.facts === 'function' ? null : o.facts;
  let lookup: OrdinalLookup | null = null;
  // While a worker thread starts keying the file: load the facts, and do the engine's first
  // look at them (a scan of every row).
  const meanwhile = async (): Promise<void> => {
    if (typeof o.facts === 'function') facts = await o.facts();
    prepareDecision(o.request, facts!);
    lookup = await knownKeyLookup(o.store, facts!);
  };
  const keyed = await keyRecords(o.file, o.format, o.request.fields, o.keyer, (n) => o.onProgress?.('read', n, 0), { secret, meanwhile, lookup: () => lookup });
  if (facts === null) throw new Error('the facts were not loaded');
  let ordinals = keyed.ordinals;
  if (!ordinals) {
    ordinals = await subjectOrdinalsFor(o.store, facts, keyed.keys);
    for (let i = 0; i < keyed.count; i++) if (keyed.unidentified[i]) ordinals[i] = -1;
  }
  const decision = decide(o.request, { ordinals, flags: keyed.flags }, facts, o.pack);
  if (o.allowedOut || o.refusedOut) {
    const fast = o.format === 'csv' && keyed.offsets !== undefined && writeSplitCsv(o, decision, keyed.columns, keyed.offsets);
    if (!fast) await writeSplit(o, decision);
  }
  return {
    decision,
    unidentified: keyed.unidentifiedCount,
    unidentifiedMask: keyed.unidentified,
    // Joined from the chunks they were keyed in only when read (committing needs them).
    get keys() {
      return keyed.keys;
    },
    ordinals,
  };
}

interface Sink {
  write(row: Record<string, unknown>): Promise<void>;
  commit(): Promise<void>;
  abort(): void;
}

function openSink(path: string, format: RecordFormat, columns: readonly string[]): Sink {
  const tmp = `${path}.partial`;
  const file = createWriteStream(tmp);
  const csv = format === 'csv' ? stringify({ header: true, columns: [...columns] }) : null;
  if (csv) csv.pipe(file);
  const target = csv ?? file;
  return {
    async write(row) {
      const ok = csv ? csv.write(row) : file.write(`${JSON.stringify(row)}\n`);
      if (!ok) await once(target, 'drain');
    },
    async commit() {
      if (csv) csv.end();
      else file.end();
      await once(file, 'close');
      renameSync(tmp, path);
    },
    abort() {
      file.destroy();
      rmSync(tmp, { force: true });
    },
  };
}

/**
 * The allowed and refused files from a plain CSV file the fast reader read, reading again only
 * the lines of the records that are written (by their offsets). False (and nothing written)
 * when a line no longer reads as it did; the general path then runs.
 */
function writeSplitCsv(o: CheckOptions, d: Decision, columns: readonly string[], offsets: Float64Array): boolean {
  const sent = d.fields.sent;
  const sentAt = sent.map((f) => columns.indexOf(f));
  if (sentAt.some((k) => k < 0) || offsets.length !== d.requested) return false;
  let n = 0;
  for (let i = 0; i < d.requested; i++) if (d.allowedMask[i] ? o.allowedOut : o.refusedOut) n++;
  const indexes = new Int32Array(n);
  for (let i = 0, j = 0; i < d.requested; i++) if (d.allowedMask[i] ? o.allowedOut : o.refusedOut) indexes[j++] = i;
  const allowed = o.allowedOut ? new CsvFileSink(o.allowedOut, sent) : null;
  let refused: CsvFileSink | null = null;
  try {
    refused = o.refusedOut ? new CsvFileSink(o.refusedOut, [...columns, 'refused_reasons']) : null;
    let written = 0;
    // As the record object did: a column named refused_reasons holds the reasons too.
    const reasonsAt = columns.indexOf('refused_reasons');
    const ok = readCsvRowsAt(o.file, offsets, indexes, columns.length, (r, i) => {
      if (d.allowedMask[i]) {
        for (const k of sentAt) allowed!.rawField(r, k);
        allowed!.endRow();
      } else {
        const reasons = d.recordReasons(i).join(';');
        for (let k = 0; k < columns.length; k++) {
          if (k === reasonsAt) refused!.textField(reasons);
          else refused!.rawField(r, k);
        }
        refused!.textField(reasons);
        refused!.endRow();
      }
      if (++written % 50000 === 0) o.onProgress?.('write', written, n);
    });
    if (!ok) {
      allowed?.abort();
      refused?.abort();
      return false;
    }
    allowed?.commit();
    refused?.commit();
    return true;
  } catch (err) {
    allowed?.abort();
    refused?.abort();
    throw err;
  }
}

async function writeSplit(o: CheckOptions, d: Decision): Promise<void> {
  const sent = d.fields.sent;
  let columns: string[] | null = null;
  let allowed: Sink | null = null;
  let refused: Sink | null = null;
  let i = 0;
  try {
    for await (const rec of readRecords(o.file, { format: o.format })) {
      if (columns === null) {
        columns = Object.keys(rec.fields);
        if (o.allowedOut) allowed = openSink(o.allowedOut, o.format, sent);
        if (o.refusedOut) refused = openSink(o.refusedOut, o.format, [...columns, 'refused_reasons']);
      }
      if (d.allowedMask[i]) {
        if (allowed) {
          const row: Record<string, unknown> = {};
          for (const f of sent) row[f] = rec.fields[f];
          await allowed.write(row);
        }
      } else if (refused) {
        await refused.write({ ...rec.fields, refused_reasons: d.recordReasons(i).join(';') });
      }
      i++;
      if (i % 50000 === 0) o.onProgress?.('write', i, d.requested);
    }
    await allowed?.commit();
    await refused?.commit();
  } catch (err) {
    allowed?.abort();
    refused?.abort();
    throw err;
  }
}
