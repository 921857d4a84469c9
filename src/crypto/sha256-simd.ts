/**
 * Four-lane SIMD SHA-256 for Merkle batches (module built by sha256-wasm-build.ts).
 * Copies input through a fixed window of WebAssembly memory, so memory stays bounded whatever
 * the batch size; only whole groups of four are handled here, callers hash the remainder.
 */
import { instantiateBase64, type WasmMemory } from '../wasm-api.ts';
import { SHA256_WASM_BASE64 } from './sha256-wasm-bytes.ts';

interface Sha256Exports {
  readonly mem: WasmMemory;
  leaves32(inPtr: number, outPtr: number, groups: number): void;
  nodes(inPtr: number, outPtr: number, groups: number): void;
  hmac1(inPtr: number, outPtr: number, groups: number, keyPtr: number): void;
}

/** Window size in bytes: 2^20 input bytes per call keeps copies in cache-friendly chunks. */
const WINDOW = 1 << 20;
/** Input starts one byte in: the kernels read the byte before it (then mask it). */
const IN = 64;
/** Where hmac1 finds the key's chaining states (16 words), below the window. */
const KEY_STATE = 0;
/** Slack after the window for the kernels' over-reads. */
const SLACK = 64;

function instantiate(): Sha256Exports | null {
  const exports = instantiateBase64<Sha256Exports>(SHA256_WASM_BASE64);
  if (exports === null) return null; // No SIMD support: callers fall back to the scalar code.
  try {
    const need = IN + WINDOW + SLACK;
    const pages = Math.ceil((need - exports.mem.buffer.byteLength) / 65536);
    if (pages > 0) exports.mem.grow(pages);
    return exports;
  } catch {
    return null;
  }
}

const wasm = instantiate();
const heap = wasm === null ? null : new Uint8Array(wasm.mem.buffer);

/** True when the SIMD kernels are available on this runtime. */
export const simdAvailable = wasm !== null;

function run(
  kernel: (inPtr: number, outPtr: number, groups: number) => void,
  inSize: number,
  src: Uint8Array,
  srcOff: number,
  count: number,
  out: Uint8Array,
  outOff: number,
): number {
  if (heap === null) return 0;
  const groups = count >>> 2;
  const perWindow = Math.floor(WINDOW / (4 * inSize));
  for (let g = 0; g < groups; g += perWindow) {
    const n = Math.min(perWindow, groups - g);
    const from = srcOff + g * 4 * inSize;
    heap.set(src.subarray(from, from + n * 4 * inSize), IN);
    kernel(IN, IN, n);
    const to = outOff + g * 4 * 32;
    out.set(heap.subarray(IN, IN + n * 4 * 32), to);
  }
  return groups * 4;
}

/**
 * SHA-256(0x00 || key) for the largest multiple of 4 of `count` 32-byte keys; returns how many
 * were hashed (0 without SIMD). In place is safe: each window is copied in before any output.
 */
export function simdLeaves32(keys: Uint8Array, keysOff: number, count: number, out: Uint8Array, outOff: number): number {
  return wasm === null ? 0 : run(wasm.leaves32, 32, keys, keysOff, count, out, outOff);
}

/** SHA-256(0x01 || left || right) for the largest multiple of 4 of `count` 64-byte pairs. */
export function simdNodePairs(pairs: Uint8Array, pairsOff: number, count: number, out: Uint8Array, outOff: number): number {
  return wasm === null ? 0 : run(wasm.nodes, 64, pairs, pairsOff, count, out, outOff);
}

/**
 * HMAC-SHA-256 of `count` short messages given as their padded inner blocks (64 bytes each, see
 * hmac1 in sha256-wasm-build.ts), with the key's inner and outer chaining states in `states`
 * (16 words); the digests go to `digests` (count × 32 bytes). False without SIMD (nothing done).
 */
export function simdHmacBlocks(states: Int32Array, blocks: Uint8Array, count: number, digests: Uint8Array): boolean {
  if (wasm === null || heap === null) return false;
  new Int32Array(wasm.mem.buffer, KEY_STATE, 16).set(states);
  const perWindow = WINDOW / 64;
  for (let m = 0; m < count; m += perWindow) {
    const n = Math.min(perWindow, count - m);
    heap.set(blocks.subarray(m * 64, (m + n) * 64), IN);
    // A last group of fewer than four runs whole: its spare lanes hash whatever is there.
    wasm.hmac1(IN, IN, (n + 3) >>> 2, KEY_STATE);
    digests.set(heap.subarray(IN, IN + n * 32), m * 32);
  }
  return true;
}
