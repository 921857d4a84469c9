/**
 * A fast path for the NDJSON records of a transfer: one line read as bytes, checked to be a JSON
 * object of plain values, with the byte ranges of the few fields keying reads. No string and no
 * object is made per record.
 *
 * It accepts only what it reads exactly as JSON.parse would: a flat object whose values are
 * strings, numbers, true, false or null, in ASCII, with the fields asked for holding plain
 * strings (no escapes) or null or nothing. Anything else (nested values, escapes in a field asked
 * for or in any key, a number in such a field, bytes above 0x7f, a syntax error) answers false,
 * and the caller parses the line with JSON.parse, which also gives the exact error.
 *
 * Lines written by one serialiser look alike (the same keys in the same order, no white space):
 * once one is read, the next ones are first tried against its shape, comparing keys as bytes.
 */
import type { RowView } from './csv-scan.ts';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN = 0x7b;
const CLOSE = 0x7d;

const isJsonSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

/** What a byte is inside a string: PLAIN, its end, an escape, or something to leave to JSON.parse. */
const PLAIN = 0;
const END = 1;
const ESCAPE = 2;
const REFUSE = 3;
const IN_STRING = new Uint8Array(256).fill(PLAIN);
IN_STRING.fill(REFUSE, 0, 0x20);
IN_STRING.fill(REFUSE, 0x80, 0x100);
IN_STRING[QUOTE] = END;
IN_STRING[BACKSLASH] = ESCAPE;
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isHex = (c: number): boolean => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);

export class JsonLineScanner {
  /** Field k of the view is the value of the k-th key asked for ('' when absent or null). */
  readonly view: RowView;
  readonly #keys: Uint8Array[];
  /** End of the last string or value read, and whether that string held an escape. */
  #end = 0;
  #escaped = false;
  /** The learnt shape (see #learn): `"key":` per key in order, and which key asked for each is. */
  #shape: Uint8Array[] | null = null;
  #shapeIndex = new Int32Array(0);
  /** Key ranges of the line being read by #general. */
  readonly #seen: number[] = [];

  constructor(keys: readonly string[]) {
    this.#keys = keys.map((k) => Buffer.from(k, 'latin1'));
    const n = keys.length;
    this.view = { buf: Buffer.alloc(0), starts: new Int32Array(n), ends: new Int32Array(n), escaped: new Uint8Array(n) };
  }

  /** Reads buf[s..e); true when it is an object this scanner read completely (fields in `view`). */
  scan(buf: Buffer, s: number, e: number): boolean {
    this.view.buf = buf;
    if (this.#shape !== null) {
      this.#clear();
      if (this.#shaped(buf, s, e)) return true;
    }
    this.#clear();
    this.#seen.length = 0;
    if (!this.#general(buf, s, e)) return false;
    this.#learn(buf, s, e);
    return true;
  }

  #clear(): void {
    const v = this.view;
    for (let k = 0; k < v.starts.length; k++) {
      v.starts[k] = 0;
      v.ends[k] = 0;
    }
  }

  /**
   * Takes the keys of a line read whole as the shape to expect: lines written by one serialiser
   * (no white space, keys in one order) are then read by comparing bytes.
   */
  #learn(buf: Buffer, s: number, e: number): void {
    const seen = this.#seen;
    const shape: Uint8Array[] = [];
    const index = new Int32Array(seen.length / 2);
    for (let i = 0; i < seen.length; i += 2) {
      // `"key":` as it stands in the line.
      shape.push(Buffer.concat([Buffer.of(QUOTE), buf.subarray(seen[i]!, seen[i + 1]!), Buffer.of(QUOTE, COLON)]));
      index[i / 2] = this.#keyIndex(buf, seen[i]!, seen[i + 1]!);
    }
    const before = this.#shape;
    const beforeIndex = this.#shapeIndex;
    this.#shape = shape;
    this.#shapeIndex = index;
    // Only a line in the compact form is a shape; it must read the same either way.
    const starts = this.view.starts.slice();
    const ends = this.view.ends.slice();
    this.#clear();
    const ok = this.#shaped(buf, s, e) && starts.every((x, k) => x === this.view.starts[k] && ends[k] === this.view.ends[k]);
    if (!ok) {
      this.#shape = before;
      this.#shapeIndex = beforeIndex;
      this.view.starts.set(starts);
      this.view.ends.set(ends);
    }
  }

  /** A line in the learnt shape: `{"k1":v1,"k2":v2,…}` with exactly its keys, in order, no white space. */
  #shaped(buf: Buffer, s: number, e: number): boolean {
    const shape = this.#shape!;
    const index = this.#shapeIndex;
    const starts = this.view.starts;
    const ends = this.view.ends;
    let p = s;
    if (buf[p] !== OPEN) return false;
    p++;
    for (let i = 0; i < shape.length; i++) {
      if (i > 0) {
        if (buf[p] !== COMMA) return false;
        p++;
      }
      const key = shape[i]!;
      const n = key.length;
      if (p + n > e) return false;
      for (let j = 0; j < n; j++) if (buf[p + j] !== key[j]) return false;
      p += n;
      const k = index[i]!;
      const c = buf[p];
      if (c === QUOTE) {
        // Every line ends at a control character or the buffer's end, so this loop stops in the line.
        let q = p + 1;
        let kind = IN_STRING[buf[q]!];
        while (kind === PLAIN) kind = IN_STRING[buf[++q]!];
        if (kind !== END) {
          if (kind !== ESCAPE || k >= 0 || !this.#string(buf, p + 1, e)) return false;
          q = this.#end - 1;
        }
        if (q >= e) return false;
        if (k >= 0) {
          starts[k] = p + 1;
          ends[k] = q;
        }
        p = q + 1;
      } else {
        const end = literalOrNumber(buf, p, e);
        if (end < 0) return false;
        if (k >= 0 && !(end - p === 4 && c === 0x6e)) return false;
        p = end;
      }
    }
    return buf[p] === CLOSE && p + 1 === e;
  }

  /** Any flat object, white space and key order as they come. */
  #general(buf: Buffer, s: number, e: number): boolean {
    const v = this.view;
    let p = skipSpace(buf, s, e);
    if (p >= e || buf[p] !== OPEN) return false;
    p = skipSpace(buf, p + 1, e);
    if (p < e && buf[p] === CLOSE) return skipSpace(buf, p + 1, e) === e;
    for (;;) {
      // A key: a plain string.
      if (p >= e || buf[p] !== QUOTE || !this.#string(buf, p + 1, e) || this.#escaped) return false;
      const ks = p + 1;
      const ke = this.#end - 1;
      this.#seen.push(ks, ke);
      p = skipSpace(buf, this.#end, e);
      if (p >= e || buf[p] !== COLON) return false;
      p = skipSpace(buf, p + 1, e);
      if (p >= e) return false;
      const k = this.#keyIndex(buf, ks, ke);
      const c = buf[p]!;
      if (c === QUOTE) {
        if (!this.#string(buf, p + 1, e)) return false;
        if (k >= 0) {
          if (this.#escaped) return false;
          v.starts[k] = p + 1;
          v.ends[k] = this.#end - 1;
        }
        p = this.#end;
      } else {
        const end = literalOrNumber(buf, p, e);
        if (end < 0) return false;
        if (k >= 0) {
          // null reads as ''; a number or a boolean would be turned into text: the string path's job.
          if (!(end - p === 4 && c === 0x6e)) return false;
          v.starts[k] = 0;
          v.ends[k] = 0;
        }
        p = end;
      }
      p = skipSpace(buf, p, e);
      if (p >= e) return false;
      if (buf[p] === COMMA) {
        p = skipSpace(buf, p + 1, e);
        continue;
      }
      if (buf[p] !== CLOSE) return false;
      return skipSpace(buf, p + 1, e) === e;
    }
  }

  /** Which key asked for buf[s..e) is, or -1. */
  #keyIndex(buf: Buffer, s: number, e: number): number {
    const keys = this.#keys;
    const len = e - s;
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k]!;
      if (key.length !== len) continue;
      let same = true;
      for (let i = 0; i < len && same; i++) same = buf[s + i] === key[i];
      if (same) return k;
    }
    return -1;
  }

  /**
   * Reads a string's contents from `p` (just past its opening quote): sets #end past the closing
   * quote and #escaped. False for anything JSON.parse would refuse, and for non-ASCII.
   */
  #string(buf: Buffer, p: number, e: number): boolean {
    let escaped = false;
    while (p < e) {
      const kind = IN_STRING[buf[p]!]!;
      if (kind === PLAIN) {
        p++;
        continue;
      }
      if (kind === END) {
        this.#end = p + 1;
        this.#escaped = escaped;
        return true;
      }
      if (kind === REFUSE) return false;
      {
        escaped = true;
        const x = buf[p + 1];
        if (x === 0x75) {
          // \uXXXX
          if (p + 5 >= e || !isHex(buf[p + 2]!) || !isHex(buf[p + 3]!) || !isHex(buf[p + 4]!) || !isHex(buf[p + 5]!)) return false;
          p += 6;
          continue;
        }
        if (!(x === QUOTE || x === BACKSLASH || x === 0x2f || x === 0x62 || x === 0x66 || x === 0x6e || x === 0x72 || x === 0x74)) return false;
        p += 2;
      }
    }
    return false;
  }
}

function skipSpace(buf: Buffer, p: number, e: number): number {
  while (p < e && isJsonSpace(buf[p]!)) p++;
  return p;
}

function matches(buf: Buffer, p: number, e: number, word: string): boolean {
  if (p + word.length > e) return false;
  for (let i = 0; i < word.length; i++) if (buf[p + i] !== word.charCodeAt(i)) return false;
  return true;
}

/** End of the true / false / null / number at p, or -1 (nested values and bad syntax included). */
function literalOrNumber(buf: Buffer, p: number, e: number): number {
  const c = buf[p]!;
  if (c === 0x74) return matches(buf, p, e, 'true') ? p + 4 : -1;
  if (c === 0x66) return matches(buf, p, e, 'false') ? p + 5 : -1;
  if (c === 0x6e) return matches(buf, p, e, 'null') ? p + 4 : -1;
  // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
  let i = p;
  if (buf[i] === 0x2d) i++;
  if (i >= e || !isDigit(buf[i]!)) return -1;
  if (buf[i] === 0x30) i++;
  else while (i < e && isDigit(buf[i]!)) i++;
  if (i < e && buf[i] === 0x2e) {
    i++;
    if (i >= e || !isDigit(buf[i]!)) return -1;
    while (i < e && isDigit(buf[i]!)) i++;
  }
  if (i < e && (buf[i] === 0x65 || buf[i] === 0x45)) {
    i++;
    if (i < e && (buf[i] === 0x2b || buf[i] === 0x2d)) i++;
    if (i >= e || !isDigit(buf[i]!)) return -1;
    while (i < e && isDigit(buf[i]!)) i++;
  }
  return i;
}
