/**
 * Small, fast, seeded PRNG (sfc32, Chris Doty-Humphrey's "small fast chaotic" generator).
 * Synthetic data must be reproducible byte for byte, so nothing here touches Math.random or the clock.
 */

const TWO_POW_32 = 4294967296;

/** Murmur3 finaliser: spreads every input bit over the whole word. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Accepts any non-negative safe integer; refuses anything else so a typo cannot silently pick a seed. */
export function assertSeed(seed: number): void {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new RangeError(`seed must be a non-negative safe integer, got ${String(seed)}`);
  }
}

export class Rng {
  private a = 0;
  private b = 0;
  private c = 0;
  private d = 0;

  /** `stream` and `domain` select independent sequences under one seed (e.g. one per registrant). */
  constructor(seed: number, stream = 0, domain = 0) {
    this.reseed(seed, stream, domain);
  }

  /**
   * Restart at the sequence for (seed, stream, domain). Reusing one instance avoids an allocation per
   * registrant on the hot path.
   */
  reseed(seed: number, stream: number, domain: number): void {
    const lo = seed >>> 0;
    const hi = Math.floor(seed / TWO_POW_32) >>> 0;
    // Hash each coordinate into the state so neighbouring streams start far apart.
    this.a = fmix32(lo ^ fmix32(domain + 0x9e3779b9));
    this.b = fmix32(hi ^ fmix32(stream + 0x7f4a7c15));
    this.c = fmix32((stream ^ Math.imul(domain, 0x2545f491)) + lo + 0x632be5ab);
    this.d = 1;
    for (let i = 0; i < 6; i++) this.u32();
  }

  /** Next 32-bit unsigned integer. */
  u32(): number {
    const t0 = (this.a + this.b) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.d = (this.d + 1) | 0;
    const t = (t0 + this.d) | 0;
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.u32() / TWO_POW_32;
  }

  /** Uniform integer in [0, n) for 0 < n ≤ 2^32. */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Uniform integer in [lo, hi] (inclusive). */
  between(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }
}
