/**
 * Collects text as UTF-8 bytes in one growing buffer. Callers append modest strings (tens of KB):
 * very long concatenated strings are costly for the garbage collector to keep and to flatten.
 */
export class ByteAccumulator {
  private buf: Buffer;
  private pos = 0;

  /** Size `expectedBytes` generously: growing copies everything written so far. */
  constructor(expectedBytes = 1 << 16) {
    this.buf = ByteAccumulator.owned(expectedBytes);
  }

  // INVARIANT: the buffer spans its whole ArrayBuffer (never a slice of Node's shared pool),
  // so the bytes can be transferred to another thread without detaching anything else.
  private static owned(size: number): Buffer {
    return Buffer.from(new ArrayBuffer(size));
  }

  get length(): number {
    return this.pos;
  }

  append(text: string): void {
    // A UTF-16 code unit never takes more than 3 bytes in UTF-8.
    const need = this.pos + text.length * 3;
    if (need > this.buf.length) {
      const grown = ByteAccumulator.owned(Math.max(need, this.buf.length * 2));
      this.buf.copy(grown, 0, 0, this.pos);
      this.buf = grown;
    }
    this.pos += this.buf.write(text, this.pos, 'utf8');
  }

  /** The bytes so far: a view from offset 0 of an ArrayBuffer that belongs to this accumulator alone. */
  bytes(): Uint8Array {
    return new Uint8Array(this.buf.buffer, 0, this.pos);
  }
}
