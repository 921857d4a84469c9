/**
 * Remembers, for every event id seen in one import, a fingerprint of its content, in typed arrays
 * (12 bytes a slot) rather than a Map of strings: an import of millions of rows must not need
 * memory in proportion to its ids' text. Ids are told apart by a 64-bit hash; two different ids
 * colliding (about one chance in 10^7 for ten million ids) would at worst report a duplicate
 * that is not one, never hide one.
 */
export class IdFingerprints {
  #hi: Uint32Array;
  #lo: Uint32Array;
  #fp: Uint32Array;
  #used: Uint8Array;
  #size = 0;

  constructor(slots = 1 << 16) {
    this.#hi = new Uint32Array(slots);
    this.#lo = new Uint32Array(slots);
    this.#fp = new Uint32Array(slots);
    this.#used = new Uint8Array(slots);
  }

  get size(): number {
    return this.#size;
  }

  /**
   * Records `fingerprint` for `id`; returns the fingerprint stored earlier for the same id, or
   * -1 when the id is new.
   */
  remember(id: string, fingerprint: number): number {
    if ((this.#size + 1) * 2 > this.#used.length) this.#grow();
    const [hi, lo] = hash64(id);
    const mask = this.#used.length - 1;
    for (let i = lo & mask; ; i = (i + 1) & mask) {
      if (this.#used[i] === 0) {
        this.#used[i] = 1;
        this.#hi[i] = hi;
        this.#lo[i] = lo;
        this.#fp[i] = fingerprint >>> 0;
        this.#size++;
        return -1;
      }
      if (this.#hi[i] === hi && this.#lo[i] === lo) return this.#fp[i]!;
    }
  }

  #grow(): void {
    const old = { hi: this.#hi, lo: this.#lo, fp: this.#fp, used: this.#used };
    const slots = old.used.length * 2;
    this.#hi = new Uint32Array(slots);
    this.#lo = new Uint32Array(slots);
    this.#fp = new Uint32Array(slots);
    this.#used = new Uint8Array(slots);
    const mask = slots - 1;
    for (let j = 0; j < old.used.length; j++) {
      if (old.used[j] === 0) continue;
      let i = old.lo[j]! & mask;
      while (this.#used[i] === 1) i = (i + 1) & mask;
      this.#used[i] = 1;
      this.#hi[i] = old.hi[j]!;
      this.#lo[i] = old.lo[j]!;
      this.#fp[i] = old.fp[j]!;
    }
  }
}

/** Two independent 32-bit FNV-1a style hashes of the UTF-16 code units. */
function hash64(s: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  a ^= a >>> 16;
  a = Math.imul(a, 0x85ebca6b);
  a ^= a >>> 13;
  return [b >>> 0, a >>> 0];
}
