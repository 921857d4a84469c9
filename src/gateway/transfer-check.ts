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
import { decide, type Decision } from '../policy/decision.ts';
import type { Facts } from '../policy/facts.ts';
import type { RulePack } from '../policy/rule-pack.ts';
import type { SubjectKeyer } from '../domain/subject-key.ts';
import type { Store } from '../store/store.ts';
import { keyRecords } from './transfer-records.ts';

export interface CheckOptions {
  readonly store: Store;
  readonly keyer: SubjectKeyer;
  readonly facts: Facts;
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
  const keyed = await keyRecords(o.file, o.format, o.request.fields, o.keyer, (n) => o.onProgress?.('read', n, 0));
  const ordinals = await o.store.subjectOrdinals(keyed.keys);
  for (let i = 0; i < keyed.count; i++) if (keyed.unidentified[i]) ordinals[i] = -1;
  const decision = decide(o.request, { ordinals, flags: keyed.flags }, o.facts, o.pack);
  if (o.allowedOut || o.refusedOut) await writeSplit(o, decision);
  return { decision, unidentified: keyed.unidentifiedCount, unidentifiedMask: keyed.unidentified, keys: keyed.keys, ordinals };
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
