/**
 * A bulk load's consent events kept in blocks: a row per run of about BLOCK_EVENTS consecutive
 * events (consecutive sequence numbers, which are also their leaf indexes) instead of a row and
 * two index entries per event. Two million events become about 8,500 rows.
 *
 * Each block carries the ranges the stores look events up by: its event ids (one controller per
 * block) and its subjects' ordinals. A store keeps a block only when both ranges lie wholly above
 * every earlier block's (see BlockRanges), so a value falls in at most one block: the one with
 * the greatest lower bound not above it. Blocks are cut where the subject changes, so a person's
 * events of one batch stay together and consecutive people's ranges do not interleave.
 *
 * Pure: encoding and decoding only; the stores do the I/O.
 */
import { endianness } from 'node:os';
import { CODED_COLUMNS, eventIdAt, eventIdStart, type ColumnCodes } from './consent-columns.ts';
import type { ConsentRow } from './row-mappers.ts';
import type { ConsentColumns, EventIdColumn } from './store.ts';

/** Events per block, at least (a block ends where the subject next changes). */
export const BLOCK_EVENTS = 256;

// The body is typed arrays written in the machine's byte order; every platform Node supports
// in practice is little-endian, and a store must read the same on every node.
if (endianness() !== 'LE') throw new Error('consent blocks need a little-endian machine');

/** u32 event count, u32 string count. */
const HEADER = 8;
const NONE = -1;
const fromUtf8 = new TextDecoder();

/** What a store writes for one block besides its first sequence number. */
export interface EncodedBlock {
  /** Events [from, to) of the batch. */
  readonly from: number;
  readonly to: number;
  readonly controller: number;
  /** Least and greatest event id (UTF-8 byte order). */
  readonly firstId: string;
  readonly lastId: string;
  readonly minOrdinal: number;
  readonly maxOrdinal: number;
  readonly body: Uint8Array;
}

/** Typed views laid one after another over a buffer from byte `at`: the body's layout, read and written alike. */
class Cursor {
  readonly #buffer: ArrayBufferLike;
  at: number;

  constructor(buffer: ArrayBufferLike, at: number) {
    this.#buffer = buffer;
    this.at = at;
  }

  f64(n: number): Float64Array {
    const a = new Float64Array(this.#buffer, this.at, n);
    this.at += 8 * n;
    return a;
  }

  i32(n: number): Int32Array {
    const a = new Int32Array(this.#buffer, this.at, n);
    this.at += 4 * n;
    return a;
  }

  u32(n: number): Uint32Array {
    const a = new Uint32Array(this.#buffer, this.at, n);
    this.at += 4 * n;
    return a;
  }
}

/** The coded columns a body keeps per event (the controller is the block's), in body order. */
const BODY_CODES = CODED_COLUMNS.slice(1).map(([column]) => column);

/**
 * Compares strings as their UTF-8 bytes compare (SQLite's BINARY collation, PostgreSQL's "C"):
 * JavaScript compares UTF-16 units, which differs only where a surrogate meets U+E000–U+FFFF.
 */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && x <= 0xdfff) x += 0x10000;
    if (y >= 0xd800 && y <= 0xdfff) y += 0x10000;
    return x - y;
  }
  return a.length - b.length;
}

/**
 * Where a batch splits into blocks: [from, to) pairs of at least BLOCK_EVENTS events (but the
 * last), each ending where the subject or the controller changes.
 */
export function cutBlocks(c: ConsentColumns, ordinals: Int32Array): [number, number][] {
  const out: [number, number][] = [];
  let from = 0;
  for (let i = 1; i <= c.count; i++) {
    if (i === c.count) {
      out.push([from, i]);
      break;
    }
    const controllerChanges = c.controller[i] !== c.controller[i - 1];
    if (controllerChanges || (i - from >= BLOCK_EVENTS && ordinals[c.subject[i]!] !== ordinals[c.subject[i - 1]!])) {
      out.push([from, i]);
      from = i;
    }
  }
  return out;
}

/** Compares ids i and j of a column as their UTF-8 bytes compare. */
function compareIds(ids: EventIdColumn, i: number, j: number): number {
  const { text, ends } = ids;
  let a = eventIdStart(ids, i);
  let b = eventIdStart(ids, j);
  const aEnd = ends[i]!;
  const bEnd = ends[j]!;
  for (; a < aEnd && b < bEnd; a++, b++) {
    const d = text[a]! - text[b]!;
    if (d !== 0) return d;
  }
  return aEnd - a - (bEnd - b);
}

/**
 * True when ids [from, to) are all different: a 32-bit hash of each, sorted, settles it unless two
 * hashes meet; only then are the ids themselves compared.
 */
function distinctIds(ids: EventIdColumn, from: number, to: number): boolean {
  const { text, ends } = ids;
  const hashes = new Uint32Array(to - from);
  for (let i = from, p = eventIdStart(ids, from); i < to; i++) {
    let h = 0x811c9dc5; // FNV-1a
    for (const end = ends[i]!; p < end; p++) h = Math.imul(h ^ text[p]!, 0x01000193);
    hashes[i - from] = h >>> 0;
  }
  hashes.sort();
  for (let k = 1; k < hashes.length; k++) {
    if (hashes[k] === hashes[k - 1]) {
      const seen = new Set<string>();
      for (let i = from; i < to; i++) seen.add(eventIdAt(ids, i));
      return seen.size === to - from;
    }
  }
  return true;
}

/** Encodes events [from, to) of a batch (one controller); null when two of them share an id. */
export function encodeBlock(c: ConsentColumns, from: number, to: number, ordinals: Int32Array, codes: ColumnCodes): EncodedBlock | null {
  const n = to - from;
  const ids = c.eventIds;
  if (!distinctIds(ids, from, to)) return null;
  let least = from;
  let greatest = from;
  for (let i = from + 1; i < to; i++) {
    if (compareIds(ids, i, least) < 0) least = i;
    else if (compareIds(ids, i, greatest) > 0) greatest = i;
  }
  // The block's strings: its ids (their bytes as given), then each evidence text once.
  const idStart = eventIdStart(ids, from);
  const idBytes = ids.ends[to - 1]! - idStart;
  const evidenceAt = new Map<number, number>();
  const texts: string[] = [];
  const evidence = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const e = c.evidence[from + i]!;
    if (e < 0) evidence[i] = NONE;
    else {
      let k = evidenceAt.get(e);
      if (k === undefined) evidenceAt.set(e, (k = n + texts.push(c.strings[e]!) - 1));
      evidence[i] = k;
    }
  }
  const m = n + texts.length;
  const lengths = texts.map((t) => Buffer.byteLength(t, 'utf8'));
  const textBytes = lengths.reduce((sum, l) => sum + l, idBytes);
  // Two float64 columns, eight int32 (ordinal, six codes, evidence), then the string offsets.
  const numbers = HEADER + 16 * n + 32 * n + 4 * (m + 1);
  // A buffer of its own, so that the typed views below start at offset 0, aligned.
  const body = Buffer.from(new ArrayBuffer(numbers + textBytes));
  const w = new Cursor(body.buffer, 0);
  w.u32(2).set([n, m]);
  w.f64(n).set(c.at.subarray(from, to));
  w.f64(n).set(c.expiresAt.subarray(from, to));
  const ordinal = w.i32(n);
  let minOrdinal = Infinity;
  let maxOrdinal = -Infinity;
  for (let i = 0; i < n; i++) {
    const o = ordinals[c.subject[from + i]!]!;
    ordinal[i] = o;
    if (o < minOrdinal) minOrdinal = o;
    if (o > maxOrdinal) maxOrdinal = o;
  }
  for (const column of BODY_CODES) {
    const src = c[column];
    const code = codes[column];
    const out = w.i32(n);
    for (let i = 0; i < n; i++) {
      const s = src[from + i]!;
      out[i] = s < 0 ? NONE : code[s]!;
    }
  }
  w.i32(n).set(evidence);
  const offsets = w.u32(m + 1);
  for (let k = 0; k < n; k++) offsets[k] = eventIdStart(ids, from + k) - idStart;
  body.set(ids.text.subarray(idStart, idStart + idBytes), w.at);
  let off = idBytes;
  for (let k = 0; k < texts.length; k++) {
    offsets[n + k] = off;
    body.write(texts[k]!, w.at + off, lengths[k]!, 'utf8');
    off += lengths[k]!;
  }
  offsets[m] = off;
  return { from, to, controller: codes.controller[c.controller[from]!]!, firstId: eventIdAt(ids, least), lastId: eventIdAt(ids, greatest), minOrdinal, maxOrdinal, body };
}

/**
 * Keeps a load's blocks disjoint: a block is accepted only when its ids lie above every earlier
 * block's of its controller and its ordinals above every earlier block's. A block refused here
 * is stored as rows, which the unique index checks as ever.
 */
export class BlockRanges {
  readonly #lastId = new Map<number, string>();
  #lastOrdinal = -1;

  accepts(b: EncodedBlock): boolean {
    const last = this.#lastId.get(b.controller);
    return b.minOrdinal > this.#lastOrdinal && (last === undefined || compareUtf8(b.firstId, last) > 0);
  }

  add(b: EncodedBlock): void {
    this.#lastId.set(b.controller, b.lastId);
    this.#lastOrdinal = b.maxOrdinal;
  }

  /** A copy to work on, kept only if the write it checks commits. */
  clone(): BlockRanges {
    const c = new BlockRanges();
    for (const [k, v] of this.#lastId) c.#lastId.set(k, v);
    c.#lastOrdinal = this.#lastOrdinal;
    return c;
  }
}

/** A stored block, read back: its events as the rows the stores map to domain objects. */
export class ConsentBlock {
  readonly count: number;
  readonly #firstSeq: number;
  readonly #controller: number;
  readonly #at: Float64Array;
  readonly #expires: Float64Array;
  readonly ordinals: Int32Array;
  readonly #codes: Int32Array[];
  readonly #evidence: Int32Array;
  readonly #offsets: Uint32Array;
  readonly #text: Uint8Array;
  readonly #strings: (string | undefined)[];
  #byId: Map<string, number> | null = null;

  constructor(firstSeq: number, controller: number, stored: Uint8Array) {
    // Typed views need aligned offsets: copy a body that a driver handed over unaligned.
    const body = stored.byteOffset % 8 === 0 ? stored : new Uint8Array(stored);
    const r = new Cursor(body.buffer, body.byteOffset);
    const head = r.u32(2);
    const n = head[0]!;
    const m = head[1]!;
    this.count = n;
    this.#firstSeq = firstSeq;
    this.#controller = controller;
    this.#at = r.f64(n);
    this.#expires = r.f64(n);
    this.ordinals = r.i32(n);
    this.#codes = BODY_CODES.map(() => r.i32(n));
    this.#evidence = r.i32(n);
    this.#offsets = r.u32(m + 1);
    this.#text = new Uint8Array(body.buffer, r.at, this.#offsets[m]!);
    this.#strings = new Array<string | undefined>(m);
  }

  get firstSeq(): number {
    return this.#firstSeq;
  }

  /** The dictionary code of its events' controller. */
  get controller(): number {
    return this.#controller;
  }

  #string(k: number): string {
    return (this.#strings[k] ??= fromUtf8.decode(this.#text.subarray(this.#offsets[k]!, this.#offsets[k + 1]!)));
  }

  idAt(i: number): string {
    return this.#string(i);
  }

  /** The position of event `id` in the block, or -1. */
  indexOfId(id: string): number {
    if (this.#byId === null) {
      this.#byId = new Map();
      for (let i = 0; i < this.count; i++) this.#byId.set(this.#string(i), i);
    }
    return this.#byId.get(id) ?? -1;
  }

  /** Event i as a row; `key` is its subject's key (the stores join it from subjects). */
  row(i: number, key: Buffer): ConsentRow {
    const [purposes, recipients, status, notice, method, consentType] = this.#codes as [Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array];
    const expires = this.#expires[i]!;
    const evidence = this.#evidence[i]!;
    const seq = this.#firstSeq + i;
    return {
      seq,
      controller: this.#controller,
      event_id: this.#string(i),
      ordinal: this.ordinals[i]!,
      purposes: purposes[i]!,
      recipients: recipients[i]!,
      status: status[i]!,
      notice: orNull(notice[i]!),
      at: this.#at[i]!,
      expires_at: Number.isNaN(expires) ? null : expires,
      method: orNull(method[i]!),
      consent_type: consentType[i]!,
      evidence: evidence < 0 ? null : this.#string(evidence),
      leaf: seq,
      key,
    };
  }

  /** The columns eachConsentFact reads, without decoding any string: [ordinal, controller, purposes, recipients, status, notice, at, expires, method, type]. */
  fact(i: number): [number, number, number, number, number, number | null, number, number | null, number | null, number] {
    const c = this.#codes;
    const expires = this.#expires[i]!;
    return [this.ordinals[i]!, this.#controller, c[0]![i]!, c[1]![i]!, c[2]![i]!, orNull(c[3]![i]!), this.#at[i]!, Number.isNaN(expires) ? null : expires, orNull(c[4]![i]!), c[5]![i]!];
  }
}

const orNull = (code: number): number | null => (code === NONE ? null : code);
