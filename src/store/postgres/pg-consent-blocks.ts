/**
 * The PostgreSQL side of consent blocks (../consent-blocks.ts): writing a load's blocks with
 * COPY and finding events in them by id, by subject and by sequence number, as rows like
 * consent_events'. Block ids compare in the "C" collation, which orders UTF-8 bytes as the
 * encoder does.
 */
import { ConsentBlock, type EncodedBlock } from '../consent-blocks.ts';
import type { ConsentRow } from '../row-mappers.ts';
import type { BinaryCopyWriter } from './pg-copy.ts';
import type { Querier } from './pg-session.ts';

export const BLOCK_COLUMNS = ['first_seq', 'count', 'controller', 'first_id', 'last_id', 'min_ordinal', 'max_ordinal', 'body'];

interface BlockRow {
  first_seq: number;
  controller: number;
  body: Buffer;
}

/** A block's row in the binary COPY format. */
export function writeBlockRow(w: BinaryCopyWriter, firstSeq: number, b: EncodedBlock): void {
  w.row(8).int8(firstSeq).int4(b.to - b.from).int4(b.controller).text(b.firstId).text(b.lastId).int4(b.minOrdinal).int4(b.maxOrdinal).bytes(b.body);
}

export async function anyBlocks(c: Querier): Promise<boolean> {
  return (await c.query<{ x: boolean }>('SELECT EXISTS (SELECT 1 FROM consent_event_blocks) AS x')).rows[0]!.x;
}

const decode = (r: BlockRow): ConsentBlock => new ConsentBlock(r.first_seq, r.controller, r.body);

/** The blocks' subjects' keys by ordinal, in one query. */
export async function blockKeys(c: Querier, blocks: readonly ConsentBlock[]): Promise<(ordinal: number) => Buffer> {
  const ordinals = new Set<number>();
  for (const b of blocks) for (const o of b.ordinals) ordinals.add(o);
  const keys = new Map<number, Buffer>();
  if (ordinals.size > 0) {
    const r = await c.query<{ ordinal: number; key: Buffer }>('SELECT ordinal, key FROM subjects WHERE ordinal = ANY($1::int[])', [[...ordinals]]);
    for (const row of r.rows) keys.set(row.ordinal, row.key);
  }
  return (o) => {
    const k = keys.get(o);
    if (k === undefined) throw new Error(`subject ${o} of a consent block is missing`);
    return k;
  };
}

/** The events among `ids` of the controller with dictionary code `controller`, by id. */
export async function blockEventsById(c: Querier, controller: number, ids: readonly string[]): Promise<Map<string, ConsentRow>> {
  const out = new Map<string, ConsentRow>();
  if (ids.length === 0) return out;
  // Each id's block is the one with the greatest first id not above it, if its last id is not below.
  const r = await c.query<BlockRow>(
    `SELECT first_seq, controller, body FROM consent_event_blocks WHERE first_seq IN (
       SELECT b.first_seq FROM unnest($2::text[]) AS x(id)
       CROSS JOIN LATERAL (SELECT first_seq, last_id FROM consent_event_blocks
                            WHERE controller = $1 AND first_id <= x.id COLLATE "C" ORDER BY first_id DESC LIMIT 1) b
       WHERE b.last_id >= x.id COLLATE "C")`,
    [controller, ids],
  );
  if (r.rows.length === 0) return out;
  const blocks = r.rows.map(decode);
  const wanted = new Set(ids);
  const hits: [ConsentBlock, number][] = [];
  for (const b of blocks) for (let i = 0; i < b.count; i++) if (wanted.has(b.idAt(i))) hits.push([b, i]);
  const keyOf = await blockKeys(c, blocks);
  for (const [b, i] of hits) out.set(b.idAt(i), b.row(i, keyOf(b.ordinals[i]!)));
  return out;
}

/** The subject's events kept in blocks, in sequence order. */
export async function blockEventsOfOrdinal(c: Querier, ordinal: number, key: Buffer): Promise<ConsentRow[]> {
  const r = await c.query<BlockRow>(
    'SELECT first_seq, controller, body FROM (SELECT * FROM consent_event_blocks WHERE min_ordinal <= $1 ORDER BY min_ordinal DESC LIMIT 1) b WHERE max_ordinal >= $1',
    [ordinal],
  );
  const out: ConsentRow[] = [];
  for (const row of r.rows) {
    const b = decode(row);
    for (let i = 0; i < b.count; i++) if (b.ordinals[i] === ordinal) out.push(b.row(i, key));
  }
  return out;
}

/** At most `limit` blocks with first sequence number in [from, to), in order. */
export async function blocksIn(c: Querier, from: number, to: number, limit: number): Promise<ConsentBlock[]> {
  const r = await c.query<BlockRow>('SELECT first_seq, controller, body FROM consent_event_blocks WHERE first_seq >= $1 AND first_seq < $2 ORDER BY first_seq LIMIT $3', [from, to, limit]);
  return r.rows.map(decode);
}

/** The events with sequence numbers in [from, to), in order. */
export async function blockEventsInSeqRange(c: Querier, from: number, to: number): Promise<ConsentRow[]> {
  const r = await c.query<BlockRow>(
    `SELECT first_seq, controller, body FROM consent_event_blocks
      WHERE first_seq < $2 AND first_seq >= coalesce((SELECT max(first_seq) FROM consent_event_blocks WHERE first_seq <= $1), $1) ORDER BY first_seq`,
    [from, to],
  );
  const blocks = r.rows.map(decode);
  const keyOf = await blockKeys(c, blocks);
  const out: ConsentRow[] = [];
  for (const b of blocks) {
    for (let i = Math.max(0, from - b.firstSeq); i < b.count && b.firstSeq + i < to; i++) out.push(b.row(i, keyOf(b.ordinals[i]!)));
  }
  return out;
}

/** Runs of adjacent blocks as [first seq, end seq) spans, in order: the rows lie between them. */
export async function blockSpans(c: Querier): Promise<[number, number][]> {
  const r = await c.query<{ first_seq: number; count: number }>('SELECT first_seq, count FROM consent_event_blocks ORDER BY first_seq');
  const spans: [number, number][] = [];
  for (const { first_seq: first, count } of r.rows) {
    const last = spans[spans.length - 1];
    if (last !== undefined && last[1] === first) last[1] = first + count;
    else spans.push([first, first + count]);
  }
  return spans;
}
