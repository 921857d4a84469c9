/**
 * O(1) weighted choice: a lookup table of indices filled in proportion to the weights, indexed by the
 * top bits of a random word. Resolution 1/size is plenty for synthetic data.
 */

export const TABLE_BITS = 16;
const SIZE = 1 << TABLE_BITS;

/** Indices 0..weights.length-1, each repeated in proportion to its weight. */
export function weightedTable(weights: readonly number[]): Uint16Array {
  if (weights.length === 0 || weights.length > 0xffff) throw new RangeError('weights: 1..65535 entries');
  const total = weights.reduce((s, w) => s + w, 0);
  if (!(total > 0)) throw new RangeError('weights must sum to more than 0');
  const out = new Uint16Array(SIZE);
  let cum = 0;
  let from = 0;
  for (let i = 0; i < weights.length; i++) {
    cum += weights[i] as number;
    const to = i === weights.length - 1 ? SIZE : Math.round((cum / total) * SIZE);
    out.fill(i, from, to);
    from = Math.max(from, to);
  }
  return out;
}

/** Weights that fall off with rank like a Zipf law, so the first names of a list are the most common. */
export function rankWeights(n: number, exponent = 0.8, offset = 4): number[] {
  return Array.from({ length: n }, (_, i) => 1 / Math.pow(i + offset, exponent));
}

/** Picks with a 32-bit random word. */
export function pick(table: Uint16Array, u32: number): number {
  return table[u32 >>> (32 - TABLE_BITS)] as number;
}
