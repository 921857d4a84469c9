/**
 * Large batches of key lookups in WebAssembly (key-lookup.wat), over a copy of a key table kept
 * in shared WebAssembly memory. A million keys: regrouped by first byte, then each group looked
 * up against its 1/256th of the table while that stays in cache. Helper threads on the other
 * cores take part of each step (key-lookup-work.ts); without them, or before they have started,
 * the calling thread does it all.
 *
 * Memory: [table keys | ordinals | directory] then scratch for one pass of up to `chunk` keys
 * [input keys | per-block group counts | per-block group fills | regrouped keys | their batch
 * positions | ordinals out]. The scratch grows to the largest pass seen and is kept for the next
 * batch. The memory's maximum is what the table and the largest pass need, not 4 GiB, since a
 * shared memory reserves its maximum at once.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { compileBase64, webAssembly, type WasmMemory, type WasmModule } from '../wasm-api.ts';
import { siblingModule, startWorker } from '../workers/ordered-pool.ts';
import { KEY_LOOKUP_WASM_BASE64 } from './key-lookup-wasm-bytes.ts';
import {
  BLOCK,
  CLAIM,
  CONTROL_SLOTS,
  COUNT,
  COUNT_STRIDE,
  DONE,
  FAILED,
  GEN,
  HELPED,
  LOOKUP,
  MAX_UNITS,
  PARTITION,
  PHASE,
  SPAN,
  STOP,
  openWord,
  setPass,
  units,
  work,
  type KeyLookupExports,
  type PassLayout,
  type TableLayout,
} from './key-lookup-work.ts';
import type { KeyTable } from './key-table.ts';

const KEY = 32;
const PAGE = 65_536;
/** wasm32 memory tops out at 4 GiB. */
const MAX_PAGES = 65_536;
/** Keys per pass: bounds the scratch (about 77 bytes a key) whatever the batch size. */
const CHUNK = 1 << 21;
const GROUPS = 256;
/** Helper threads at most (one was measured, on two cores; more cores share memory bandwidth too). */
const MAX_HELPERS = 3;

const align = (n: number): number => (n + 63) & ~63;

/** Helper threads a lookup starts by default: one per other core, at most three. */
export function lookupHelpers(): number {
  return Math.max(0, Math.min(MAX_HELPERS, availableParallelism() - 1));
}

export interface WasmLookupOptions {
  /** Keys per pass (tests use small ones to cross pass boundaries). */
  readonly chunk?: number;
  /** Helper threads; by default one per other core, at most three. */
  readonly helpers?: number;
  /** Leave every unit to the helpers, so tests can hold their share to the right answer. */
  readonly onlyHelpers?: boolean;
}

/** The compiled module, once per process (undefined: not tried yet; null: not possible here). */
let compiled: WasmModule | null | undefined;

/** Helpers end when their lookup is garbage-collected. */
const stopHelpers = new FinalizationRegistry<Int32Array>((ctl) => {
  Atomics.store(ctl, STOP, 1);
  Atomics.add(ctl, GEN, 1);
  Atomics.notify(ctl, GEN);
});

/** Bytes of scratch for a pass of `c` keys, laid out from `base`. */
function passLayout(base: number, c: number): PassLayout & { end: number } {
  const blocks = Math.ceil(c / BLOCK);
  const input = align(base);
  const counts = align(input + c * KEY);
  const fills = align(counts + blocks * COUNT_STRIDE * 4);
  const grouped = align(fills + blocks * GROUPS * 4);
  const idx = align(grouped + c * KEY);
  const out = align(idx + c * 4);
  return { input, keys: c, counts, fills, grouped, idx, out, end: align(out + c * 4) };
}

export class WasmKeyLookup {
  readonly #x: KeyLookupExports;
  readonly #memory: WasmMemory;
  readonly #t: TableLayout;
  readonly #scratch: number;
  readonly #chunk: number;
  readonly #ctl = new Int32Array(new SharedArrayBuffer(CONTROL_SLOTS * 4));
  readonly #helpers: number;
  readonly #onlyHelpers: boolean;
  /** Resolves once every helper has started (or failed to). */
  readonly ready: Promise<void>;
  /** Keys one pass has room for in the scratch now. */
  #room = 0;
  #tag = 0;

  /**
   * A copy of `table` in WebAssembly memory, or null when this runtime has no SIMD or shared
   * memory, or the table does not fit in 4 GiB (then look up in JavaScript).
   */
  static over(table: KeyTable, opts: WasmLookupOptions = {}): WasmKeyLookup | null {
    if (compiled === undefined) compiled = typeof SharedArrayBuffer === 'function' ? compileBase64(KEY_LOOKUP_WASM_BASE64) : null;
    if (compiled === null) return null;
    try {
      return new WasmKeyLookup(compiled, table, opts);
    } catch (e) {
      if (e instanceof RangeError) return null;
      throw e;
    }
  }

  private constructor(module: WasmModule, t: KeyTable, opts: WasmLookupOptions) {
    this.#chunk = opts.chunk ?? CHUNK;
    if (Math.ceil(this.#chunk / SPAN) > MAX_UNITS) throw new RangeError(`passes of ${this.#chunk} keys are too large`);
    const table = 64;
    const ord = align(table + t.keys.length);
    const dir = align(ord + t.ordinals.length * 4);
    this.#t = { dir, shift: 24 - t.bits, table, ord };
    this.#scratch = align(dir + t.dir.length * 4);
    const most = passLayout(this.#scratch, this.#chunk).end;
    if (most > MAX_PAGES * PAGE) throw new RangeError('key table too large for WebAssembly memory');
    this.#memory = new webAssembly.Memory({ initial: Math.ceil(this.#scratch / PAGE), maximum: Math.ceil(most / PAGE), shared: true });
    this.#x = new webAssembly.Instance(module, { env: { mem: this.#memory } }).exports as KeyLookupExports;
    const heap = new Uint8Array(this.#memory.buffer);
    heap.set(t.keys, table);
    heap.set(new Uint8Array(t.ordinals.buffer, t.ordinals.byteOffset, t.ordinals.byteLength), ord);
    heap.set(new Uint8Array(t.dir.buffer, t.dir.byteOffset, t.dir.byteLength), dir);
    this.#onlyHelpers = opts.onlyHelpers === true;
    this.#helpers = Math.max(0, opts.helpers ?? lookupHelpers());
    if (this.#onlyHelpers && this.#helpers === 0) throw new TypeError('onlyHelpers needs at least one helper');
    this.ready = this.#startHelpers(module);
  }

  /** Units of work the helpers have done so far. */
  get helped(): number {
    return Atomics.load(this.#ctl, HELPED);
  }

  async #startHelpers(module: WasmModule): Promise<void> {
    if (this.#helpers === 0) return;
    stopHelpers.register(this, this.#ctl);
    const started: Promise<void>[] = [];
    for (let i = 0; i < this.#helpers; i++) {
      let w: Worker;
      try {
        w = startWorker(siblingModule(import.meta.url, 'key-lookup-helper'), { workerData: { module, memory: this.#memory, control: this.#ctl.buffer } });
      } catch {
        continue; // no helper: the calling thread does its share
      }
      // A helper waits on the control block between batches; it must not keep the process up.
      w.unref();
      started.push(
        new Promise<void>((resolve) => {
          w.once('message', () => resolve());
          w.once('error', (e) => {
            // The lookups still answer, on fewer threads; say so, since it means a broken install.
            process.emitWarning(`a key lookup helper thread failed to start: ${e.message}`);
            resolve();
          });
          w.once('exit', () => resolve());
        }),
      );
    }
    await Promise.all(started);
  }

  /** Grows the memory to at least `bytes`; RangeError beyond its maximum. */
  #grow(bytes: number): void {
    const pages = Math.ceil(bytes / PAGE);
    const have = this.#memory.buffer.byteLength / PAGE;
    if (pages > have) this.#memory.grow(pages - have);
  }

  /**
   * Ordinals of the keys in `parts` (each a whole number of 32-byte keys), as if concatenated,
   * into `out`; -1 for a key not in the table.
   */
  lookupParts(parts: readonly Uint8Array[], out: Int32Array): void {
    let n = 0;
    for (const p of parts) n += p.length / KEY;
    const from = { part: 0, offset: 0 };
    for (let start = 0; start < n; start += this.#chunk) this.#pass(parts, from, start, Math.min(this.#chunk, n - start), out);
  }

  /** Looks up keys start .. start+c-1, read from `parts` at `from` (advanced past them). */
  #pass(parts: readonly Uint8Array[], from: { part: number; offset: number }, start: number, c: number, out: Int32Array): void {
    const room = passLayout(this.#scratch, Math.max(c, this.#room));
    if (c > this.#room) {
      this.#grow(room.end);
      this.#room = c;
    }
    const at = { ...room, keys: c };
    const buf = this.#memory.buffer;
    const heap = new Uint8Array(buf);
    for (let copied = 0; copied < c * KEY; ) {
      const part = parts[from.part]!;
      const take = Math.min(part.length - from.offset, c * KEY - copied);
      heap.set(part.subarray(from.offset, from.offset + take), at.input + copied);
      copied += take;
      from.offset += take;
      if (from.offset === part.length) {
        from.part++;
        from.offset = 0;
      }
    }
    const blocks = Math.ceil(c / BLOCK);
    const counts = new Int32Array(buf, at.counts, blocks * COUNT_STRIDE);
    counts.fill(0);
    setPass(this.#ctl, at, this.#t);
    this.#phase(COUNT, c);
    // Each block's keys of group g go after the earlier blocks' keys of g: the regrouping keeps
    // the batch order within a group, as a single pass would.
    const fills = new Int32Array(buf, at.fills, blocks * GROUPS);
    let place = 0;
    for (let g = 0; g < GROUPS; g++) {
      for (let b = 0; b < blocks; b++) {
        fills[b * GROUPS + g] = place;
        place += counts[b * COUNT_STRIDE + g + 1]!;
      }
    }
    this.#phase(PARTITION, c);
    this.#phase(LOOKUP, c);
    out.set(new Int32Array(buf, at.out, c), start);
  }

  /** Opens a phase over `n` keys, does units of it until none are left, and waits for the rest. */
  #phase(phase: number, n: number): void {
    const ctl = this.#ctl;
    const total = units(phase, n);
    ctl[PHASE] = phase;
    Atomics.store(ctl, DONE, 0);
    this.#tag++;
    Atomics.store(ctl, CLAIM, openWord(this.#tag, total));
    if (this.#helpers > 0) {
      Atomics.add(ctl, GEN, 1);
      Atomics.notify(ctl, GEN);
    }
    if (!this.#onlyHelpers) work(this.#x, ctl, false);
    for (let d = Atomics.load(ctl, DONE); d < total; d = Atomics.load(ctl, DONE)) Atomics.wait(ctl, DONE, d);
    if (Atomics.load(ctl, FAILED) !== 0) throw new Error('a helper thread of the key lookup failed');
  }
}
