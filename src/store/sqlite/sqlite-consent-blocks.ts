/**
 * The SQLite side of consent blocks (../consent-blocks.ts): writing a load's blocks and finding
 * events in them by id, by subject and by sequence number, as rows like consent_events'.
 */
import type Database from 'better-sqlite3';
import { compareUtf8, ConsentBlock, type EncodedBlock } from '../consent-blocks.ts';
import type { ConsentRow } from '../row-mappers.ts';

interface BlockRow {
  first_seq: number;
  controller: number;
  body: Buffer;
}

type Statements = Record<'insert' | 'any' | 'count' | 'byId' | 'byOrdinal' | 'bySeq' | 'inRange' | 'all' | 'keys' | 'key', Database.Statement>;

export class SqliteConsentBlocks {
  readonly #db: Database.Database;
  #q: Statements | null = null;
  /** The last block decoded (lookups come in runs of neighbouring ids). Blocks never change. */
  #last: ConsentBlock | null = null;
  #keysFor: ConsentBlock | null = null;
  #keysOfLast: ((ordinal: number) => Buffer) | null = null;

  constructor(db: Database.Database) {
    this.#db = db;
  }

  get #s(): Statements {
    return (this.#q ??= {
      insert: this.#db.prepare('INSERT INTO consent_event_blocks (first_seq, count, controller, first_id, last_id, min_ordinal, max_ordinal, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      any: this.#db.prepare('SELECT EXISTS (SELECT 1 FROM consent_event_blocks) AS x').pluck(),
      count: this.#db.prepare('SELECT coalesce(sum(count), 0) FROM consent_event_blocks').pluck(),
      byId: this.#db.prepare('SELECT first_seq, controller, body, last_id FROM consent_event_blocks WHERE controller = ? AND first_id <= ? ORDER BY first_id DESC LIMIT 1'),
      byOrdinal: this.#db.prepare('SELECT first_seq, controller, body, max_ordinal FROM consent_event_blocks WHERE min_ordinal <= ? ORDER BY min_ordinal DESC LIMIT 1'),
      bySeq: this.#db.prepare('SELECT first_seq, controller, body FROM consent_event_blocks WHERE first_seq = ?'),
      inRange: this.#db.prepare(
        'SELECT first_seq, controller, body FROM consent_event_blocks WHERE first_seq < @to AND first_seq >= coalesce((SELECT max(first_seq) FROM consent_event_blocks WHERE first_seq <= @from), @from) ORDER BY first_seq',
      ),
      all: this.#db.prepare('SELECT first_seq FROM consent_event_blocks ORDER BY first_seq').pluck(),
      keys: this.#db.prepare('SELECT ordinal, key FROM subjects WHERE ordinal >= ? AND ordinal <= ?').raw(true),
      key: this.#db.prepare('SELECT key FROM subjects WHERE ordinal = ?').pluck(),
    });
  }

  write(firstSeq: number, b: EncodedBlock): void {
    this.#s.insert.run(firstSeq, b.to - b.from, b.controller, b.firstId, b.lastId, b.minOrdinal, b.maxOrdinal, b.body);
  }

  any(): boolean {
    return this.#s.any.get() === 1;
  }

  /** Events kept in blocks. */
  count(): number {
    return this.#s.count.get() as number;
  }

  /** Forgets what was decoded (a load that wrote blocks rolled back). */
  forget(): void {
    this.#last = null;
    this.#keysFor = null;
    this.#keysOfLast = null;
  }

  #decode(r: BlockRow): ConsentBlock {
    if (this.#last?.firstSeq === r.first_seq) return this.#last;
    return (this.#last = new ConsentBlock(r.first_seq, r.controller, r.body));
  }

  /** The events among `ids` of the controller with dictionary code `controller`, by id. */
  findIds(controller: number, ids: Iterable<string>): Map<string, ConsentRow> {
    const out = new Map<string, ConsentRow>();
    const s = this.#s;
    for (const id of ids) {
      const last = this.#last;
      let i = last !== null && last.controller === controller ? last.indexOfId(id) : -1;
      let block = last;
      if (i < 0) {
        const r = s.byId.get(controller, id) as (BlockRow & { last_id: string }) | undefined;
        if (r === undefined || compareUtf8(r.last_id, id) < 0) continue;
        block = this.#decode(r);
        i = block.indexOfId(id);
      }
      if (i >= 0) out.set(id, block!.row(i, this.#lastKeys(block!.ordinals[i]!)));
    }
    return out;
  }

  /** The key of a subject of the last block decoded: its keys are read once, in one range. */
  #lastKeys(ordinal: number): Buffer {
    const block = this.#last!;
    if (this.#keysFor !== block) {
      this.#keysOfLast = this.keysOf(block);
      this.#keysFor = block;
    }
    return this.#keysOfLast!(ordinal);
  }

  /** The subject's events kept in blocks, in sequence order. */
  ofOrdinal(ordinal: number, key: Buffer): ConsentRow[] {
    const r = this.#s.byOrdinal.get(ordinal) as (BlockRow & { max_ordinal: number }) | undefined;
    if (r === undefined || r.max_ordinal < ordinal) return [];
    const block = this.#decode(r);
    const out: ConsentRow[] = [];
    for (let i = 0; i < block.count; i++) if (block.ordinals[i] === ordinal) out.push(block.row(i, key));
    return out;
  }

  /** The events with sequence numbers in [from, to), in order. */
  inSeqRange(from: number, to: number): ConsentRow[] {
    const out: ConsentRow[] = [];
    for (const r of this.#s.inRange.all({ from, to }) as BlockRow[]) {
      const block = this.#decode(r);
      const keyOf = this.keysOf(block);
      for (let i = Math.max(0, from - block.firstSeq); i < block.count && block.firstSeq + i < to; i++) out.push(block.row(i, keyOf(block.ordinals[i]!)));
    }
    return out;
  }

  /** First sequence numbers of every block, in order. */
  firstSeqs(): number[] {
    return this.#s.all.all() as number[];
  }

  block(firstSeq: number): ConsentBlock {
    const r = this.#s.bySeq.get(firstSeq) as BlockRow | undefined;
    if (r === undefined) throw new Error(`consent block ${firstSeq} is missing`);
    return this.#decode(r);
  }

  /** Its subjects' keys by ordinal: one range read when the ordinals are close, as a load's are. */
  keysOf(block: ConsentBlock): (ordinal: number) => Buffer {
    let lo = Infinity;
    let hi = -Infinity;
    for (const o of block.ordinals) {
      if (o < lo) lo = o;
      if (o > hi) hi = o;
    }
    if (hi - lo > 4 * block.count) return (o) => this.#key(o);
    const keys = new Map<number, Buffer>();
    for (const [o, k] of this.#s.keys.iterate(lo, hi) as IterableIterator<[number, Buffer]>) keys.set(o, k);
    return (o) => keys.get(o) ?? this.#key(o);
  }

  #key(ordinal: number): Buffer {
    const k = this.#s.key.get(ordinal) as Buffer | undefined;
    if (k === undefined) throw new Error(`subject ${ordinal} of a consent block is missing`);
    return k;
  }
}
