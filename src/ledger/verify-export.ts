/**
 * Verifies a ledger export with nothing but the file and the log's public key: recomputes
 * every leaf hash and the root at every tree head, checks the log signatures (and witness
 * cosignatures when witness keys are given), and checks each tree head is an append-only
 * extension of the one before via an RFC 9162 consistency proof computed from the leaves.
 *
 * Streams the file; memory is about 64 bytes per leaf (every level of the tree, for the roots
 * and consistency proofs). Stops at the first problem and names the line and, where it can be
 * pinned down, the leaf.
 */
import { createReadStream } from 'node:fs';
import { hashLeaf, hashNodePairs } from '../crypto/sha256.ts';
import { verifyCheckpoint, verifyCosignature } from './checkpoint.ts';
import { EXPORT_FORMAT, EXPORT_VERSION } from './ledger-export.ts';
import { HASH_SIZE, consistencyProof, equalHashes, subtreeRoot, verifyConsistency, type NodeReader } from './merkle.ts';
import { encodeVerifierKey, parseVerifierKey, type VerifierKey } from './signing-key.ts';

export interface VerifyOptions {
  /** The log key to trust. Without it the key named in the file is used (self-consistency only). */
  readonly publicKey?: string | VerifierKey;
  /**
   * Witness keys: each must have co-signed the latest tree head; a co-signature by one of them
   * on an earlier head must be valid too (earlier heads are tied to the latest by consistency).
   */
  readonly witnesses?: readonly (string | VerifierKey)[];
}

export interface VerifyChecked {
  readonly leaves: number;
  readonly treeHeads: number;
  readonly signatures: number;
  readonly cosignatures: number;
  readonly consistencyProofs: number;
  /** Leaves after the last signed tree head (hashed, but covered by no signature). */
  readonly unsignedLeaves: number;
}

export interface VerifyError {
  readonly leaf?: number;
  readonly line: number;
  readonly message: string;
}

export interface VerifyResult {
  readonly ok: boolean;
  readonly treeSize: number;
  /** False when no public key was given and the file's own key was used. */
  readonly trustedKey: boolean;
  readonly checked: VerifyChecked;
  readonly error?: VerifyError;
}

/**
 * Every level of the tree so far: leaf hashes are written straight into level 0, and parent
 * levels are filled in batches (four-lane SIMD node hashing) whenever a root is needed.
 */
class TreeLevels {
  readonly #levels: Uint8Array[] = [new Uint8Array(HASH_SIZE * 4096)];
  readonly #counts: number[] = [0];

  get size(): number {
    return this.#counts[0];
  }

  #reserve(level: number, count: number): Uint8Array {
    while (this.#levels.length <= level) {
      this.#levels.push(new Uint8Array(HASH_SIZE * 1024));
      this.#counts.push(0);
    }
    let buf = this.#levels[level];
    if (count * HASH_SIZE > buf.length) {
      const bigger = new Uint8Array(Math.max(buf.length * 2, count * HASH_SIZE));
      bigger.set(buf.subarray(0, this.#counts[level] * HASH_SIZE));
      this.#levels[level] = buf = bigger;
    }
    return buf;
  }

  /** Room for the next leaf hash; `commitLeaf` then counts it. */
  nextLeafSlot(): { buf: Uint8Array; off: number } {
    const n = this.#counts[0];
    return { buf: this.#reserve(0, n + 1), off: n * HASH_SIZE };
  }

  commitLeaf(): void {
    this.#counts[0]++;
  }

  /** Computes every complete parent node not yet computed. */
  catchUp(): void {
    for (let level = 0; this.#counts[level] >= 2; level++) {
      const below = this.#levels[level];
      const want = Math.floor(this.#counts[level] / 2);
      const have = this.#counts[level + 1] ?? 0;
      if (want === have) continue;
      const buf = this.#reserve(level + 1, want);
      hashNodePairs(below, have * 2 * HASH_SIZE, want - have, buf, have * HASH_SIZE);
      this.#counts[level + 1] = want;
    }
  }

  readonly read: NodeReader = (level, index) => {
    if (level >= this.#levels.length || index >= this.#counts[level]) throw new RangeError(`no subtree ${level}/${index}`);
    return this.#levels[level].subarray(index * HASH_SIZE, (index + 1) * HASH_SIZE);
  };

  root(): Uint8Array {
    this.catchUp();
    return subtreeRoot(this.read, 0, this.size);
  }
}

class Failure extends Error {
  constructor(readonly detail: VerifyError) {
    super(detail.message);
  }
}

const LEAF_PREFIX = Buffer.from('{"leaf":');
const HASH_PART = Buffer.from(',"hash":"');
const ENTRY_PART = Buffer.from('","entry":');
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
/** Value of a lowercase hex digit by char code, or 255. */
const HEX_VALUE = new Uint8Array(256).fill(255);
for (let i = 0; i < 16; i++) HEX_VALUE['0123456789abcdef'.charCodeAt(i)] = i;

function toHex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += HEX[b[i]];
  return s;
}

/** True when buf[at..at+64) is the lowercase hex of hash[off..off+32). */
function hexEquals(buf: Buffer, at: number, hash: Uint8Array, off: number): boolean {
  if (at + 64 > buf.length) return false;
  for (let i = 0; i < 32; i++) {
    const hi = HEX_VALUE[buf[at + 2 * i]];
    const lo = HEX_VALUE[buf[at + 2 * i + 1]];
    if (hi === 255 || lo === 255 || ((hi << 4) | lo) !== hash[off + i]) return false;
  }
  return true;
}

function startsWith(buf: Buffer, at: number, part: Buffer): boolean {
  if (at + part.length > buf.length) return false;
  for (let i = 0; i < part.length; i++) if (buf[at + i] !== part[i]) return false;
  return true;
}

function toKey(k: string | VerifierKey): VerifierKey {
  return typeof k === 'string' ? parseVerifierKey(k) : k;
}

interface HeadState {
  size: number;
  root: Uint8Array;
}

export async function verifyExport(filePath: string, opts: VerifyOptions = {}): Promise<VerifyResult> {
  const tree = new TreeLevels();
  const witnesses = (opts.witnesses ?? []).map(toKey);
  let key: VerifierKey | null = opts.publicKey === undefined ? null : toKey(opts.publicKey);
  const trustedKey = key !== null;
  let origin = '';
  let declaredSize = -1;
  let lineNo = 0;
  let ended = false;
  let last: HeadState | null = null;
  const checked = { leaves: 0, treeHeads: 0, signatures: 0, cosignatures: 0, consistencyProofs: 0, unsignedLeaves: 0 };
  /** Witnesses whose co-signature is on the latest tree head read so far. */
  let witnessedLast = 0;
  const fail = (message: string, leaf?: number): never => {
    throw new Failure(leaf === undefined ? { line: lineNo, message } : { leaf, line: lineNo, message });
  };

  const onHeader = (text: string): void => {
    let h: { format?: unknown; version?: unknown; origin?: unknown; publicKey?: unknown; treeSize?: unknown };
    try {
      h = JSON.parse(text) as typeof h;
    } catch {
      return fail('first line is not a JSON header');
    }
    if (h.format !== EXPORT_FORMAT) fail(`not a ${EXPORT_FORMAT} file`);
    if (h.version !== EXPORT_VERSION) fail(`unsupported version ${String(h.version)}`);
    if (typeof h.origin !== 'string' || typeof h.publicKey !== 'string' || !Number.isSafeInteger(h.treeSize)) {
      fail('header needs origin, publicKey and treeSize');
    }
    origin = h.origin as string;
    declaredSize = h.treeSize as number;
    let named: VerifierKey;
    try {
      named = parseVerifierKey(h.publicKey as string);
    } catch (e) {
      return fail(`header public key: ${(e as Error).message}`);
    }
    if (key === null) key = named;
    else if (encodeVerifierKey(named) !== encodeVerifierKey(key)) fail('the export names a different public key than the one given');
  };

  const onLeaf = (buf: Buffer): void => {
    const expected = tree.size;
    let p = LEAF_PREFIX.length;
    let index = 0;
    const digitsFrom = p;
    while (p < buf.length && buf[p] >= 0x30 && buf[p] <= 0x39 && p - digitsFrom < 16) index = index * 10 + (buf[p++] - 0x30);
    if (p === digitsFrom || !startsWith(buf, p, HASH_PART)) return fail('malformed leaf line', expected);
    if (index !== expected) {
      return fail(index > expected ? `leaf ${expected} is missing (found leaf ${index})` : `leaf ${index} is out of order (expected leaf ${expected})`, expected);
    }
    p += HASH_PART.length;
    const hashAt = p;
    p += 64;
    if (!startsWith(buf, p, ENTRY_PART) || buf[buf.length - 1] !== 0x7d) return fail('malformed leaf line', index);
    p += ENTRY_PART.length;
    const slot = tree.nextLeafSlot();
    hashLeaf(buf, p, buf.length - 1 - p, slot.buf, slot.off);
    if (!hexEquals(buf, hashAt, slot.buf, slot.off)) return fail(`leaf ${index}: entry does not match its hash (altered entry)`, index);
    tree.commitLeaf();
    checked.leaves++;
  };

  const onTreeHead = (text: string): void => {
    let head: { size?: unknown; root?: unknown; note?: unknown };
    try {
      head = (JSON.parse(text) as { treeHead: typeof head }).treeHead;
    } catch {
      return fail('malformed tree head line');
    }
    if (typeof head !== 'object' || head === null || typeof head.note !== 'string' || !Number.isSafeInteger(head.size)) {
      return fail('tree head needs size and note');
    }
    const size = head.size as number;
    if (size > tree.size) fail(`leaves ${tree.size}..${size - 1} are missing before the tree head at size ${size}`, tree.size);
    if (size < tree.size) fail(`tree head for size ${size} placed after leaf ${tree.size - 1}`);
    if (key === null) return fail('no public key');
    const sig = verifyCheckpoint(head.note, key);
    if (!sig.ok) return fail(`tree head at size ${size}: ${sig.error}`);
    checked.signatures++;
    const cp = sig.checkpoint;
    if (cp.origin !== origin) fail(`tree head at size ${size} is for log "${cp.origin}", not "${origin}"`);
    if (cp.size !== size) fail(`tree head line says size ${size} but its signed checkpoint says ${cp.size}`);
    const root = tree.root();
    if (!equalHashes(cp.root, root)) {
      const from = last?.size ?? 0;
      fail(`signed root at size ${size} does not match the leaves: a leaf in ${from}..${size - 1} differs from what was signed`);
    }
    witnessedLast = 0;
    for (const w of witnesses) {
      if (!head.note.includes(`\u2014 ${w.name} `)) continue;
      const c = verifyCosignature(head.note, w);
      if (!c.ok) fail(`tree head at size ${size}: ${c.error}`);
      checked.cosignatures++;
      witnessedLast++;
    }
    if (last !== null) {
      const proof = last.size === 0 || last.size === size ? [] : consistencyProof(tree.read, last.size, size);
      if (!verifyConsistency(last.size, size, last.root, root, proof)) fail(`tree head at size ${size} is not consistent with the one at size ${last.size}`);
      checked.consistencyProofs++;
    }
    last = { size, root };
    checked.treeHeads++;
  };

  const onEnd = (text: string): void => {
    let end: { treeSize?: unknown; root?: unknown };
    try {
      end = (JSON.parse(text) as { end: typeof end }).end;
    } catch {
      return fail('malformed end line');
    }
    if (end.treeSize !== tree.size || declaredSize !== tree.size) {
      fail(`export declares ${declaredSize} leaves but holds ${tree.size}`, tree.size);
    }
    if (end.root !== toHex(tree.root())) fail('end line root does not match the leaves');
    if (witnesses.length > 0 && witnessedLast < witnesses.length) {
      fail(`the latest tree head is not co-signed by every witness given (${witnesses.map((w) => w.name).join(', ')})`);
    }
    ended = true;
  };

  const onLine = (buf: Buffer): void => {
    lineNo++;
    if (ended) fail('content after the end line');
    if (lineNo === 1) return onHeader(buf.toString('utf8'));
    if (startsWith(buf, 0, LEAF_PREFIX)) return onLeaf(buf);
    const text = buf.toString('utf8');
    if (text.startsWith('{"treeHead":')) return onTreeHead(text);
    if (text.startsWith('{"end":')) return onEnd(text);
    return fail('unknown line', tree.size);
  };

  try {
    let rest: Buffer | null = null;
    for await (const chunk of createReadStream(filePath, { highWaterMark: 1 << 20 })) {
      let buf = chunk as Buffer;
      if (rest !== null) buf = Buffer.concat([rest, buf]);
      let start = 0;
      for (let nl = buf.indexOf(0x0a, start); nl >= 0; nl = buf.indexOf(0x0a, start)) {
        onLine(buf.subarray(start, nl));
        start = nl + 1;
      }
      rest = start < buf.length ? Buffer.from(buf.subarray(start)) : null;
    }
    if (rest !== null) {
      lineNo++;
      fail('file ends inside a line (truncated)', tree.size);
    }
    if (lineNo === 0) fail('empty file');
    if (!ended) {
      lineNo++;
      fail(`file ends after leaf ${tree.size - 1} without its end line (truncated)`, tree.size);
    }
  } catch (e) {
    if (!(e instanceof Failure)) throw e;
    return { ok: false, treeSize: tree.size, trustedKey, checked: summarise(checked, last), error: e.detail };
  }
  return { ok: true, treeSize: tree.size, trustedKey, checked: summarise(checked, last) };
}

function summarise(c: Omit<VerifyChecked, 'unsignedLeaves'>, head: HeadState | null): VerifyChecked {
  return { ...c, unsignedLeaves: c.leaves - (head?.size ?? 0) };
}
