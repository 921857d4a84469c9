/**
 * SHA-256 (FIPS 180-4) and HMAC-SHA-256 (RFC 2104) in plain TypeScript.
 *
 * Why not node:crypto: each call costs ~2 µs of binding overhead, which dominates when hashing
 * millions of 32-to-65-byte inputs (Merkle leaves and nodes, subject keys). Inputs of 1 KiB and
 * more still go to node:crypto, which is faster there. This code does no
 * allocation per call: one preallocated message schedule, state kept in locals, int32 arithmetic.
 * Not constant-time with respect to input length; fine for hashing, and the HMAC key schedule is
 * computed once. Batches of Merkle leaves and nodes go through a four-lane SIMD kernel
 * (sha256-simd.ts) when the runtime has WebAssembly SIMD.
 */
import { createHash, hash } from 'node:crypto';
import { simdLeaves32, simdNodePairs } from './sha256-simd.ts';

/** SHA-256 round constants and initial hash value (FIPS 180-4 §4.2.2, §5.3.3), as unsigned words. */
export const SHA256_K: readonly number[] = [
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];
const K = new Int32Array(SHA256_K);

export const SHA256_IV: readonly number[] = [
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];
const IV = new Int32Array(SHA256_IV);

/** Shared scratch: message schedule, running state, and a two-block tail buffer. */
const W = new Int32Array(64);
const ST = new Int32Array(8);
const TAIL = new Uint8Array(128);

/** Expands W[16..63] from W[0..15]. */
function expand(w: Int32Array): void {
  for (let t = 16; t < 64; t++) {
    const x = w[t - 15];
    const y = w[t - 2];
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    w[t] = (w[t - 16] + s0 + w[t - 7] + s1) | 0;
  }
}

/**
 * 64 rounds over an expanded schedule `w[wOff..wOff+64)`, added into `st`. Unrolled by eight
 * with the roles of a..h rotated per line, so no register moves between rounds.
 */
function rounds(st: Int32Array, w: Int32Array, wOff: number): void {
  let a = st[0], b = st[1], c = st[2], d = st[3], e = st[4], f = st[5], g = st[6], h = st[7];
  let t: number;
  for (let i = 0, o = wOff; i < 64; i += 8, o += 8) {
    t = (h + ((((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7)))) + (g ^ (e & (f ^ g))) + K[i + 0] + w[o + 0]) | 0;
    d = (d + t) | 0;
    h = (t + ((((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10)))) + ((a & b) | (c & (a | b)))) | 0;
    t = (g + ((((d >>> 6) | (d << 26)) ^ ((d >>> 11) | (d << 21)) ^ ((d >>> 25) | (d << 7)))) + (f ^ (d & (e ^ f))) + K[i + 1] + w[o + 1]) | 0;
    c = (c + t) | 0;
    g = (t + ((((h >>> 2) | (h << 30)) ^ ((h >>> 13) | (h << 19)) ^ ((h >>> 22) | (h << 10)))) + ((h & a) | (b & (h | a)))) | 0;
    t = (f + ((((c >>> 6) | (c << 26)) ^ ((c >>> 11) | (c << 21)) ^ ((c >>> 25) | (c << 7)))) + (e ^ (c & (d ^ e))) + K[i + 2] + w[o + 2]) | 0;
    b = (b + t) | 0;
    f = (t + ((((g >>> 2) | (g << 30)) ^ ((g >>> 13) | (g << 19)) ^ ((g >>> 22) | (g << 10)))) + ((g & h) | (a & (g | h)))) | 0;
    t = (e + ((((b >>> 6) | (b << 26)) ^ ((b >>> 11) | (b << 21)) ^ ((b >>> 25) | (b << 7)))) + (d ^ (b & (c ^ d))) + K[i + 3] + w[o + 3]) | 0;
    a = (a + t) | 0;
    e = (t + ((((f >>> 2) | (f << 30)) ^ ((f >>> 13) | (f << 19)) ^ ((f >>> 22) | (f << 10)))) + ((f & g) | (h & (f | g)))) | 0;
    t = (d + ((((a >>> 6) | (a << 26)) ^ ((a >>> 11) | (a << 21)) ^ ((a >>> 25) | (a << 7)))) + (c ^ (a & (b ^ c))) + K[i + 4] + w[o + 4]) | 0;
    h = (h + t) | 0;
    d = (t + ((((e >>> 2) | (e << 30)) ^ ((e >>> 13) | (e << 19)) ^ ((e >>> 22) | (e << 10)))) + ((e & f) | (g & (e | f)))) | 0;
    t = (c + ((((h >>> 6) | (h << 26)) ^ ((h >>> 11) | (h << 21)) ^ ((h >>> 25) | (h << 7)))) + (b ^ (h & (a ^ b))) + K[i + 5] + w[o + 5]) | 0;
    g = (g + t) | 0;
    c = (t + ((((d >>> 2) | (d << 30)) ^ ((d >>> 13) | (d << 19)) ^ ((d >>> 22) | (d << 10)))) + ((d & e) | (f & (d | e)))) | 0;
    t = (b + ((((g >>> 6) | (g << 26)) ^ ((g >>> 11) | (g << 21)) ^ ((g >>> 25) | (g << 7)))) + (a ^ (g & (h ^ a))) + K[i + 6] + w[o + 6]) | 0;
    f = (f + t) | 0;
    b = (t + ((((c >>> 2) | (c << 30)) ^ ((c >>> 13) | (c << 19)) ^ ((c >>> 22) | (c << 10)))) + ((c & d) | (e & (c | d)))) | 0;
    t = (a + ((((f >>> 6) | (f << 26)) ^ ((f >>> 11) | (f << 21)) ^ ((f >>> 25) | (f << 7)))) + (h ^ (f & (g ^ h))) + K[i + 7] + w[o + 7]) | 0;
    e = (e + t) | 0;
    a = (t + ((((b >>> 2) | (b << 30)) ^ ((b >>> 13) | (b << 19)) ^ ((b >>> 22) | (b << 10)))) + ((b & c) | (d & (b | c)))) | 0;
  }
  st[0] = (st[0] + a) | 0;
  st[1] = (st[1] + b) | 0;
  st[2] = (st[2] + c) | 0;
  st[3] = (st[3] + d) | 0;
  st[4] = (st[4] + e) | 0;
  st[5] = (st[5] + f) | 0;
  st[6] = (st[6] + g) | 0;
  st[7] = (st[7] + h) | 0;
}

/** Compresses `n` consecutive 64-byte blocks of `src` starting at `off` into `st`. */
function blocks(st: Int32Array, src: Uint8Array, off: number, n: number): void {
  for (let blk = 0; blk < n; blk++) {
    let p = off + blk * 64;
    for (let t = 0; t < 16; t++, p += 4) {
      W[t] = (src[p] << 24) | (src[p + 1] << 16) | (src[p + 2] << 8) | src[p + 3];
    }
    expand(W);
    rounds(st, W, 0);
  }
}

function writeState(st: Int32Array, out: Uint8Array, outOff: number): void {
  for (let i = 0; i < 8; i++) {
    const v = st[i];
    const p = outOff + i * 4;
    out[p] = v >>> 24;
    out[p + 1] = v >>> 16;
    out[p + 2] = v >>> 8;
    out[p + 3] = v;
  }
}

/**
 * Hashes `src[off..off+len)` continuing from `st`, which has already absorbed `prefixLen`
 * bytes (a multiple of 64), then writes the digest.
 */
function finish(
  st: Int32Array,
  prefixLen: number,
  src: Uint8Array,
  off: number,
  len: number,
  out: Uint8Array,
  outOff: number,
): void {
  const full = len >>> 6;
  blocks(st, src, off, full);
  const rest = len - full * 64;
  const tailStart = off + full * 64;
  for (let i = 0; i < rest; i++) TAIL[i] = src[tailStart + i];
  TAIL[rest] = 0x80;
  const tailLen = rest < 56 ? 64 : 128;
  TAIL.fill(0, rest + 1, tailLen - 8);
  // Length in bits as a 64-bit big-endian integer; inputs stay far below 2^53 bits.
  const bits = (prefixLen + len) * 8;
  const hi = Math.floor(bits / 0x100000000);
  const lo = bits >>> 0;
  TAIL[tailLen - 8] = hi >>> 24;
  TAIL[tailLen - 7] = hi >>> 16;
  TAIL[tailLen - 6] = hi >>> 8;
  TAIL[tailLen - 5] = hi;
  TAIL[tailLen - 4] = lo >>> 24;
  TAIL[tailLen - 3] = lo >>> 16;
  TAIL[tailLen - 2] = lo >>> 8;
  TAIL[tailLen - 1] = lo;
  blocks(st, TAIL, 0, tailLen >>> 6);
  writeState(st, out, outOff);
}

/**
 * Above this many bytes one node:crypto call (SHA-NI, ~1.4 GB/s here) beats this code
 * (~135 MB/s) despite its ~2 µs call overhead.
 */
const NATIVE_THRESHOLD = 1024;

/**
 * node:crypto's SHA-256 of `input` into `out[outOff..outOff+32)`. The digest is asked for as a
 * latin1 ("binary") string and copied byte by byte: a Buffer per call costs about as much as
 * hashing a few hundred bytes (1.6 vs 0.9 µs a call here), and as much again in collection.
 */
export function nativeSha256Into(input: string | Uint8Array, out: Uint8Array, outOff: number): void {
  const digest = hash('sha256', input, 'binary');
  for (let b = 0; b < 32; b++) out[outOff + b] = digest.charCodeAt(b);
}

/** SHA-256 of `data[off..off+len)` into `out[outOff..outOff+32)`. */
export function sha256Range(data: Uint8Array, off: number, len: number, out: Uint8Array, outOff: number): void {
  if (len >= NATIVE_THRESHOLD) {
    nativeSha256Into(data.subarray(off, off + len), out, outOff);
    return;
  }
  ST.set(IV);
  finish(ST, 0, data, off, len, out, outOff);
}

/** SHA-256 of `data` into `out[outOff..outOff+32)`. */
export function sha256Into(data: Uint8Array, out: Uint8Array, outOff = 0): void {
  sha256Range(data, 0, data.length, out, outOff);
}

/** SHA-256 of `data` (any length). */
export function sha256(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(32);
  sha256Range(data, 0, data.length, out, 0);
  return out;
}

/**
 * The chaining states after the key's padded blocks: words 0..7 after key ^ ipad, 8..15 after
 * key ^ opad. HMAC(m) = H(opad-state, H(ipad-state, m)).
 */
export function hmacChainingStates(key: Uint8Array): Int32Array {
  const block = new Uint8Array(64);
  if (key.length > 64) sha256Into(key, block, 0);
  else block.set(key);
  const pad = new Uint8Array(64);
  const states = new Int32Array(16);
  for (let i = 0; i < 64; i++) pad[i] = block[i] ^ 0x36;
  const inner = states.subarray(0, 8);
  inner.set(IV);
  blocks(inner, pad, 0, 1);
  for (let i = 0; i < 64; i++) pad[i] = block[i] ^ 0x5c;
  const outer = states.subarray(8, 16);
  outer.set(IV);
  blocks(outer, pad, 0, 1);
  return states;
}

/** HMAC-SHA-256 with the padded-key states computed once, so a short message costs 2 compressions. */
export class HmacSha256 {
  readonly #inner = new Int32Array(8);
  readonly #outer = new Int32Array(8);
  readonly #innerDigest = new Uint8Array(32);

  constructor(key: Uint8Array) {
    const states = hmacChainingStates(key);
    this.#inner.set(states.subarray(0, 8));
    this.#outer.set(states.subarray(8, 16));
  }

  digest(msg: Uint8Array): Uint8Array {
    const out = new Uint8Array(32);
    this.digestInto(msg, 0, msg.length, out, 0);
    return out;
  }

  digestInto(msg: Uint8Array, msgOff: number, msgLen: number, out: Uint8Array, outOff: number): void {
    ST.set(this.#inner);
    finish(ST, 64, msg, msgOff, msgLen, this.#innerDigest, 0);
    ST.set(this.#outer);
    finish(ST, 64, this.#innerDigest, 0, 32, out, outOff);
  }
}

/** Leaf prefix and node prefix of RFC 9162 §2.1.1 (domain separation). */
export const LEAF_PREFIX = 0x00;
export const NODE_PREFIX = 0x01;

/**
 * Merkle leaf hashes SHA-256(0x00 || leaf) of `count` leaves of `leafSize` bytes stored
 * contiguously in `data` from `dataOff`, written as 32-byte hashes into `out` from `outOff`.
 */
export function hashLeavesFixed(
  data: Uint8Array,
  dataOff: number,
  leafSize: number,
  count: number,
  out: Uint8Array,
  outOff: number,
): void {
  // 32-byte leaves (subject keys, node-sized values) take the four-lane SIMD path.
  const done = leafSize === 32 ? simdLeaves32(data, dataOff, count, out, outOff) : 0;
  for (let i = done; i < count; i++) hashLeaf(data, dataOff + i * leafSize, leafSize, out, outOff + i * 32);
}

/** Merkle leaf hash SHA-256(0x00 || data[off..off+len)) into `out[outOff..outOff+32)`, no copy of data. */
export function hashLeaf(data: Uint8Array, off: number, len: number, out: Uint8Array, outOff: number): void {
  if (len + 1 >= NATIVE_THRESHOLD) {
    out.set(createHash('sha256').update(LEAF_PREFIX_BYTE).update(data.subarray(off, off + len)).digest(), outOff);
    return;
  }
  ST.set(IV);
  PREFIXED[0] = LEAF_PREFIX;
  if (len < 63) {
    for (let i = 0; i < len; i++) PREFIXED[1 + i] = data[off + i];
    finish(ST, 0, PREFIXED, 0, len + 1, out, outOff);
    return;
  }
  // First block: the prefix byte and 63 data bytes; the rest is read in place, one byte shifted.
  for (let i = 0; i < 63; i++) PREFIXED[1 + i] = data[off + i];
  blocks(ST, PREFIXED, 0, 1);
  finish(ST, 64, data, off + 63, len - 63, out, outOff);
}
const PREFIXED = new Uint8Array(64);
const LEAF_PREFIX_BYTE = new Uint8Array([LEAF_PREFIX]);

/**
 * Second block of a node hash: 65-byte message 0x01 || left || right leaves one byte (the last
 * byte of `right`) plus fixed padding, so its whole schedule depends on that byte alone.
 * Precomputing the 256 schedules removes the expansion from half of the compressions.
 */
const NODE_TAIL_W = (() => {
  const table = new Int32Array(256 * 64);
  const w = new Int32Array(64);
  for (let v = 0; v < 256; v++) {
    w.fill(0);
    w[0] = (v << 24) | (0x80 << 16);
    w[15] = 65 * 8;
    expand(w);
    table.set(w, v * 64);
  }
  return table;
})();

/**
 * Merkle node hashes SHA-256(0x01 || left || right) of `count` pairs of 32-byte nodes stored
 * contiguously (left0 right0 left1 right1 ...) in `pairs` from `pairsOff`, into `out` from
 * `outOff`. Safe in place (`out === pairs`, `outOff === pairsOff`): output i is written only
 * after pair i is read, and never overlaps a later pair.
 */
export function hashNodePairs(
  pairs: Uint8Array,
  pairsOff: number,
  count: number,
  out: Uint8Array,
  outOff: number,
): void {
  const done = simdNodePairs(pairs, pairsOff, count, out, outOff);
  scalarNodePairs(pairs, pairsOff + done * 64, count - done, out, outOff + done * 32);
}

function scalarNodePairs(
  pairs: Uint8Array,
  pairsOff: number,
  count: number,
  out: Uint8Array,
  outOff: number,
): void {
  for (let i = 0; i < count; i++) {
    const p = pairsOff + i * 64;
    // Block 1: 0x01 then 63 bytes of the pair, shifted by one byte.
    W[0] = (NODE_PREFIX << 24) | (pairs[p] << 16) | (pairs[p + 1] << 8) | pairs[p + 2];
    for (let t = 1, q = p + 3; t < 16; t++, q += 4) {
      W[t] = (pairs[q] << 24) | (pairs[q + 1] << 16) | (pairs[q + 2] << 8) | pairs[q + 3];
    }
    const lastByte = pairs[p + 63];
    expand(W);
    ST.set(IV);
    rounds(ST, W, 0);
    rounds(ST, NODE_TAIL_W, lastByte * 64);
    writeState(ST, out, outOff + i * 32);
  }
}

/** Node hash of one pair given separately: SHA-256(0x01 || left || right). */
export function hashNode(
  left: Uint8Array,
  leftOff: number,
  right: Uint8Array,
  rightOff: number,
  out: Uint8Array,
  outOff: number,
): void {
  const pair = PAIR;
  for (let i = 0; i < 32; i++) pair[i] = left[leftOff + i];
  for (let i = 0; i < 32; i++) pair[32 + i] = right[rightOff + i];
  scalarNodePairs(pair, 0, 1, out, outOff);
}
const PAIR = new Uint8Array(64);
