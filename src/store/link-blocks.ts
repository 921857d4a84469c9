/**
 * A committed transfer's links kept in blocks: a row per transfer and bucket of LINK_BUCKET
 * consecutive ordinals instead of a row (and an index entry) per subject. A transfer of a
 * million people writes about 4,200 rows.
 *
 * A block's body: a presence bitmap of the bucket's ordinals the transfer names, a bitmap of
 * those whose records went, then, per named ordinal in order, the dictionary code of why its
 * records were refused (int32, little-endian; -1 for none). Who-has reads one block per
 * transfer: the bucket's row, a bit and a count of the bits before it.
 *
 * Pure: encoding and decoding only; the stores do the I/O.
 */
import { sortKeys } from '../ledger/subject-commitment.ts';

export const LINK_BUCKET = 256;
const BITMAP = LINK_BUCKET / 8;
const REASONS = 2 * BITMAP;
const NO_REASON = -1;

export interface LinkBlock {
  readonly bucket: number;
  readonly body: Uint8Array;
}

export interface Link {
  readonly allowed: boolean;
  /** Dictionary code of the refusal reasons, or null. */
  readonly reasons: number | null;
}

/**
 * The blocks of a transfer's links, given in strictly ascending ordinal order (transferLinks);
 * `code` gives a refusal reason's dictionary code.
 */
export function linkBlocks(ordinals: Int32Array, allowed: Uint8Array, reasons: readonly (string | null)[], code: (why: string) => number): LinkBlock[] {
  const out: LinkBlock[] = [];
  const codes = new Map<string, number>();
  for (let from = 0; from < ordinals.length; ) {
    const bucket = Math.floor(ordinals[from]! / LINK_BUCKET);
    let to = from + 1;
    while (to < ordinals.length && Math.floor(ordinals[to]! / LINK_BUCKET) === bucket) to++;
    const body = new Uint8Array(REASONS + 4 * (to - from));
    const view = new DataView(body.buffer);
    for (let k = from; k < to; k++) {
      const o = ordinals[k]!;
      if (k > 0 && o <= ordinals[k - 1]!) throw new Error('transfer links must come in strictly ascending ordinal order');
      const bit = o % LINK_BUCKET;
      body[bit >> 3]! |= 1 << (bit & 7);
      if (allowed[k]) body[BITMAP + (bit >> 3)]! |= 1 << (bit & 7);
      const why = reasons[k]!;
      let c = NO_REASON;
      if (why !== null) {
        const known = codes.get(why);
        if (known === undefined) codes.set(why, (c = code(why)));
        else c = known;
      }
      view.setInt32(REASONS + 4 * (k - from), c, true);
    }
    out.push({ bucket, body });
    from = to;
  }
  return out;
}

const ONES = Uint8Array.from({ length: 256 }, (_, b) => {
  let n = 0;
  for (let x = b; x > 0; x >>= 1) n += x & 1;
  return n;
});

/** The link of `ordinal` in a block of its bucket, or null where the transfer did not name it. */
export function linkAt(body: Uint8Array, ordinal: number): Link | null {
  const bit = ordinal % LINK_BUCKET;
  const byte = bit >> 3;
  const mask = 1 << (bit & 7);
  if ((body[byte]! & mask) === 0) return null;
  let rank = ONES[body[byte]! & (mask - 1)]!;
  for (let b = 0; b < byte; b++) rank += ONES[body[b]!]!;
  const code = new DataView(body.buffer, body.byteOffset, body.byteLength).getInt32(REASONS + 4 * rank, true);
  return { allowed: (body[BITMAP + byte]! & mask) !== 0, reasons: code === NO_REASON ? null : code };
}

/** Every link of a block, in ordinal order. */
export function eachLink(bucket: number, body: Uint8Array, visit: (ordinal: number, allowed: boolean, reasons: number | null) => void): void {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  let rank = 0;
  for (let bit = 0; bit < LINK_BUCKET; bit++) {
    const mask = 1 << (bit & 7);
    if ((body[bit >> 3]! & mask) === 0) continue;
    const code = view.getInt32(REASONS + 4 * rank++, true);
    visit(bucket * LINK_BUCKET + bit, (body[BITMAP + (bit >> 3)]! & mask) !== 0, code === NO_REASON ? null : code);
  }
}

/**
 * The ordinals of a block whose records went, in order: read from its second bitmap alone, so
 * a transfer that refused most of its million people is read in a few thousand byte tests.
 */
export function eachAllowed(bucket: number, body: Uint8Array, visit: (ordinal: number) => void): void {
  for (let byte = 0; byte < BITMAP; byte++) {
    const bits = body[BITMAP + byte]!;
    if (bits === 0) continue;
    for (let b = 0; b < 8; b++) if ((bits & (1 << b)) !== 0) visit(bucket * LINK_BUCKET + byte * 8 + b);
  }
}

/** A transfer's subjects as `transferSubjects` gives them: keys in ascending byte order, each with its flag. */
export function sortedByKey(keys: Uint8Array, allowed: ArrayLike<number>): { keys: Uint8Array; allowed: Uint8Array } {
  const sorted = sortKeys(keys);
  const flags = new Uint8Array(sorted.positions.length);
  sorted.positions.forEach((i, r) => (flags[r] = allowed[i]!));
  return { keys: sorted.keys, allowed: flags };
}
