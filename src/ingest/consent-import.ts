/**
 * `consentry consent import`: streams a CSV or JSON Lines file of consent events into the store.
 *
 * Pass 1 checks every row (and every event id already stored) without writing anything, so a
 * failing import leaves the store exactly as it was and the user sees all the problems at once.
 * Pass 2 writes in batches, each one transaction that also records how far the run got, so a
 * crashed import resumes where it stopped; re-importing stored events adds nothing.
 */
import { createWriteStream } from 'node:fs';
import type { SubjectKeyer } from '../domain/subject-key.ts';
import type { ConsentEvent, Notice } from '../domain/types.ts';
import { UserError, type Problem } from '../errors.ts';
import type { Store } from '../store/store.ts';
import { sameConsentContent } from '../domain/consent-event.ts';
import { checkConsentRow, checkedRowText, REQUIRED_CONSENT_COLUMNS, SUBJECT_KEY_MATERIAL, type CheckedRow, type RowContext } from './consent-row.ts';
import { fileSha256, fnv1a } from './file-digest.ts';
import { IdFingerprints } from './id-fingerprints.ts';
import { readRecords, type RecordFormat } from './record-reader.ts';

/**
 * Turns each record of another format (a standard consent record, a row carrying a privacy
 * signal) into rows of our import format, which the usual row check then validates. A record
 * may give several rows; all of them share its line number.
 */
export interface RecordAdapter {
  readonly format: RecordFormat;
  readonly required: readonly string[];
  /** Rows may carry `subject_key` instead of identifiers (records exported by this deployment). */
  readonly subjectKeys: boolean;
  adapt(fields: Record<string, unknown>): AdaptedRecord;
}

export type AdaptedRecord =
  | {
      readonly ok: true;
      readonly rows: readonly Record<string, unknown>[];
      /** Source keys with no mapping to ours (listed in the summary). */
      readonly unmapped: readonly string[];
      /** Our column → the source field it came from, so problems name the field the user wrote. */
      readonly sources?: Readonly<Record<string, string>>;
    }
  | { readonly ok: false; readonly problems: readonly { readonly field: string; readonly message: string }[] };

export interface ImportOptions {
  readonly store: Store;
  readonly keyer: SubjectKeyer;
  readonly controller: string;
  readonly file: string;
  readonly format: RecordFormat;
  /** Reads another format through this adapter (then `format` is ignored). */
  readonly adapter?: RecordAdapter;
  /** Store the good rows and write the bad ones to `rejectsFile`. */
  readonly skipInvalid?: boolean;
  readonly rejectsFile?: string;
  readonly batchSize?: number;
  readonly onProgress?: (phase: 'check' | 'write', done: number, total: number) => void;
}

export interface ImportSummary {
  readonly file: string;
  readonly controller: string;
  readonly rows: number;
  readonly inserted: number;
  readonly unchanged: number;
  readonly rejected: number;
  readonly newSubjects: number;
  readonly resumedFromLine: number;
  readonly rejectsFile: string | null;
  /** With an adapter: source keys that have no mapping to ours, with how many records named each. */
  readonly unmapped?: Readonly<Record<string, number>>;
}

const MAX_LISTED_PROBLEMS = 20;

export async function importConsents(o: ImportOptions): Promise<ImportSummary> {
  const org = await o.store.getOrganisation(o.controller);
  if (!org) {
    throw new UserError('unknown-organisation', `unknown organisation "${o.controller}"`, [{ where: '--org', message: 'register it first with `consentry org add`' }]);
  }
  const ctx: RowContext = { ...(await rowContext(o.store, o.controller)), allowSubjectKey: o.adapter?.subjectKeys === true };
  const batchSize = o.batchSize ?? 5000;
  const read = { format: o.adapter?.format ?? o.format, required: o.adapter?.required ?? REQUIRED_CONSENT_COLUMNS };
  const unmapped = new Map<string, number>();
  // Without an adapter a record is one row, exactly as before.
  const rowsOf = (fields: Record<string, unknown>, note: boolean): AdaptedRecord => {
    if (!o.adapter) return { ok: true, rows: [fields], unmapped: [] };
    const a = o.adapter.adapt(fields);
    if (note && a.ok) for (const k of new Set(a.unmapped)) unmapped.set(k, (unmapped.get(k) ?? 0) + 1);
    return a;
  };

  // Pass 1: check everything, write nothing.
  const problems: Problem[] = [];
  const badLines = new Set<number>();
  const seen = new IdFingerprints();
  let rows = 0;
  let pendingIds: { line: number; row: CheckedRow }[] = [];
  const flushExisting = async (): Promise<void> => {
    if (pendingIds.length === 0) return;
    const stored = await o.store.findConsentEvents(o.controller, pendingIds.map((p) => p.row.id));
    for (const p of pendingIds) {
      const s = stored.get(p.row.id);
      if (s && !sameConsentContent(s, withKey(p.row, o.keyer))) {
        problems.push({ where: `${o.file}:${p.line}`, field: 'event_id', message: `event "${p.row.id}" is already stored with different content; give a changed event a new id` });
        badLines.add(p.line);
      }
    }
    pendingIds = [];
  };
  const anyStored = (await o.store.stats()).consentEvents > 0;
  for await (const rec of readRecords(o.file, read)) {
    rows++;
    const adapted = rowsOf(rec.fields, true);
    if (!adapted.ok) {
      for (const p of adapted.problems) problems.push({ where: `${o.file}:${rec.line}`, field: p.field, message: p.message });
      badLines.add(rec.line);
    }
    for (const row of adapted.ok ? adapted.rows : []) {
      const checked = checkConsentRow(row, ctx);
      if (!checked.ok) {
        const sources = adapted.ok ? adapted.sources : undefined;
        for (const p of checked.problems) problems.push({ where: `${o.file}:${rec.line}`, field: sources?.[p.field] ?? p.field, message: p.message });
        badLines.add(rec.line);
      } else {
        const fp = fnv1a(checkedRowText(checked.row));
        const prev = seen.remember(checked.row.id, fp);
        if (prev !== -1 && prev !== fp) {
          problems.push({ where: `${o.file}:${rec.line}`, field: 'event_id', message: `event "${checked.row.id}" appears earlier in the file with different content` });
          badLines.add(rec.line);
        } else {
          if (anyStored) {
            pendingIds.push({ line: rec.line, row: checked.row });
            if (pendingIds.length >= 500) await flushExisting();
          }
        }
      }
    }
    if (rows % 10000 === 0) o.onProgress?.('check', rows, 0);
  }
  await flushExisting();
  o.onProgress?.('check', rows, rows);

  if (problems.length > 0 && !o.skipInvalid) {
    const shown = problems.slice(0, MAX_LISTED_PROBLEMS);
    const more = problems.length - shown.length;
    throw new UserError(
      'invalid-rows',
      `${badLines.size} of ${rows} row${rows === 1 ? '' : 's'} in ${o.file} cannot be imported; nothing was stored` +
        (more > 0 ? ` (first ${shown.length} problems shown, ${more} more)` : ''),
      shown,
    );
  }

  // Pass 2: write in batches.
  const digest = await fileSha256(o.file);
  const run = await o.store.beginImport(o.controller, digest, rows);
  const resumeAfter = run.committedLine;
  const rejectsFile = problems.length > 0 ? (o.rejectsFile ?? `${o.file}.rejects.jsonl`) : null;
  const rejects = rejectsFile ? createWriteStream(rejectsFile) : null;
  const problemsByLine = new Map<number, Problem[]>();
  for (const p of problems) {
    const line = Number(p.where.slice(p.where.lastIndexOf(':') + 1));
    problemsByLine.set(line, [...(problemsByLine.get(line) ?? []), p]);
  }
  let inserted = 0;
  let unchanged = 0;
  let newSubjects = 0;
  let done = 0;
  let batch: ConsentEvent[] = [];
  let batchLastLine = 0;
  const writeBatch = async (): Promise<void> => {
    if (batch.length === 0) return;
    const r = await o.store.appendConsentEvents(batch, { runId: run.id, line: batchLastLine });
    inserted += r.inserted;
    unchanged += r.unchanged;
    newSubjects += r.newSubjects;
    batch = [];
  };
  try {
    for await (const rec of readRecords(o.file, read)) {
      done++;
      if (badLines.has(rec.line)) {
        rejects?.write(`${JSON.stringify({ line: rec.line, problems: (problemsByLine.get(rec.line) ?? []).map((p) => ({ field: p.field, message: p.message })), record: rec.fields })}\n`);
        continue;
      }
      if (rec.line <= resumeAfter) continue;
      const adapted = rowsOf(rec.fields, false);
      for (const row of adapted.ok ? adapted.rows : [null]) {
        const checked = row === null ? null : checkConsentRow(row, ctx);
        if (!checked?.ok) throw new UserError('file-changed', `${o.file} changed while it was being imported`, [{ where: `${o.file}:${rec.line}`, message: 'run the import again' }]);
        batch.push(withKey(checked.row, o.keyer));
      }
      batchLastLine = rec.line;
      // Batches end at record boundaries: a resumed import skips whole records.
      if (batch.length >= batchSize) {
        await writeBatch();
        o.onProgress?.('write', done, rows);
      }
    }
    await writeBatch();
    o.onProgress?.('write', rows, rows);
    await o.store.finishImport(run.id);
  } finally {
    if (rejects) await new Promise<void>((res) => rejects.end(res));
  }
  return {
    file: o.file,
    controller: o.controller,
    rows,
    inserted,
    unchanged,
    rejected: badLines.size,
    newSubjects,
    resumedFromLine: resumeAfter,
    rejectsFile,
    ...(o.adapter ? { unmapped: Object.fromEntries([...unmapped].sort(([a], [b]) => a.localeCompare(b))) } : {}),
  };
}

export async function rowContext(store: Store, controller: string): Promise<RowContext> {
  const organisations = new Set((await store.listOrganisations()).map((x) => x.id));
  const notices = new Map<string, Notice>();
  for (const n of await store.listNotices(controller)) {
    notices.set(n.id, n);
    notices.set(n.hash, n);
  }
  return { controller, organisations, notices };
}

function withKey(row: CheckedRow, keyer: SubjectKeyer): ConsentEvent {
  const { identifier, ...rest } = row;
  const subject = identifier.startsWith(SUBJECT_KEY_MATERIAL) ? new Uint8Array(Buffer.from(identifier.slice(SUBJECT_KEY_MATERIAL.length), 'hex')) : keyer.keyOfMaterial(identifier);
  return { ...rest, subject };
}
