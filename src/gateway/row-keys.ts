/**
 * Keys for records as they are read: per record its subject key (identifier material hashed,
 * never kept), whether it could be identified, its child / special-category flags and (for a
 * file) its offset, in arrays that grow as records arrive. Records come as byte fields (a CSV
 * row, or an NDJSON line read by json-line-scan.ts) or as parsed objects, with one result.
 */
import { identifierMaterial } from '../domain/identifiers.ts';
import { RECORD_CHILD, RECORD_SPECIAL } from '../policy/record-flags.ts';
import type { RowView } from './csv-scan.ts';
import type { KeyHasher } from './key-hasher.ts';
import { MATERIAL_ROOM, NO_MATERIAL, materialInto } from './material-bytes.ts';
import { recordFlags, recordMaterial, type MaterialColumns } from './record-material.ts';

function text(v: unknown): string {
  return v === undefined || v === null ? '' : typeof v === 'string' ? v : String(v);
}

export class RowKeys {
  count = 0;
  /** Records without usable identifiers. */
  bad = 0;
  keys: Uint8Array<ArrayBuffer>;
  flags: Uint8Array<ArrayBuffer>;
  unidentified: Uint8Array<ArrayBuffer>;
  offsets: Float64Array<ArrayBuffer>;
  #cap: number;
  readonly #hasher: KeyHasher;
  readonly #cols: MaterialColumns;
  readonly #scratch = new Uint8Array(MATERIAL_ROOM);

  readonly #withOffsets: boolean;

  /** @param withOffsets keep each record's offset (a file's records; not an upload's). */
  constructor(hasher: KeyHasher, cols: MaterialColumns, withOffsets = true, capacity = 1 << 16) {
    this.#hasher = hasher;
    this.#cols = cols;
    this.#withOffsets = withOffsets;
    this.#cap = capacity;
    this.keys = new Uint8Array(capacity * 32);
    this.flags = new Uint8Array(capacity);
    this.unidentified = new Uint8Array(capacity);
    this.offsets = new Float64Array(withOffsets ? capacity : 0);
  }

  /** A record whose fields are `r`'s, at the columns given to the constructor. */
  add(r: RowView, offset: number): void {
    if (this.count === this.#cap) this.#grow();
    const i = this.count++;
    const n = materialInto(r, this.#cols, this.#scratch);
    if (n >= 0) this.#hasher.bytes(this.#scratch, 0, n, this.keys, i * 32);
    else if (n === NO_MATERIAL) this.#unidentified(i);
    else {
      // FALLBACK: the string path decides.
      const m = recordMaterial(r, this.#cols).material;
      if (m === null) this.#unidentified(i);
      else this.#hasher.text(m, this.keys, i * 32);
    }
    this.flags[i] = recordFlags(r, this.#cols);
    if (this.#withOffsets) this.offsets[i] = offset;
  }

  /**
   * A parsed record: identifiers from its email, name, postcode and dob (or mother_dob) fields;
   * `childFields` and `specialFields` by name.
   */
  addFields(f: Readonly<Record<string, unknown>>, childFields: readonly string[], specialFields: readonly string[]): void {
    if (this.count === this.#cap) this.#grow();
    const i = this.count++;
    const m = identifierMaterial({ email: text(f.email), name: text(f.name), postcode: text(f.postcode), dob: text(f.dob) || text(f.mother_dob) });
    if (m.ok) this.#hasher.text(m.material, this.keys, i * 32);
    else this.#unidentified(i);
    let flag = 0;
    for (const c of childFields) if (text(f[c]).trim() !== '') flag |= RECORD_CHILD;
    for (const c of specialFields) if (text(f[c]).trim() !== '') flag |= RECORD_SPECIAL;
    this.flags[i] = flag;
  }

  /** Records i .. i+n-1 of arrays keyed elsewhere (another RowKeys' arrays), appended as they are. */
  addKeyed(keys: Uint8Array, flags: Uint8Array, unidentified: Uint8Array, i: number, n: number): void {
    while (this.count + n > this.#cap) this.#grow();
    const at = this.count;
    this.keys.set(keys.subarray(i * 32, (i + n) * 32), at * 32);
    this.flags.set(flags.subarray(i, i + n), at);
    this.unidentified.set(unidentified.subarray(i, i + n), at);
    for (let k = i; k < i + n; k++) this.bad += unidentified[k]!;
    this.count += n;
  }

  /** Writes the keys still pending in the hasher. */
  finish(): void {
    this.#hasher.flush();
  }

  #unidentified(i: number): void {
    this.unidentified[i] = 1;
    this.bad++;
  }

  #grow(): void {
    // Pending keys are written into the current array: flush before it is replaced.
    this.#hasher.flush();
    const cap = this.#cap * 2;
    const keys = new Uint8Array(cap * 32);
    keys.set(this.keys);
    const flags = new Uint8Array(cap);
    flags.set(this.flags);
    const unidentified = new Uint8Array(cap);
    unidentified.set(this.unidentified);
    const offsets = new Float64Array(this.#withOffsets ? cap : 0);
    offsets.set(this.offsets);
    this.keys = keys;
    this.flags = flags;
    this.unidentified = unidentified;
    this.offsets = offsets;
    this.#cap = cap;
  }
}
