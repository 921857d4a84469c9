/**
 * How the threads of a WebAssembly key lookup share a pass (key-lookup-wasm.ts): the thread that
 * asked opens a phase (count, partition or look up) of numbered units in a control block, and it
 * and any helper threads (key-lookup-helper.ts) claim units until none are left. The asking
 * thread never waits for a helper to start or wake: it claims units itself, so a helper that is
 * still booting, or busy elsewhere, only means it does more of them.
 *
 * The control block is an Int32Array over a SharedArrayBuffer. Its CLAIM word holds the open
 * phase's tag, its number of units and the next unclaimed unit; a claim is a compare-and-swap of
 * that one word, so a thread never reads a count from one phase and a unit from another. The
 * phase's parameters are written before its CLAIM word and stay as they are until every unit is
 * done, so a thread that claimed a unit reads that phase's parameters.
 */

export interface KeyLookupExports {
  count(inPtr: number, n: number, countsPtr: number): void;
  partition(inPtr: number, n: number, first: number, fillPtr: number, outPtr: number, idxPtr: number): void;
  lookup(keysPtr: number, n: number, idxPtr: number, outPtr: number, dirPtr: number, shift: number, tablePtr: number, ordPtr: number): void;
}

/** Raised on every phase, so idle helpers wake (they wait on its value). */
export const GEN = 0;
/** tag << 20 | units << 10 | next unit. */
export const CLAIM = 1;
/** Units finished in the open phase; the opener waits for it to reach the phase's units. */
export const DONE = 2;
export const PHASE = 4;
/** Set when the lookup is dropped: helpers end. */
export const STOP = 5;
/** Units done by helpers, over the lookup's life (for tests and the bench). */
export const HELPED = 6;
/** Set by a helper whose unit threw; the opener then throws. */
export const FAILED = 7;
/** Parameters of the open phase. */
const INPUT = 8;
const KEYS = 9;
const COUNTS = 10;
const FILLS = 11;
const GROUPED = 12;
const IDX = 13;
const OUT = 14;
const DIR = 15;
const SHIFT = 16;
const TABLE = 17;
const ORD = 18;
export const CONTROL_SLOTS = 19;

export const COUNT = 1;
export const PARTITION = 2;
export const LOOKUP = 3;

const KEY = 32;
const GROUPS = 256;
/**
 * Keys per unit of the count and partition phases. Besides sharing the work, small units keep
 * calls short: V8 first runs a function from quickly built code and swaps in optimised code
 * between calls.
 */
export const BLOCK = 1 << 15;
/** Keys per unit of the lookup phase, taken in grouped order (about four groups of a million). */
export const SPAN = 1 << 14;
/** Units of a phase fit in 10 bits of the CLAIM word. */
export const MAX_UNITS = 1023;
/** Int32 slots of one block's counts (count() adds to slot g + 1 for group g). */
export const COUNT_STRIDE = GROUPS + 1;

/** Where a pass's scratch lies, in bytes from the start of memory. */
export interface PassLayout {
  readonly input: number;
  readonly keys: number;
  readonly counts: number;
  readonly fills: number;
  readonly grouped: number;
  readonly idx: number;
  readonly out: number;
}

/** The table's place in memory. */
export interface TableLayout {
  readonly dir: number;
  readonly shift: number;
  readonly table: number;
  readonly ord: number;
}

export function setPass(ctl: Int32Array, p: PassLayout, t: TableLayout): void {
  ctl[INPUT] = p.input;
  ctl[KEYS] = p.keys;
  ctl[COUNTS] = p.counts;
  ctl[FILLS] = p.fills;
  ctl[GROUPED] = p.grouped;
  ctl[IDX] = p.idx;
  ctl[OUT] = p.out;
  ctl[DIR] = t.dir;
  ctl[SHIFT] = t.shift;
  ctl[TABLE] = t.table;
  ctl[ORD] = t.ord;
}

/** Does unit `u` of the open phase. */
function runUnit(x: KeyLookupExports, ctl: Int32Array, u: number): void {
  const phase = ctl[PHASE]!;
  const n = ctl[KEYS]!;
  if (phase === LOOKUP) {
    const first = u * SPAN;
    const at = ctl[GROUPED]! + first * KEY;
    x.lookup(at, Math.min(SPAN, n - first), ctl[IDX]! + first * 4, ctl[OUT]!, ctl[DIR]!, ctl[SHIFT]!, ctl[TABLE]!, ctl[ORD]!);
    return;
  }
  const first = u * BLOCK;
  const len = Math.min(BLOCK, n - first);
  const input = ctl[INPUT]! + first * KEY;
  if (phase === COUNT) x.count(input, len, ctl[COUNTS]! + u * COUNT_STRIDE * 4);
  else x.partition(input, len, first, ctl[FILLS]! + u * GROUPS * 4, ctl[GROUPED]!, ctl[IDX]!);
}

/** The CLAIM word that opens a phase of `total` units (`tag` tells phases apart, 11 bits). */
export function openWord(tag: number, total: number): number {
  if (!(total >= 0 && total <= MAX_UNITS)) throw new RangeError(`a phase has at most ${MAX_UNITS} units, not ${total}`);
  return ((tag & 0x7ff) << 20) | (total << 10);
}

/** Claims and does units of the open phase until none are left. */
export function work(x: KeyLookupExports, ctl: Int32Array, helper: boolean): void {
  for (;;) {
    const w = Atomics.load(ctl, CLAIM);
    const u = w & MAX_UNITS;
    if (u >= ((w >>> 10) & MAX_UNITS)) return;
    if (Atomics.compareExchange(ctl, CLAIM, w, w + 1) !== w) continue;
    try {
      runUnit(x, ctl, u);
    } catch (e) {
      if (!helper) throw e;
      Atomics.store(ctl, FAILED, 1);
    }
    if (helper) Atomics.add(ctl, HELPED, 1);
    Atomics.add(ctl, DONE, 1);
    Atomics.notify(ctl, DONE);
  }
}

/** A helper thread's life: wake on every phase, take what units are left, until stopped. */
export function helpLoop(x: KeyLookupExports, ctl: Int32Array): void {
  for (;;) {
    const gen = Atomics.load(ctl, GEN);
    if (Atomics.load(ctl, STOP) !== 0) return;
    work(x, ctl, true);
    Atomics.wait(ctl, GEN, gen);
  }
}

/** Units of a phase over `n` keys. */
export function units(phase: number, n: number): number {
  return Math.ceil(n / (phase === LOOKUP ? SPAN : BLOCK));
}
