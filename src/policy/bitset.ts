/** Plain bitsets over subject ordinals: one bit per ordinal in a Uint32Array. */

export type Bits = Uint32Array;

export function wordsFor(bits: number): number {
  return (bits + 31) >>> 5;
}

export function newBits(bits: number): Bits {
  return new Uint32Array(wordsFor(bits));
}

/** A copy with room for at least `bits` bits (new bits clear). */
export function growBits(b: Bits, bits: number): Bits {
  const words = wordsFor(bits);
  if (words <= b.length) return b;
  const out = new Uint32Array(Math.max(words, b.length * 2));
  out.set(b);
  return out;
}

export function hasBit(b: Bits, i: number): boolean {
  return (b[i >>> 5]! & (1 << (i & 31))) !== 0;
}

export function setBit(b: Bits, i: number): void {
  b[i >>> 5]! |= 1 << (i & 31);
}

export function putBit(b: Bits, i: number, on: boolean): void {
  if (on) b[i >>> 5]! |= 1 << (i & 31);
  else b[i >>> 5]! &= ~(1 << (i & 31));
}

/** out = a | b over the first `words` words. */
export function or(out: Bits, a: Bits, b: Bits, words: number): Bits {
  for (let w = 0; w < words; w++) out[w] = a[w]! | b[w]!;
  return out;
}

export function and(out: Bits, a: Bits, b: Bits, words: number): Bits {
  for (let w = 0; w < words; w++) out[w] = a[w]! & b[w]!;
  return out;
}

export function andNot(out: Bits, a: Bits, b: Bits, words: number): Bits {
  for (let w = 0; w < words; w++) out[w] = a[w]! & ~b[w]!;
  return out;
}

export function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** |a & b| over the first `words` words. */
export function andCount(a: Bits, b: Bits, words: number): number {
  let n = 0;
  for (let w = 0; w < words; w++) {
    const x = a[w]! & b[w]!;
    if (x !== 0) n += popcount32(x);
  }
  return n;
}

export function isEmpty(b: Bits, words: number): boolean {
  for (let w = 0; w < words; w++) if (b[w] !== 0) return false;
  return true;
}

/** Calls fn for every set bit below `words * 32`, in increasing order. */
export function forEachBit(b: Bits, words: number, fn: (i: number) => void): void {
  for (let w = 0; w < words; w++) {
    let x = b[w]!;
    while (x !== 0) {
      const low = x & -x;
      fn((w << 5) + 31 - Math.clz32(low));
      x ^= low;
    }
  }
}
