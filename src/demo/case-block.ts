/**
 * A block of consecutive registrants rendered to file contents. Blocks are the unit of work whether
 * the case is written in this thread or spread over worker threads, so both give the same bytes.
 */
import { ByteAccumulator } from './byte-accumulator.ts';
import { CaseTally } from './case-summary.ts';
import type { CaseSummary } from './case-summary.ts';
import { appendConsentEvents } from './consent-events.ts';
import type { ImportRow } from './consent-events.ts';
import { generatedEventsCsv, generatedEventsJsonl, generatedRegistrantCsv } from './generated-lines.ts';
import { registrantRange } from './registrants.ts';
import { Rng } from './rng.ts';

export interface CaseBlock {
  readonly seed: number;
  /** Ordinal of the first registrant. */
  readonly first: number;
  readonly count: number;
  readonly jsonl: boolean;
}

/** File contents of one block, UTF-8 encoded, plus its counts. Each array starts at offset 0 of its own ArrayBuffer. */
export interface EncodedBlock {
  readonly registrantsCsv: Uint8Array;
  readonly eventsCsv: Uint8Array;
  /** Empty unless JSON Lines were asked for. */
  readonly eventsJsonl: Uint8Array;
  readonly counts: CaseSummary;
}

/** Text is handed to the byte buffers in pieces of about this many characters. */
const PIECE = 1 << 16;

/** Splits registrants 1..records into blocks of `size`. */
export function caseBlocks(seed: number, records: number, size: number, jsonl: boolean): CaseBlock[] {
  if (!Number.isSafeInteger(size) || size < 1) throw new RangeError(`block size must be a positive integer, got ${size}`);
  const blocks: CaseBlock[] = [];
  for (let first = 1; first <= records; first += size) {
    blocks.push({ seed, first, count: Math.min(size, records - first + 1), jsonl });
  }
  return blocks;
}

export function encodeBlock(block: CaseBlock): EncodedBlock {
  const tally = new CaseTally(block.seed);
  const rng = new Rng(block.seed);
  const rows: ImportRow[] = [];
  // Sized from the measured averages (about 99, 356 and 560 bytes per registrant) plus headroom.
  const regBytes = new ByteAccumulator(block.count * 110 + PIECE * 3);
  const csvBytes = new ByteAccumulator(block.count * 400 + PIECE * 3);
  const jsonBytes = new ByteAccumulator(block.jsonl ? block.count * 640 + PIECE * 3 : 0);
  let registrants = '';
  let events = '';
  let jsonl = '';
  for (const r of registrantRange(block.seed, block.first, block.count)) {
    tally.registrant(r);
    rows.length = 0;
    appendConsentEvents(r, block.seed, rng, rows);
    for (let i = 0; i < rows.length; i++) tally.event(rows[i] as ImportRow);
    registrants += generatedRegistrantCsv(r);
    events += generatedEventsCsv(rows);
    if (block.jsonl) jsonl += generatedEventsJsonl(rows);
    if (events.length > PIECE) {
      regBytes.append(registrants);
      csvBytes.append(events);
      jsonBytes.append(jsonl);
      registrants = events = jsonl = '';
    }
  }
  regBytes.append(registrants);
  csvBytes.append(events);
  jsonBytes.append(jsonl);
  return {
    registrantsCsv: regBytes.bytes(),
    eventsCsv: csvBytes.bytes(),
    eventsJsonl: jsonBytes.bytes(),
    counts: tally.summary(),
  };
}
