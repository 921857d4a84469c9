/**
 * Subject key → ordinal, as an open-addressing hash table over binary keys.
 * Keys are HMAC-SHA-256 outputs, so their first four bytes are already uniformly distributed:
 * they are the hash, read in byte order, so that the table is in key order too. Keys looked up
 * in sorted order (a transfer's subject set) then walk the table from one end to the other
 * instead of jumping about it. No strings and no allocation on the lookup path.
 */

import { keyWords } from './key-words.ts';

export const SUBJECT_KEY_BYTES = 32;
const KEY_WORDS = SUBJECT_KEY_BYTES / 4;
/** A slot is the key's eight words followed by the ordinal: one probe touches one place in memory. */
const SLOT_WORDS = KEY_WORDS + 1;
const EMPTY = -1;
// Linear probing stays short (about 1.5 probes per hit, 2.5 per miss) at this load.
const MAX_LOAD = 0.5;
/** Keys looked up together: their first probes are issued back to back so cache misses overlap. */
const BATCH = 16;
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/** A key's first word (as the platform reads it) as the number its first four bytes spell, big-endian. */
function leadingBits(word: number): number {
  return LITTLE_ENDIAN ? ((word << 24) | ((word & 0xff00) << 8) | ((word >>> 8) & 0xff00) | (word >>> 24)) >>> 0 : word >>> 0;
}

function nextPowerOfTwo(n: number): number {
  let p = 16;
  while (p < n) p *= 2;
  return p;
}

export class SubjectKeyIndex {
  #mask: number;
  /** 32 - log2(slots): a key's first slot is its leading bits shifted down by this. */
  #shift: number;
  /** Slots of SLOT_WORDS words; the last word is the ordinal as int32, -1 when the slot is empty. */
  #slots: Uint32Array;
  #ordinals: Int32Array;
  #size = 0;
  /** Aligned scratch for a key whose bytes are not 4-byte aligned. */
  readonly #probe = new Uint32Array(KEY_WORDS);
  readonly #probeBytes = new Uint8Array(this.#probe.buffer);
  readonly #batchSlots = new Int32Array(BATCH);

  /** @param slots initial number of slots; keep it at least twice the keys expected to avoid regrowth. */
  constructor(slots = 1024) {
    const n = nextPowerOfTwo(slots);
    this.#mask = n - 1;
    this.#shift = 32 - Math.log2(n);
    this.#slots = new Uint32Array(n * SLOT_WORDS);
    this.#ordinals = new Int32Array(this.#slots.buffer);
    this.#clearOrdinals();
  }

  get size(): number {
    return this.#size;
  }

  /** Makes room for `keys` keys in all, so that adding that many never regrows the table. */
  reserve(keys: number): void {
    let slots = this.#mask + 1;
    while (keys > slots * MAX_LOAD) slots *= 2;
    if (slots > this.#mask + 1) this.#grow(slots);
  }

  /** Adds a key (re-adding a key replaces its ordinal). */
  add(key: Uint8Array, ordinal: number): void {
    if (key.length !== SUBJECT_KEY_BYTES) throw new RangeError(`subject key must be ${SUBJECT_KEY_BYTES} bytes, got ${key.length}`);
    if (!Number.isInteger(ordinal) || ordinal < 0 || ordinal > 0x7fffffff) throw new RangeError(`bad subject ordinal ${ordinal}`);
    if (this.#size + 1 > (this.#mask + 1) * MAX_LOAD) this.#grow();
    const words = this.#words(key);
    const slot = this.#find(words, 0);
    const at = slot * SLOT_WORDS;
    if (this.#ordinals[at + KEY_WORDS] === EMPTY) {
      this.#slots.set(words, at);
      this.#size++;
    }
    this.#ordinals[at + KEY_WORDS] = ordinal;
  }

  /** Adds the `keys.length / 32` concatenated keys with ordinals first, first + 1, … (as add does each). */
  addRun(keys: Uint8Array, first: number): void {
    if (keys.length % SUBJECT_KEY_BYTES !== 0) throw new RangeError('keys must be a whole number of 32-byte keys');
    const n = keys.length / SUBJECT_KEY_BYTES;
    if (!Number.isInteger(first) || first < 0 || first + n - 1 > 0x7fffffff) throw new RangeError(`bad subject ordinal ${first}`);
    this.reserve(this.#size + n);
    const words = keyWords(keys);
    for (let k = 0; k < n; k++) {
      const at = this.#find(words, k * KEY_WORDS) * SLOT_WORDS;
      if (this.#ordinals[at + KEY_WORDS] === EMPTY) {
        for (let i = 0; i < KEY_WORDS; i++) this.#slots[at + i] = words[k * KEY_WORDS + i]!;
        this.#size++;
      }
      this.#ordinals[at + KEY_WORDS] = first + k;
    }
  }

  /** Adds `key` with `ordinal` unless it is there already: returns its ordinal then, else -1. One probe for both. */
  addIfAbsent(key: Uint8Array, ordinal: number): number {
    if (key.length !== SUBJECT_KEY_BYTES) throw new RangeError(`subject key must be ${SUBJECT_KEY_BYTES} bytes, got ${key.length}`);
    if (!Number.isInteger(ordinal) || ordinal < 0 || ordinal > 0x7fffffff) throw new RangeError(`bad subject ordinal ${ordinal}`);
    if (this.#size + 1 > (this.#mask + 1) * MAX_LOAD) this.#grow();
    const words = this.#words(key);
    const at = this.#find(words, 0) * SLOT_WORDS;
    const found = this.#ordinals[at + KEY_WORDS]!;
    if (found !== EMPTY) return found;
    this.#slots.set(words, at);
    this.#ordinals[at + KEY_WORDS] = ordinal;
    this.#size++;
    return -1;
  }

  /**
   * addIfAbsent for `keys.length / 32` concatenated keys, probed in batches as getMany does: out[k]
   * is key k's ordinal, the next unused one from `next` (in key order) when it was absent; -1
   * where `pick` is given and pick[k] is 0. Returns how many keys were added.
   */
  addManyIfAbsent(keys: Uint8Array, next: number, out: Int32Array, pick?: Uint8Array): number {
    const n = this.#checkMany(keys, out);
    if (!Number.isInteger(next) || next < 0 || next + n > 0x7fffffff) throw new RangeError(`bad subject ordinal ${next}`);
    this.reserve(this.#size + n);
    return this.#probeMany(keyWords(keys), n, out, next, pick);
  }

  /** The ordinal of `key`, or -1 when absent. */
  get(key: Uint8Array): number {
    if (key.length !== SUBJECT_KEY_BYTES) throw new RangeError(`subject key must be ${SUBJECT_KEY_BYTES} bytes, got ${key.length}`);
    return this.#ordinals[this.#find(this.#words(key), 0) * SLOT_WORDS + KEY_WORDS]!;
  }

  /** Looks up `keys.length / 32` concatenated keys; writes each ordinal (or -1) into `out`. */
  getMany(keys: Uint8Array, out: Int32Array): void {
    this.#probeMany(keyWords(keys), this.#checkMany(keys, out), out, EMPTY);
  }

  /** The number of keys in `keys`, checked to be whole and to fit `out`. */
  #checkMany(keys: Uint8Array, out: Int32Array): number {
    if (keys.length % SUBJECT_KEY_BYTES !== 0) throw new RangeError('keys must be a whole number of 32-byte keys');
    const n = keys.length / SUBJECT_KEY_BYTES;
    if (out.length < n) throw new RangeError(`out holds ${out.length} ordinals, need ${n}`);
    return n;
  }

  /**
   * Probes the n keys at words[8k ..] in batches; out[k] is key k's ordinal. An absent key gets
   * -1, or, when `next` is an ordinal (not EMPTY), is added with the next one from it (the table
   * must have room): returns how many were added. Keys where pick[k] is 0 are skipped (-1).
   */
  #probeMany(words: Uint32Array, n: number, out: Int32Array, next: number, pick?: Uint8Array): number {
    const table = this.#slots;
    const ordinals = this.#ordinals;
    const mask = this.#mask;
    const shift = this.#shift;
    const first = this.#batchSlots;
    let added = 0;
    for (let start = 0; start < n; start += BATCH) {
      const end = Math.min(n, start + BATCH);
      // Pass 1: touch every first slot of the batch, both ends (a slot may straddle two cache
      // lines): independent loads, so their misses overlap.
      let touched = 0;
      for (let k = start; k < end; k++) {
        const slot = leadingBits(words[k * KEY_WORDS]!) >>> shift;
        first[k - start] = slot;
        touched |= ordinals[slot * SLOT_WORDS + KEY_WORDS]! | table[slot * SLOT_WORDS]!;
      }
      // Pass 2: probe from each first slot (now in cache).
      for (let k = start; k < end; k++) {
        if (pick !== undefined && pick[k] === 0) {
          out[k] = EMPTY;
          continue;
        }
        const w = k * KEY_WORDS;
        for (let slot = first[k - start]!; ; slot = (slot + 1) & mask) {
          const t = slot * SLOT_WORDS;
          const ord = ordinals[t + KEY_WORDS]!;
          if (ord === EMPTY) {
            if (next === EMPTY) {
              out[k] = EMPTY;
            } else {
              for (let i = 0; i < KEY_WORDS; i++) table[t + i] = words[w + i]!;
              ordinals[t + KEY_WORDS] = out[k] = next + added++;
              this.#size++;
            }
            break;
          }
          if (
            table[t] === words[w] &&
            table[t + 1] === words[w + 1] &&
            table[t + 2] === words[w + 2] &&
            table[t + 3] === words[w + 3] &&
            table[t + 4] === words[w + 4] &&
            table[t + 5] === words[w + 5] &&
            table[t + 6] === words[w + 6] &&
            table[t + 7] === words[w + 7]
          ) {
            out[k] = ord;
            break;
          }
        }
      }
      // Keeps pass 1's loads from being optimised away.
      if (touched === 0.5) throw new Error('unreachable');
    }
    return added;
  }

  /** The key as eight words (a view when aligned, else copied into the probe scratch). */
  #words(key: Uint8Array): Uint32Array {
    if (key.byteOffset % 4 === 0) return new Uint32Array(key.buffer, key.byteOffset, KEY_WORDS);
    this.#probeBytes.set(key);
    return this.#probe;
  }

  /** The slot holding the key (words[w..w+8]), or the empty slot where it would go. */
  #find(words: Uint32Array, w: number): number {
    const table = this.#slots;
    const mask = this.#mask;
    let slot = leadingBits(words[w]!) >>> this.#shift;
    for (;;) {
      const t = slot * SLOT_WORDS;
      if (this.#ordinals[t + KEY_WORDS] === EMPTY) return slot;
      let same = true;
      for (let i = 0; i < KEY_WORDS; i++) {
        if (table[t + i] !== words[w + i]) {
          same = false;
          break;
        }
      }
      if (same) return slot;
      slot = (slot + 1) & mask;
    }
  }

  #clearOrdinals(): void {
    for (let t = KEY_WORDS; t < this.#ordinals.length; t += SLOT_WORDS) this.#ordinals[t] = EMPTY;
  }

  /** Rehashes into `n` slots (a power of two), twice as many unless given: once, however far it grows. */
  #grow(n = (this.#mask + 1) * 2): void {
    const old = this.#slots;
    const oldOrdinals = this.#ordinals;
    this.#mask = n - 1;
    this.#shift = 32 - Math.log2(n);
    this.#slots = new Uint32Array(n * SLOT_WORDS);
    this.#ordinals = new Int32Array(this.#slots.buffer);
    this.#clearOrdinals();
    for (let t = 0; t < old.length; t += SLOT_WORDS) {
      if (oldOrdinals[t + KEY_WORDS] === EMPTY) continue;
      const to = this.#find(old, t) * SLOT_WORDS;
      this.#slots.set(old.subarray(t, t + SLOT_WORDS), to);
    }
  }
}
