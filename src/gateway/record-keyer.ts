/**
 * Turns records about to be sent, one at a time, into what a decision needs: each record's
 * subject key (identifiers normalised and hashed, never kept), whether it could be identified,
 * and flags for children's and special-category data in the fields being sent. Shared by the
 * file path (`transfer check`) and the HTTP path (NDJSON bodies).
 */
import { fieldCategory } from '../domain/data-categories.ts';
import { identifierMaterial } from '../domain/identifiers.ts';
import type { SubjectKeyer } from '../domain/subject-key.ts';
import { RECORD_CHILD, RECORD_SPECIAL } from '../policy/record-flags.ts';

export const IDENTIFIER_COLUMNS: readonly string[] = ['email', 'name', 'postcode', 'dob', 'mother_dob'];

/** What is wrong with the columns of the records for sending `fields`, or null when nothing is. */
export function columnProblem(columns: readonly string[], fields: readonly string[]): { missing: string[] } | { noIdentifiers: true } | null {
  const missing = fields.filter((x) => !columns.includes(x));
  if (missing.length > 0) return { missing };
  if (!IDENTIFIER_COLUMNS.some((c) => columns.includes(c))) return { noIdentifiers: true };
  return null;
}

function text(v: unknown): string {
  return v === undefined || v === null ? '' : typeof v === 'string' ? v : String(v);
}

/** A copy of `a` in a larger array (typed arrays cannot grow in place). */
export function grow(a: Uint8Array, size: number): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(size);
  b.set(a);
  return b;
}

export class RecordKeyer {
  readonly #keyer: SubjectKeyer;
  readonly #childFields: readonly string[];
  readonly #specialFields: readonly string[];
  #cap: number;
  #keys: Uint8Array;
  #flags: Uint8Array;
  #unidentified: Uint8Array;
  #n = 0;
  #bad = 0;

  constructor(keyer: SubjectKeyer, fields: readonly string[], capacity = 1 << 12) {
    this.#keyer = keyer;
    this.#childFields = fields.filter((f) => fieldCategory(f)?.child);
    this.#specialFields = fields.filter((f) => fieldCategory(f)?.special);
    this.#cap = capacity;
    this.#keys = new Uint8Array(capacity * 32);
    this.#flags = new Uint8Array(capacity);
    this.#unidentified = new Uint8Array(capacity);
  }

  get count(): number {
    return this.#n;
  }

  add(f: Record<string, unknown>): void {
    const n = this.#n;
    if (n === this.#cap) {
      this.#cap *= 2;
      this.#keys = grow(this.#keys, this.#cap * 32);
      this.#flags = grow(this.#flags, this.#cap);
      this.#unidentified = grow(this.#unidentified, this.#cap);
    }
    const m = identifierMaterial({ email: text(f.email), name: text(f.name), postcode: text(f.postcode), dob: text(f.dob) || text(f.mother_dob) });
    if (m.ok) this.#keyer.keyOfMaterialInto(m.material, this.#keys, n * 32);
    else {
      this.#unidentified[n] = 1;
      this.#bad++;
    }
    let flag = 0;
    for (const c of this.#childFields) if (text(f[c]).trim() !== '') flag |= RECORD_CHILD;
    for (const c of this.#specialFields) if (text(f[c]).trim() !== '') flag |= RECORD_SPECIAL;
    this.#flags[n] = flag;
    this.#n = n + 1;
  }

  result(columns: readonly string[]): { count: number; keys: Uint8Array; flags: Uint8Array; unidentified: Uint8Array; unidentifiedCount: number; columns: readonly string[] } {
    const n = this.#n;
    return { count: n, keys: this.#keys.subarray(0, n * 32), flags: this.#flags.subarray(0, n), unidentified: this.#unidentified.subarray(0, n), unidentifiedCount: this.#bad, columns };
  }
}
