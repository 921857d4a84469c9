/**
 * Turns records about to be sent, one at a time, into what a decision needs: each record's
 * subject key (identifiers normalised and hashed, never kept), whether it could be identified,
 * and flags for children's and special-category data in the fields being sent. Shared by the
 * file path (`transfer check`) and the HTTP path (NDJSON bodies).
 */
import { fieldCategory } from '../domain/data-categories.ts';
import type { SubjectKeyer } from '../domain/subject-key.ts';
import { keyerHasher } from './key-hasher.ts';
import type { MaterialColumns } from './record-material.ts';
import { RowKeys } from './row-keys.ts';

export const IDENTIFIER_COLUMNS: readonly string[] = ['email', 'name', 'postcode', 'dob', 'mother_dob'];

/** What is wrong with the columns of the records for sending `fields`, or null when nothing is. */
export function columnProblem(columns: readonly string[], fields: readonly string[]): { missing: string[] } | { noIdentifiers: true } | null {
  const missing = fields.filter((x) => !columns.includes(x));
  if (missing.length > 0) return { missing };
  if (!IDENTIFIER_COLUMNS.some((c) => columns.includes(c))) return { noIdentifiers: true };
  return null;
}

/** Keys parsed records through `keyer`, one at a time (row-keys.ts holds the rules). */
export class RecordKeyer {
  readonly #rows: RowKeys;
  readonly #childFields: readonly string[];
  readonly #specialFields: readonly string[];

  constructor(keyer: SubjectKeyer, fields: readonly string[], capacity = 1 << 12) {
    this.#childFields = fields.filter((f) => fieldCategory(f)?.child);
    this.#specialFields = fields.filter((f) => fieldCategory(f)?.special);
    this.#rows = new RowKeys(keyerHasher(keyer), NO_BYTE_FIELDS, false, capacity);
  }

  get count(): number {
    return this.#rows.count;
  }

  add(f: Record<string, unknown>): void {
    this.#rows.addFields(f, this.#childFields, this.#specialFields);
  }

  result(columns: readonly string[]): { count: number; keys: Uint8Array; flags: Uint8Array; unidentified: Uint8Array; unidentifiedCount: number; columns: readonly string[] } {
    const r = this.#rows;
    r.finish();
    const n = r.count;
    return { count: n, keys: r.keys.subarray(0, n * 32), flags: r.flags.subarray(0, n), unidentified: r.unidentified.subarray(0, n), unidentifiedCount: r.bad, columns };
  }
}

/** Parsed records have no byte fields to read. */
const NO_BYTE_FIELDS: MaterialColumns = { email: -1, name: -1, postcode: -1, dob: -1, motherDob: -1, child: [], special: [] };
