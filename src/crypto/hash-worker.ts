/**
 * A second core for big Merkle roots: a worker thread that computes the RFC 9162 root over
 * 32-byte leaves (leaf data = the key) with the same SIMD kernels. The worker is plain
 * JavaScript evaluated from a string, so it needs no TypeScript loader; it is started on
 * first use and kept, unreferenced while idle so it never holds the process open.
 */
import { Worker } from 'node:worker_threads';
import { SHA256_WASM_BASE64 } from './sha256-wasm-bytes.ts';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { mem, leaves32, nodes } = new WebAssembly.Instance(new WebAssembly.Module(workerData), {}).exports;
const IN = 64; // kernels read the byte before their input and up to 16 bytes past it
const hash = (prefix, bytes) => createHash('sha256').update(Uint8Array.of(prefix)).update(bytes).digest();
parentPort.on('message', ({ id, keys, count }) => {
  try {
    const need = IN + count * 32 + 64;
    if (mem.buffer.byteLength < need) mem.grow(Math.ceil((need - mem.buffer.byteLength) / 65536));
    const heap = new Uint8Array(mem.buffer);
    heap.set(new Uint8Array(keys), IN);
    const at = (i, size) => heap.subarray(IN + i * size, IN + (i + 1) * size);
    const g = count >>> 2;
    leaves32(IN, IN, g);
    for (let i = g * 4; i < count; i++) heap.set(hash(0, at(i, 32)), IN + i * 32);
    let n = count;
    while (n > 1) {
      const pairs = n >>> 1;
      const g2 = pairs >>> 2;
      nodes(IN, IN, g2);
      for (let i = g2 * 4; i < pairs; i++) heap.set(hash(1, at(i, 64)), IN + i * 32);
      if (n & 1) heap.copyWithin(IN + pairs * 32, IN + (n - 1) * 32, IN + n * 32);
      n = pairs + (n & 1);
    }
    parentPort.postMessage({ id, root: heap.slice(IN, IN + 32) });
  } catch (e) {
    parentPort.postMessage({ id, error: String(e && e.stack || e) });
  }
});
`;

interface Pending {
  resolve(root: Uint8Array): void;
  reject(e: Error): void;
}

let worker: Worker | null = null;
const pending = new Map<number, Pending>();
let nextId = 1;

function start(): Worker {
  const w = new Worker(WORKER_SOURCE, { eval: true, workerData: Buffer.from(SHA256_WASM_BASE64, 'base64') });
  w.on('message', (msg: { id: number; root?: Uint8Array; error?: string }) => {
    const p = pending.get(msg.id);
    pending.delete(msg.id);
    if (pending.size === 0) w.unref();
    if (p === undefined) return;
    if (msg.root !== undefined) p.resolve(msg.root);
    else p.reject(new Error(`hash worker: ${msg.error ?? 'no result'}`));
  });
  w.on('error', (e) => {
    for (const p of pending.values()) p.reject(e);
    pending.clear();
    worker = null;
  });
  w.on('exit', () => {
    worker = null;
  });
  w.unref();
  return w;
}

/** Root of the Merkle tree whose leaf data are the `count` 32-byte keys, computed on another thread. */
export function keysRootInWorker(keys: Uint8Array): Promise<Uint8Array> {
  if (keys.length % 32 !== 0 || keys.length === 0) return Promise.reject(new RangeError('keys must be a non-empty multiple of 32 bytes'));
  const w = worker ?? (worker = start());
  const id = nextId++;
  const copy = new Uint8Array(keys).buffer; // a copy (Buffer#slice would not be), transferred
  return new Promise<Uint8Array>((resolve, reject) => {
    pending.set(id, { resolve, reject });
    w.ref(); // keep the process alive until the answer arrives
    w.postMessage({ id, keys: copy, count: keys.length / 32 }, [copy]);
  });
}

/** Starts the worker ahead of the first big root, so that root does not pay its start-up. */
export function warmUpHashWorker(): Promise<void> {
  return keysRootInWorker(new Uint8Array(32 * 8)).then(() => undefined);
}

/** Stops the worker (tests, shutdown). */
export async function stopHashWorker(): Promise<void> {
  const w = worker;
  worker = null;
  if (w !== null) await w.terminate();
}
