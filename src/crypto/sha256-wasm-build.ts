/**
 * Builds the WebAssembly module behind the batch Merkle hashers (sha256-batch.ts): SHA-256 of
 * four independent messages at once, one per 32-bit lane of a 128-bit SIMD register.
 *
 * The module is emitted as binary directly (no toolchain): fully unrolled rounds, constant
 * folding of the known padding words, state roles renamed each round instead of moved.
 * Dev-time only; its output is committed as sha256-wasm-bytes.ts, and a test checks that the
 * committed bytes equal a fresh build. Regenerate with:
 *   node --import tsx src/crypto/sha256-wasm-build.ts > src/crypto/sha256-wasm-bytes.ts
 *
 * Exports (pointers are byte offsets into the exported memory `mem`):
 *   leaves32(inPtr, outPtr, groups): SHA-256(0x00 || k) for 4*groups 32-byte keys at inPtr
 *   nodes(inPtr, outPtr, groups):    SHA-256(0x01 || l || r) for 4*groups 64-byte pairs at inPtr
 *   hmac1(inPtr, outPtr, groups, keyPtr): HMAC-SHA-256 of 4*groups short messages, each given as
 *       its one padded inner block (64 bytes: message, 0x80, zeros, bit length of 64 + message);
 *       keyPtr holds the key's inner then outer chaining state (16 words, native order)
 * leaves32 and nodes read the byte before inPtr and up to 16 bytes past the input (masked out),
 * so callers keep inPtr >= 1 and slack after the input. Output may alias input (each group is
 * read first).
 */

import { SHA256_IV, SHA256_K } from './sha256.ts';

const K = SHA256_K;
const IV = SHA256_IV;

// Opcodes (WebAssembly core 2.0, SIMD under the 0xfd prefix).
const OP = {
  block: 0x02, loop: 0x03, br: 0x0c, brIf: 0x0d, end: 0x0b,
  localGet: 0x20, localSet: 0x21,
  i32Const: 0x41, i32Eqz: 0x45, i32Add: 0x6a, i32Sub: 0x6b,
} as const;
const SIMD = {
  load: 0x00, load32Splat: 0x09, store: 0x0b, const: 0x0c, shuffle: 0x0d, splat: 0x11,
  and: 0x4e, or: 0x50, xor: 0x51, bitselect: 0x52, load8Lane: 0x54,
  shl: 0xab, shrU: 0xad, add: 0xae,
} as const;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  n |= 0;
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function name(s: string): number[] {
  const b = [...new TextEncoder().encode(s)];
  return [...uleb(b.length), ...b];
}

/** A W word: known at build time (same in every lane) or held in a v128 local. */
type Word = { readonly c: number } | { readonly local: number };

/** Emits one function body; v128 locals are allocated on demand after the i32 params. */
class Body {
  readonly code: number[] = [];
  #v128Count = 0;
  readonly #firstV128: number;

  constructor(i32Params: number, readonly i32Locals: number) {
    this.#firstV128 = i32Params + i32Locals;
  }

  v128(): number {
    return this.#firstV128 + this.#v128Count++;
  }

  op(...bytes: number[]): this {
    this.code.push(...bytes);
    return this;
  }

  get(i: number): this {
    return this.op(OP.localGet, ...uleb(i));
  }

  set(i: number): this {
    return this.op(OP.localSet, ...uleb(i));
  }

  i32(n: number): this {
    return this.op(OP.i32Const, ...sleb(n));
  }

  simd(code: number, ...imm: number[]): this {
    return this.op(0xfd, ...uleb(code), ...imm);
  }

  splat(n: number): this {
    const b: number[] = [];
    for (let i = 0; i < 4; i++) b.push(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff);
    return this.simd(SIMD.const, ...b);
  }

  /** Pushes rotr(local, n) across all lanes. */
  rotr(local: number, n: number): this {
    return this.get(local).i32(n).simd(SIMD.shrU).get(local).i32(32 - n).simd(SIMD.shl).simd(SIMD.or);
  }

  /** Pushes rotr(x,r1) ^ rotr(x,r2) ^ (x >>> s) or ^ rotr(x,s) when `lastRot`. */
  sigma(local: number, r1: number, r2: number, s: number, lastRot: boolean): this {
    this.rotr(local, r1).rotr(local, r2).simd(SIMD.xor);
    if (lastRot) this.rotr(local, s);
    else this.get(local).i32(s).simd(SIMD.shrU);
    return this.simd(SIMD.xor);
  }

  finish(): number[] {
    const decls: number[][] = [];
    if (this.i32Locals > 0) decls.push([...uleb(this.i32Locals), 0x7f]);
    if (this.#v128Count > 0) decls.push([...uleb(this.#v128Count), 0x7b]);
    const body = [...vec(decls), ...this.code, OP.end];
    return [...uleb(body.length), ...body];
  }
}

const rotr32 = (x: number, n: number): number => ((x >>> n) | (x << (32 - n))) >>> 0;
const sigma0 = (x: number): number => (rotr32(x, 7) ^ rotr32(x, 18) ^ (x >>> 3)) >>> 0;
const sigma1 = (x: number): number => (rotr32(x, 17) ^ rotr32(x, 19) ^ (x >>> 10)) >>> 0;

// Byte shuffles for a 4x4 transpose of 32-bit words with a byte swap folded in (big-endian words).
const LO = [3, 2, 1, 0, 19, 18, 17, 16, 7, 6, 5, 4, 23, 22, 21, 20];
const HI = [11, 10, 9, 8, 27, 26, 25, 24, 15, 14, 13, 12, 31, 30, 29, 28];
const PICK_A = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];
const PICK_B = [8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31];

/**
 * Given four locals r0..r3 (r_j = four consecutive big-endian words of lane j as loaded from
 * memory), writes into out0..out3 the vectors word_i = [r0.w_i, r1.w_i, r2.w_i, r3.w_i]
 * byte-swapped. The same operation maps state words back to per-lane digest bytes.
 */
function transposeSwap(f: Body, r: number[], out: number[], tmp: number[]): void {
  f.get(r[0]).get(r[1]).simd(SIMD.shuffle, ...LO).set(tmp[0]);
  f.get(r[2]).get(r[3]).simd(SIMD.shuffle, ...LO).set(tmp[1]);
  f.get(r[0]).get(r[1]).simd(SIMD.shuffle, ...HI).set(tmp[2]);
  f.get(r[2]).get(r[3]).simd(SIMD.shuffle, ...HI).set(tmp[3]);
  f.get(tmp[0]).get(tmp[1]).simd(SIMD.shuffle, ...PICK_A).set(out[0]);
  f.get(tmp[0]).get(tmp[1]).simd(SIMD.shuffle, ...PICK_B).set(out[1]);
  f.get(tmp[2]).get(tmp[3]).simd(SIMD.shuffle, ...PICK_A).set(out[2]);
  f.get(tmp[2]).get(tmp[3]).simd(SIMD.shuffle, ...PICK_B).set(out[3]);
}

const MEM_ALIGN = 0; // alignment hint (log2); unaligned access is valid, only the hint changes

/** Pushes 16 bytes loaded from (local ptr) + offset. */
function load(f: Body, ptr: number, offset: number): void {
  f.get(ptr).simd(SIMD.load, MEM_ALIGN, ...uleb(offset));
}

/**
 * Loads `count` words (count multiple of 4) of each of 4 lanes; lane j's bytes start at
 * ptr + j*stride + offset. Returns the locals holding W words.
 */
function loadWords(f: Body, ptr: number, stride: number, offset: number, count: number, tmp: number[]): Word[] {
  const words: Word[] = [];
  const r = [f.v128(), f.v128(), f.v128(), f.v128()];
  for (let q = 0; q < count / 4; q++) {
    for (let j = 0; j < 4; j++) {
      load(f, ptr, offset + j * stride + q * 16);
      f.set(r[j]);
    }
    const out = [f.v128(), f.v128(), f.v128(), f.v128()];
    transposeSwap(f, r, out, tmp);
    for (const o of out) words.push({ local: o });
  }
  return words;
}

/**
 * Pushes, per lane j, the word (byte at ptr + j*stride + offset) << 24 | low24.
 * Used for the one message byte that spills into the padding word.
 */
function byteWord(f: Body, ptr: number, stride: number, offset: number, low24: number, into: number): void {
  f.splat(low24).set(into);
  for (let j = 0; j < 4; j++) {
    f.get(ptr).get(into).simd(SIMD.load8Lane, MEM_ALIGN, ...uleb(offset + j * stride), 4 * j + 3).set(into);
  }
}

/**
 * Emits one compression: 64 rounds over W (16 given words, schedule expanded on the fly with
 * constant folding), starting from `state` locals and adding `init` (locals or constants).
 * Returns the locals holding the new state a..h.
 */
function compress(f: Body, w16: Word[], state: number[], init: Word[], scratch: { t1: number; w: number[] }): number[] {
  const w: Word[] = w16.slice();
  // Rolling window of 16 schedule locals; slot t%16 is reused once W[t-16] is consumed.
  const slots = scratch.w;
  const local = (x: Word): number => ('local' in x ? x.local : -1);
  let [a, b, c, d, e, ff, g, h] = state;
  for (let t = 0; t < 64; t++) {
    if (t >= 16) {
      const parts = [w[t - 2], w[t - 7], w[t - 15], w[t - 16]];
      let constSum = 0;
      let pushed = 0;
      const ops: Array<() => void> = [];
      parts.forEach((p, i) => {
        if ('c' in p) {
          constSum = (constSum + (i === 0 ? sigma1(p.c) : i === 2 ? sigma0(p.c) : p.c)) >>> 0;
          return;
        }
        ops.push(() => {
          if (i === 0) f.sigma(p.local, 17, 19, 10, false);
          else if (i === 2) f.sigma(p.local, 7, 18, 3, false);
          else f.get(p.local);
          if (pushed++ > 0) f.simd(SIMD.add);
        });
      });
      if (ops.length === 0) {
        w[t] = { c: constSum };
      } else {
        for (const op of ops) op();
        if (constSum !== 0) f.splat(constSum).simd(SIMD.add);
        const slot = slots[t % 16];
        f.set(slot);
        w[t] = { local: slot };
      }
    } else if (local(w[t]) >= 0 && !slots.includes(local(w[t]))) {
      // Copy loaded words into the rolling slots so their locals can be reused by the caller.
      f.get(local(w[t])).set(slots[t]);
      w[t] = { local: slots[t] };
    }
    // t1 = h + Σ1(e) + Ch(e,f,g) + K[t] + W[t]
    f.get(h);
    f.rotr(e, 6).rotr(e, 11).simd(SIMD.xor).rotr(e, 25).simd(SIMD.xor).simd(SIMD.add);
    f.get(ff).get(g).get(e).simd(SIMD.bitselect).simd(SIMD.add);
    const wt = w[t];
    if ('c' in wt) f.splat((K[t] + wt.c) >>> 0).simd(SIMD.add);
    else f.get(wt.local).simd(SIMD.add).splat(K[t]).simd(SIMD.add);
    f.set(scratch.t1);
    // e' = d + t1 (into d's local); a' = t1 + Σ0(a) + Maj(a,b,c) (into h's local).
    f.get(d).get(scratch.t1).simd(SIMD.add).set(d);
    f.get(scratch.t1);
    f.rotr(a, 2).rotr(a, 13).simd(SIMD.xor).rotr(a, 22).simd(SIMD.xor).simd(SIMD.add);
    f.get(c).get(b).get(a).get(b).simd(SIMD.xor).simd(SIMD.bitselect).simd(SIMD.add);
    f.set(h);
    [a, b, c, d, e, ff, g, h] = [h, a, b, c, d, e, ff, g];
  }
  const out = [a, b, c, d, e, ff, g, h];
  out.forEach((s, i) => {
    const x = init[i];
    f.get(s);
    if ('c' in x) f.splat(x.c);
    else f.get(x.local);
    f.simd(SIMD.add).set(s);
  });
  return out;
}

function storeDigests(f: Body, st: number[], outPtr: number, tmp: number[]): void {
  for (let half = 0; half < 2; half++) {
    const o = [f.v128(), f.v128(), f.v128(), f.v128()];
    transposeSwap(f, st.slice(half * 4, half * 4 + 4), o, tmp);
    for (let j = 0; j < 4; j++) {
      f.get(outPtr).get(o[j]).simd(SIMD.store, MEM_ALIGN, ...uleb(j * 32 + half * 16));
    }
  }
}

/** Wraps a per-group body in `while (groups--) { body; p += inStep; out += 128 }`. */
function groupLoop(f: Body, p: number, out: number, groups: number, inStep: number, body: () => void): void {
  f.op(OP.block, 0x40, OP.loop, 0x40);
  f.get(groups).op(OP.i32Eqz, OP.brIf, 1);
  body();
  f.get(p).i32(inStep).op(OP.i32Add).set(p);
  f.get(out).i32(128).op(OP.i32Add).set(out);
  f.get(groups).i32(1).op(OP.i32Sub).set(groups);
  f.op(OP.br, 0, OP.end, OP.end);
}

function setupState(f: Body): { st: number[]; tmp: number[]; scratch: { t1: number; w: number[] } } {
  const st = Array.from({ length: 8 }, () => f.v128());
  const tmp = Array.from({ length: 4 }, () => f.v128());
  const scratch = { t1: f.v128(), w: Array.from({ length: 16 }, () => f.v128()) };
  return { st, tmp, scratch };
}

function leaves32(): number[] {
  // params: inPtr(0) outPtr(1) groups(2); local p(3) = inPtr - 1
  const f = new Body(3, 1);
  const p = 3;
  f.get(0).i32(1).op(OP.i32Sub).set(p);
  const { st, tmp, scratch } = setupState(f);
  const w8 = f.v128();
  groupLoop(f, p, 1, 2, 128, () => {
    // Message: 0x00 || k[0..32) || 0x80 || zeros || 264 (bits), one block.
    const words = loadWords(f, p, 32, 0, 8, tmp);
    const w0 = (words[0] as { local: number }).local;
    f.get(w0).splat(0x00ffffff).simd(SIMD.and).set(w0);
    byteWord(f, p, 32, 32, 0x00800000, w8);
    const w: Word[] = [...words, { local: w8 }, { c: 0 }, { c: 0 }, { c: 0 }, { c: 0 }, { c: 0 }, { c: 0 }, { c: 264 }];
    st.forEach((s, i) => f.splat(IV[i]).set(s));
    const out = compress(f, w, st, IV.map((c) => ({ c })), scratch);
    storeDigests(f, out, 1, tmp);
  });
  return f.finish();
}

function nodes(): number[] {
  const f = new Body(3, 1);
  const p = 3;
  f.get(0).i32(1).op(OP.i32Sub).set(p);
  const { st, tmp, scratch } = setupState(f);
  const mid = Array.from({ length: 8 }, () => f.v128());
  const w0b = f.v128();
  groupLoop(f, p, 1, 2, 256, () => {
    // Block 1: 0x01 || first 63 bytes of the pair.
    const words = loadWords(f, p, 64, 0, 16, tmp);
    const w0 = (words[0] as { local: number }).local;
    f.get(w0).splat(0x00ffffff).simd(SIMD.and).splat(0x01000000).simd(SIMD.or).set(w0);
    st.forEach((s, i) => f.splat(IV[i]).set(s));
    const s1 = compress(f, words, st, IV.map((c) => ({ c })), scratch);
    s1.forEach((s, i) => f.get(s).set(mid[i]));
    // Block 2: last pair byte || 0x80 || zeros || 520 (bits).
    byteWord(f, p, 64, 64, 0x00800000, w0b);
    const w2: Word[] = [{ local: w0b }, ...Array.from({ length: 14 }, () => ({ c: 0 })), { c: 520 }];
    const s2 = compress(f, w2, s1, mid.map((local) => ({ local })), scratch);
    storeDigests(f, s2, 1, tmp);
  });
  return f.finish();
}

function hmac1(): number[] {
  // params: inPtr(0) outPtr(1) groups(2) keyPtr(3); local p(4) = inPtr
  const f = new Body(4, 1);
  const p = 4;
  f.get(0).set(p);
  const { st, tmp, scratch } = setupState(f);
  // The key's chaining states, one word splatted per local, loaded once.
  const inner = Array.from({ length: 8 }, (_, i) => {
    const l = f.v128();
    f.get(3).simd(SIMD.load32Splat, 2, ...uleb(i * 4)).set(l);
    return l;
  });
  const outer = Array.from({ length: 8 }, (_, i) => {
    const l = f.v128();
    f.get(3).simd(SIMD.load32Splat, 2, ...uleb(32 + i * 4)).set(l);
    return l;
  });
  const st2 = Array.from({ length: 8 }, () => f.v128());
  groupLoop(f, p, 1, 2, 256, () => {
    // Inner hash: the padded block after the key's inner state.
    const words = loadWords(f, p, 64, 0, 16, tmp);
    st.forEach((s, i) => f.get(inner[i]).set(s));
    const digest = compress(f, words, st, inner.map((local) => ({ local })), scratch);
    // Outer hash: the 32-byte inner digest, 0x80, zeros, 768 bits (64 + 32 bytes).
    const w2: Word[] = [...digest.map((local) => ({ local })), { c: 0x80000000 }, ...Array.from({ length: 6 }, () => ({ c: 0 })), { c: 768 }];
    st2.forEach((s, i) => f.get(outer[i]).set(s));
    const out = compress(f, w2, st2, outer.map((local) => ({ local })), scratch);
    storeDigests(f, out, 1, tmp);
  });
  return f.finish();
}

/** The module bytes. */
export function buildSha256Wasm(): Uint8Array {
  const fnType = [0x60, ...vec([[0x7f], [0x7f], [0x7f]]), ...vec([])];
  const fnType4 = [0x60, ...vec([[0x7f], [0x7f], [0x7f], [0x7f]]), ...vec([])];
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([fnType, fnType4])),
    ...section(3, vec([[0], [0], [1]])),
    ...section(5, vec([[0x00, ...uleb(1)]])),
    ...section(7, vec([[...name('mem'), 0x02, 0], [...name('leaves32'), 0x00, 0], [...name('nodes'), 0x00, 1], [...name('hmac1'), 0x00, 2]])),
    ...section(10, vec([leaves32(), nodes(), hmac1()])),
  ];
  return new Uint8Array(bytes);
}

/** Source text of sha256-wasm-bytes.ts. */
export function renderBytesModule(bytes: Uint8Array): string {
  const b64 = Buffer.from(bytes).toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 100) lines.push(`  '${b64.slice(i, i + 100)}'`);
  return (
    '// Generated by src/crypto/sha256-wasm-build.ts; do not edit. See that file for the layout.\n' +
    'export const SHA256_WASM_BASE64 =\n' +
    lines.join(' +\n') +
    ';\n'
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(renderBytesModule(buildSha256Wasm()));
}
