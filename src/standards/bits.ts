/**
 * Reading the bit-packed privacy signals (IAB TC strings, GPP sections): web-safe base64 to
 * bits, then named fields read left to right, most significant bit first. Every failure names
 * the field being read, so a bad string gets an error a person can act on.
 */

/** A signal that cannot be decoded; `field` names the part that is wrong. */
export class SignalError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'SignalError';
  }
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const VALUE = new Map([...ALPHABET].map((c, i) => [c, i]));

/** Bits of a web-safe base64 text (RFC 4648 §5), 6 per character; `field` names it in errors. */
export function base64UrlBits(text: string, field: string): Uint8Array {
  // Some encoders pad to whole bytes with '='; the padding carries no bits.
  const body = text.replace(/=+$/, '');
  if (body.length === 0) throw new SignalError(field, 'is empty');
  const bits = new Uint8Array(body.length * 6);
  for (let i = 0; i < body.length; i++) {
    const v = VALUE.get(body[i]!);
    if (v === undefined) {
      const c = body[i]!;
      const shown = /^[\x21-\x7e]$/.test(c) ? `"${c}"` : `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
      throw new SignalError(field, `not web-safe base64: character ${shown} at position ${i + 1} (use A-Z a-z 0-9 - _)`);
    }
    for (let b = 0; b < 6; b++) bits[i * 6 + b] = (v >> (5 - b)) & 1;
  }
  return bits;
}

/** Sequential reader over bits; each read names its field so truncation errors say what is missing. */
export class BitReader {
  #pos = 0;
  constructor(
    private readonly bits: Uint8Array,
    /** Prefix for field names in errors, e.g. "core". */
    readonly segment: string,
  ) {}

  get position(): number {
    return this.#pos;
  }

  get remaining(): number {
    return this.bits.length - this.#pos;
  }

  #need(n: number, field: string): void {
    if (this.#pos + n > this.bits.length) {
      throw new SignalError(`${this.segment}.${field}`, `truncated: needs bits ${this.#pos + 1}-${this.#pos + n} but the segment has only ${this.bits.length}`);
    }
  }

  int(n: number, field: string): number {
    this.#need(n, field);
    let v = 0;
    // Multiplication, not shifts: 36-bit timestamps exceed 32-bit integers.
    for (let i = 0; i < n; i++) v = v * 2 + this.bits[this.#pos++]!;
    return v;
  }

  bool(field: string): boolean {
    return this.int(1, field) === 1;
  }

  /** n flags; returns the 1-based indices that are set. */
  flags(n: number, field: string): number[] {
    this.#need(n, field);
    const set: number[] = [];
    for (let i = 1; i <= n; i++) if (this.bits[this.#pos++] === 1) set.push(i);
    return set;
  }

  /** Two 6-bit letters (A = 0), as in ConsentLanguage and PublisherCC. */
  letters(field: string): string {
    const a = this.int(6, field);
    const b = this.int(6, field);
    if (a > 25 || b > 25) throw new SignalError(`${this.segment}.${field}`, `letter values ${a}, ${b} are not both in A-Z (0-25)`);
    return String.fromCharCode(65 + a, 65 + b);
  }

  /** A Fibonacci-coded positive integer (GPP): bits weigh 1, 2, 3, 5, 8, …; "11" ends it. */
  fibonacci(field: string): number {
    let value = 0;
    let [a, b] = [1, 2];
    let prev = 0;
    for (;;) {
      if (this.#pos >= this.bits.length) throw new SignalError(`${this.segment}.${field}`, 'truncated: a Fibonacci-coded number has no terminating "11"');
      const bit = this.bits[this.#pos++]!;
      if (bit === 1 && prev === 1) return value;
      if (bit === 1) value += a;
      prev = bit;
      [a, b] = [b, a + b];
      if (a > Number.MAX_SAFE_INTEGER) throw new SignalError(`${this.segment}.${field}`, 'Fibonacci-coded number too large');
    }
  }
}
