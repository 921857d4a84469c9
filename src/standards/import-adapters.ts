/**
 * `consent import --format 27560|kantara|tcf|gpp`: each standard as an adapter that turns a
 * record into rows of our import format, so the import keeps its guarantees (two passes,
 * file:line and field in every error, nothing stored on failure, idempotent re-import).
 */
import type { AdaptedRecord, RecordAdapter } from '../ingest/consent-import.ts';
import { SignalError } from './bits.ts';
import { adaptRecord27560 } from './consent-27560.ts';
import { decodeGppString } from './gpp-string.ts';
import { adaptKantaraReceipt } from './kantara-receipt.ts';
import { signalConsentRows } from './signal-consent.ts';
import { decodeTcString, type TcString } from './tcf-string.ts';

export const STANDARD_IMPORT_FORMATS = ['27560', 'kantara', 'tcf', 'gpp'] as const;
export type StandardImportFormat = (typeof STANDARD_IMPORT_FORMATS)[number];

/** Identifier columns and the notice travel with a signal string unchanged. */
const PASS_THROUGH = ['email', 'name', 'postcode', 'dob', 'notice'] as const;

function signalAdapter(column: 'tc_string' | 'gpp_string', decode: (s: string) => TcString): RecordAdapter {
  return {
    format: 'csv',
    required: ['event_id', column],
    subjectKeys: false,
    adapt(fields): AdaptedRecord {
      const raw = typeof fields[column] === 'string' ? (fields[column] as string).trim() : '';
      const eventId = typeof fields.event_id === 'string' ? fields.event_id.trim() : '';
      if (eventId === '') return { ok: false, problems: [{ field: 'event_id', message: 'event_id is required' }] };
      let tc: TcString;
      try {
        tc = decode(raw);
      } catch (err) {
        if (err instanceof SignalError) return { ok: false, problems: [{ field: column, message: err.message }] };
        throw err;
      }
      const passThrough: Record<string, unknown> = {};
      for (const k of PASS_THROUGH) if (k in fields) passThrough[k] = fields[k];
      const { rows, unmapped } = signalConsentRows(tc, { eventId, passThrough, evidence: `${column === 'tc_string' ? 'tcf' : 'gpp'}:${raw}` });
      if (rows.length === 0) return { ok: false, problems: [{ field: column, message: 'says nothing about any of our purposes' }] };
      return { ok: true, rows, unmapped, sources: { evidence: column, at: `${column} (lastUpdated)` } };
    },
  };
}

function tcfOfGpp(s: string): TcString {
  const g = decodeGppString(s);
  if (!g.tcfEuV2) throw new SignalError('header.sections', `carries no EU TCF v2 section (id 2); it has ${g.sections.map((x) => `${x.id} (${x.name})`).join(', ')}`);
  return g.tcfEuV2;
}

const jsonAdapter = (adapt: (v: unknown) => AdaptedRecord): RecordAdapter => ({ format: 'jsonl', required: [], subjectKeys: true, adapt });

export function importAdapter(format: StandardImportFormat): RecordAdapter {
  switch (format) {
    case '27560':
      return jsonAdapter(adaptRecord27560);
    case 'kantara':
      return jsonAdapter(adaptKantaraReceipt);
    case 'tcf':
      return signalAdapter('tc_string', decodeTcString);
    case 'gpp':
      return signalAdapter('gpp_string', tcfOfGpp);
  }
}
