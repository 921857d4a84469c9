/**
 * A binary snapshot of what loading the decision facts costs most to read from the store: the
 * consent rows as columns (with their interned values) and every subject key with its ordinal,
 * as a lookup table ready to use (key-table.ts).
 * It lives beside the store (`<db>.facts`) and is stamped with the store's ledger size and root:
 * every write appends a ledger leaf, so the stamp names one state of the store.
 *
 * It is an optimisation only. A snapshot whose stamp differs, or that is damaged, truncated or
 * from another store, is ignored (and rebuilt by the caller); deleting it changes nothing but
 * the time taken. It holds no plaintext identifier: subject keys are HMACs.
 *
 * Layout: 48-byte preamble (magic, header length, byte-order mark, SHA-256 of the rest), a JSON
 * header, then the sections, each 8-byte aligned so they can be read as typed arrays in place.
 */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, fsyncSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { ConsentColumns, ConsentColumnsExport } from '../policy/facts.ts';
import { validKeyTable, type KeyTable } from './key-table.ts';

const MAGIC = 'CSNFACTS';
const FORMAT = 'consentry-facts-snapshot';
const VERSION = 1;
const PREAMBLE = 48;
const BYTE_ORDER = 0x01020304;
const KEY_BYTES = 32;

/** Identifies one state of one store: its ledger's size and root hash (hex). */
export interface StoreStamp {
  readonly ledgerSize: number;
  readonly ledgerRoot: string;
}

export interface FactsSnapshot {
  readonly stamp: StoreStamp;
  readonly columns: ConsentColumnsExport;
  /** Every subject key of the store with its ordinal. */
  readonly keyTable: KeyTable;
}

type ColumnName = keyof ConsentColumns;
type ColumnArray = ConsentColumns[ColumnName];
const COLUMNS: readonly { readonly name: ColumnName; readonly make: (b: ArrayBuffer, off: number, n: number) => ColumnArray; readonly bytes: number }[] = [
  { name: 'subject', make: (b, o, n) => new Int32Array(b, o, n), bytes: 4 },
  { name: 'controller', make: (b, o, n) => new Int32Array(b, o, n), bytes: 4 },
  { name: 'purpose', make: (b, o, n) => new Uint8Array(b, o, n), bytes: 1 },
  { name: 'status', make: (b, o, n) => new Uint8Array(b, o, n), bytes: 1 },
  { name: 'at', make: (b, o, n) => new Float64Array(b, o, n), bytes: 8 },
  { name: 'expiresAt', make: (b, o, n) => new Float64Array(b, o, n), bytes: 8 },
  { name: 'notice', make: (b, o, n) => new Int32Array(b, o, n), bytes: 4 },
  { name: 'recipients', make: (b, o, n) => new Int32Array(b, o, n), bytes: 4 },
  { name: 'method', make: (b, o, n) => new Int8Array(b, o, n), bytes: 1 },
  { name: 'consentType', make: (b, o, n) => new Uint8Array(b, o, n), bytes: 1 },
];

interface Header {
  format: string;
  version: number;
  stamp: StoreStamp;
  subjectCount: number;
  consentCount: number;
  keyCount: number;
  keyBits: number;
  orgIds: string[];
  noticeHashes: string[];
  recipientSets: number[][];
  /** Byte offset of each section from the start of the file: COLUMNS, then the key table's keys, ordinals and directory. */
  offsets: number[];
}

const align8 = (n: number): number => (n + 7) & ~7;

/**
 * Where the snapshot of a store lives: beside a SQLite file; for a PostgreSQL store, in the
 * local key folder under a name derived from the (password-free) URL. Null when neither applies.
 */
export function snapshotPathOf(description: string, keyFolder?: string): string | null {
  if (description.startsWith('postgres:') && keyFolder !== undefined && isAbsolute(keyFolder)) {
    return join(keyFolder, `postgres-${createHash('sha256').update(description).digest('hex').slice(0, 16)}.facts`);
  }
  const m = /^sqlite:(.+)$/.exec(description);
  if (!m || !isAbsolute(m[1]!)) return null;
  return `${m[1]}.facts`;
}

function sameStamp(a: StoreStamp, b: StoreStamp): boolean {
  return a.ledgerSize === b.ledgerSize && a.ledgerRoot === b.ledgerRoot;
}

function bytesOf(a: ArrayBufferView, length: number): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, length);
}

/** Writes the snapshot atomically: a temporary file beside the target, then a rename. */
export function writeSnapshot(path: string, snap: FactsSnapshot): void {
  const x = snap.columns;
  const n = x.consentCount;
  const t = snap.keyTable;
  const keyCount = t.ordinals.length;
  const header: Header = {
    format: FORMAT,
    version: VERSION,
    stamp: { ledgerSize: snap.stamp.ledgerSize, ledgerRoot: snap.stamp.ledgerRoot },
    subjectCount: x.subjectCount,
    consentCount: n,
    keyCount,
    keyBits: t.bits,
    orgIds: [...x.orgIds],
    noticeHashes: [...x.noticeHashes],
    recipientSets: x.recipientSets.map((s) => Array.from(s)),
    offsets: [],
  };
  // The offsets depend on the header's length, which depends on the offsets' digits: fix the
  // header length first with placeholder offsets as wide as any real one.
  const sections: Uint8Array[] = [...COLUMNS.map((c) => bytesOf(x.consents[c.name], n * c.bytes)), t.keys, bytesOf(t.ordinals, keyCount * 4), bytesOf(t.dir, t.dir.length * 4)];
  header.offsets = sections.map(() => Number.MAX_SAFE_INTEGER);
  const headerRoom = align8(Buffer.byteLength(JSON.stringify(header)));
  let at = align8(PREAMBLE + headerRoom);
  header.offsets = sections.map((s) => {
    const o = at;
    at = align8(at + s.length);
    return o;
  });
  const headerBytes = Buffer.alloc(headerRoom, 0x20);
  headerBytes.write(JSON.stringify(header), 0, 'utf8');

  // The body as written, with its zero padding, so the hash covers exactly the file's bytes.
  const body: Uint8Array[] = [headerBytes];
  let pos = PREAMBLE + headerRoom;
  for (let i = 0; i < sections.length; i++) {
    const pad = header.offsets[i]! - pos;
    if (pad > 0) body.push(new Uint8Array(pad));
    body.push(sections[i]!);
    pos = header.offsets[i]! + sections[i]!.length;
  }
  const hash = createHash('sha256');
  for (const b of body) hash.update(b);
  const preamble = Buffer.alloc(PREAMBLE);
  preamble.write(MAGIC, 0, 'latin1');
  preamble.writeUInt32LE(headerRoom, 8);
  new Uint32Array(preamble.buffer, preamble.byteOffset + 12, 1)[0] = BYTE_ORDER; // native order
  hash.digest().copy(preamble, 16);

  const tmp = `${path}.${process.pid}.partial`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeAll(fd, preamble);
    for (const b of body) writeAll(fd, b);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

function writeAll(fd: number, b: Uint8Array): void {
  let off = 0;
  while (off < b.length) off += writeSync(fd, b, off, Math.min(b.length - off, 1 << 30));
}

/**
 * Reads the snapshot when it exists, is intact and carries `stamp`; null otherwise (missing,
 * stale, damaged, foreign or from a machine of the other byte order).
 */
export function readSnapshot(path: string, stamp: StoreStamp): FactsSnapshot | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    const size = fstatSync(fd).size;
    if (size < PREAMBLE) return null;
    const pre = Buffer.alloc(PREAMBLE);
    if (readSync(fd, pre, 0, PREAMBLE, 0) !== PREAMBLE) return null;
    if (pre.toString('latin1', 0, 8) !== MAGIC) return null;
    if (new Uint32Array(pre.buffer, pre.byteOffset + 12, 1)[0] !== BYTE_ORDER) return null;
    const headerRoom = pre.readUInt32LE(8);
    if (headerRoom > size - PREAMBLE) return null;
    // Read the header first: a stale snapshot is rejected before its bulk is read.
    const headerBytes = Buffer.alloc(headerRoom);
    if (readSync(fd, headerBytes, 0, headerRoom, PREAMBLE) !== headerRoom) return null;
    const header = parseHeader(headerBytes.toString('utf8'), size);
    if (!header || !sameStamp(header.stamp, stamp)) return null;
    // One buffer for the whole file, so every section is an aligned typed-array view into it.
    const buf = new ArrayBuffer(size);
    const all = new Uint8Array(buf);
    let off = 0;
    while (off < size) {
      const got = readSync(fd, all, off, Math.min(size - off, 1 << 30), off);
      if (got <= 0) return null;
      off += got;
    }
    const digest = createHash('sha256').update(all.subarray(PREAMBLE)).digest();
    if (!digest.equals(pre.subarray(16, 48))) return null;
    const n = header.consentCount;
    const cols = {} as Record<ColumnName, ColumnArray>;
    COLUMNS.forEach((c, i) => (cols[c.name] = c.make(buf, header.offsets[i]!, n)));
    const at = COLUMNS.length;
    const keyTable: KeyTable = {
      bits: header.keyBits,
      keys: new Uint8Array(buf, header.offsets[at]!, header.keyCount * KEY_BYTES),
      ordinals: new Int32Array(buf, header.offsets[at + 1]!, header.keyCount),
      dir: new Uint32Array(buf, header.offsets[at + 2]!, (1 << header.keyBits) + 1),
    };
    if (!validKeyTable(keyTable)) return null;
    return {
      stamp: header.stamp,
      columns: {
        subjectCount: header.subjectCount,
        consentCount: n,
        consents: cols as unknown as ConsentColumns,
        orgIds: header.orgIds,
        noticeHashes: header.noticeHashes,
        recipientSets: header.recipientSets.map((s) => Int32Array.from(s)),
      },
      keyTable,
    };
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');

/** The header when it is well formed and its sections fit the file; null otherwise. */
function parseHeader(text: string, size: number): Header | null {
  let h: Partial<Header>;
  try {
    h = JSON.parse(text) as Partial<Header>;
  } catch {
    return null;
  }
  if (typeof h !== 'object' || h === null || h.format !== FORMAT || h.version !== VERSION) return null;
  const s = h.stamp;
  if (typeof s !== 'object' || s === null || !isCount(s.ledgerSize) || typeof s.ledgerRoot !== 'string') return null;
  if (!isCount(h.subjectCount) || !isCount(h.consentCount) || !isCount(h.keyCount)) return null;
  if (!isCount(h.keyBits) || h.keyBits < 4 || h.keyBits > 24) return null;
  if (!isStrings(h.orgIds) || !isStrings(h.noticeHashes)) return null;
  if (!Array.isArray(h.recipientSets) || !h.recipientSets.every((r) => Array.isArray(r) && r.every((v) => Number.isInteger(v)))) return null;
  const lengths = [...COLUMNS.map((c) => h.consentCount! * c.bytes), h.keyCount * KEY_BYTES, h.keyCount * 4, ((1 << h.keyBits) + 1) * 4];
  const widths = [...COLUMNS.map((c) => c.bytes), 4, 4, 4];
  if (!Array.isArray(h.offsets) || h.offsets.length !== lengths.length) return null;
  for (let i = 0; i < lengths.length; i++) {
    const o = h.offsets[i];
    if (!isCount(o) || o < PREAMBLE || o % widths[i]! !== 0 || o + lengths[i]! > size) return null;
  }
  return h as Header;
}
