/**
 * `consentry consent import`: streams a CSV or JSON Lines file of consent events into the store.
 *
 * Pass 1 checks every row (and every event id already stored) without writing anything, so a
 * failing import leaves the store exactly as it was and the user sees all the problems at once.
 * Pass 2 writes in batches, each one transaction that also records how far the run got, so a
 * crashed import resumes where it stopped; re-importing stored events adds nothing.
 */
import { createWriteStream } from 'node:fs';
import { canonicalJson } from '../domain/canonical-json.ts';
import type { SubjectKeyer } from '../domain/subject-key.ts';
import type { ConsentEvent, Notice } from '../domain/types.ts';
import { UserError, type Problem } from '../errors.ts';
import type { Store } from '../store/store.ts';
import { sameConsentContent } from '../domain/consent-event.ts';
import { checkConsentRow, REQUIRED_CONSENT_COLUMNS, type CheckedRow, type RowContext } from './consent-row.ts';
import { fileSha256, fnv1a } from './file-digest.ts';
import { IdFingerprints } from './id-fingerprints.ts';
import { readRecords, type RecordFormat } from './record-reader.ts';

export interface ImportOptions {
  readonly store: Store;
  readonly keyer: SubjectKeyer;
  readonly controller: string;
  readonly file: string;
  readonly format: RecordFormat;
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
}

const MAX_LISTED_PROBLEMS = 20;

export async function importConsents(o: ImportOptions): Promise<ImportSummary> {
  const org = await o.store.getOrganisation(o.controller);
  if (!org) {
    throw new UserError('unknown-organisation', `unknown organisation "${o.controller}"`, [{ where: '--org', message: 'register it first with `consentry org add`' }]);
  }
  const ctx = await rowContext(o.store, o.controller);
  const batchSize = o.batchSize ?? 5000;

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
  for await (const rec of readRecords(o.file, { format: o.format, required: REQUIRED_CONSENT_COLUMNS })) {
    rows++;
    const checked = checkConsentRow(rec.fields, ctx);
    if (!checked.ok) {
      for (const p of checked.problems) problems.push({ where: `${o.file}:${rec.line}`, field: p.field, message: p.message });
      badLines.add(rec.line);
    } else {
      const fp = fnv1a(canonicalJson(checked.row));
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
    for await (const rec of readRecords(o.file, { format: o.format, required: REQUIRED_CONSENT_COLUMNS })) {
      done++;
      if (badLines.has(rec.line)) {
        rejects?.write(`${JSON.stringify({ line: rec.line, problems: (problemsByLine.get(rec.line) ?? []).map((p) => ({ field: p.field, message: p.message })), record: rec.fields })}\n`);
        continue;
      }
      if (rec.line <= resumeAfter) continue;
      const checked = checkConsentRow(rec.fields, ctx);
      if (!checked.ok) throw new UserError('file-changed', `${o.file} changed while it was being imported`, [{ where: `${o.file}:${rec.line}`, message: 'run the import again' }]);
      batch.push(withKey(checked.row, o.keyer));
      batchLastLine = rec.line;
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
  return { ...rest, subject: keyer.keyOfMaterial(identifier) };
}
