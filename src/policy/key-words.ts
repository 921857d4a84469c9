/** The keys as aligned words: a view when `keys` is 4-byte aligned, else a copy. */
export function keyWords(keys: Uint8Array): Uint32Array {
  const aligned = keys.byteOffset % 4 === 0 ? keys : new Uint8Array(keys);
  return new Uint32Array(aligned.buffer, aligned.byteOffset, aligned.length >>> 2);
}
