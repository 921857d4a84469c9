/**
 * HMAC-SHA-256 of many short messages under one key, four at a time in SIMD lanes (hmac1 in
 * sha256-wasm-build.ts): what keying a million records needs. Messages are queued with where
 * their digest goes and hashed on flush. A message too long for one block (over 55 bytes), or
 * any message on a runtime without SIMD, is hashed at once by the scalar code.
 */
import { simdAvailable, simdHmacBlocks } from './sha256-simd.ts';
import { HmacSha256, hmacChainingStates } from './sha256.ts';

/** The longest message whose padded inner block is one block: 55 bytes + 0x80 + 8 length bytes. */
const MAX_SHORT = 55;
const CAPACITY = 4096;

export class HmacSha256Batch {
  readonly #states: Int32Array;
  readonly #scalar: HmacSha256;
  readonly #blocks = new Uint8Array(CAPACITY * 64);
  readonly #digests = new Uint8Array(CAPACITY * 32);
  readonly #dest = new Int32Array(CAPACITY);
  readonly #encoder = new TextEncoder();
  #text = new Uint8Array(256);
  /** Where the queued digests go (one array per flush). */
  #out: Uint8Array | null = null;
  #n = 0;

  constructor(key: Uint8Array) {
    this.#states = hmacChainingStates(key);
    this.#scalar = new HmacSha256(key);
  }

  /** Messages queued and not yet hashed. */
  get pending(): number {
    return this.#n;
  }

  /**
   * Queues HMAC(msg[off..off+len)) to be written at out[outOff..outOff+32). Queued digests are
   * written by flush(), which also runs by itself when the queue is full or `out` changes.
   */
  add(msg: Uint8Array, off: number, len: number, out: Uint8Array, outOff: number): void {
    if (len > MAX_SHORT || !simdAvailable) {
      this.#scalar.digestInto(msg, off, len, out, outOff);
      return;
    }
    const p = this.#slot(out, outOff);
    const b = this.#blocks;
    for (let i = 0; i < len; i++) b[p + i] = msg[off + i]!;
    this.#pad(p, len);
  }

  /** The same for the UTF-8 bytes of `text`. */
  addText(text: string, out: Uint8Array, outOff: number): void {
    const n = text.length;
    if (n <= MAX_SHORT && simdAvailable) {
      // ASCII straight into the block; anything else through the encoder below.
      let ascii = true;
      for (let i = 0; i < n && ascii; i++) ascii = text.charCodeAt(i) < 0x80;
      if (ascii) {
        const p = this.#slot(out, outOff);
        const b = this.#blocks;
        for (let i = 0; i < n; i++) b[p + i] = text.charCodeAt(i);
        this.#pad(p, n);
        return;
      }
    }
    // UTF-8 needs at most 3 bytes per UTF-16 unit.
    if (n * 3 > this.#text.length) this.#text = new Uint8Array(n * 3);
    const { written } = this.#encoder.encodeInto(text, this.#text);
    this.add(this.#text, 0, written, out, outOff);
  }

  /** Hashes every queued message into its place. */
  flush(): void {
    const n = this.#n;
    const out = this.#out;
    this.#n = 0;
    this.#out = null;
    if (n === 0 || out === null) return;
    const digests = this.#digests;
    if (!simdHmacBlocks(this.#states, this.#blocks, n, digests)) throw new Error('SIMD hashing became unavailable');
    // Slots go back clean: #pad then writes only the bytes that are not zero.
    this.#blocks.fill(0, 0, n * 64);
    // Destinations usually follow one another: copy each run at once.
    const dest = this.#dest;
    for (let m = 0; m < n; ) {
      let run = 1;
      while (m + run < n && dest[m + run] === dest[m]! + run * 32) run++;
      out.set(digests.subarray(m * 32, (m + run) * 32), dest[m]!);
      m += run;
    }
  }

  /** Block offset for the next message, flushing first when full or when `out` changes. */
  #slot(out: Uint8Array, outOff: number): number {
    if (this.#n === CAPACITY || (this.#out !== null && this.#out !== out)) this.flush();
    this.#out = out;
    const m = this.#n++;
    this.#dest[m] = outOff;
    return m * 64;
  }

  /** 0x80, zeros (the slot is clean), and the bit length of (64-byte key block + message), big-endian. */
  #pad(p: number, len: number): void {
    const b = this.#blocks;
    b[p + len] = 0x80;
    const bits = (64 + len) * 8;
    b[p + 62] = bits >>> 8;
    b[p + 63] = bits & 0xff;
  }
}
