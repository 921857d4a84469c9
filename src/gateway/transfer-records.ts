/**
 * Reads the records about to be sent and turns each into what the decision needs: the
 * subject key (identifiers hashed here, never stored) and flags for children's and
 * special-category data. The records themselves stay on the discloser's disk.
 */
import { fieldCategory } from '../domain/data-categories.ts';
import { identifierMaterial } from '../domain/identifiers.ts';
import type { SubjectKeyer } from '../domain/subject-key.ts';
import { UserError } from '../errors.ts';
import { readRecords, type RecordFormat } from '../ingest/record-reader.ts';
import { RECORD_CHILD, RECORD_SPECIAL } from '../policy/record-flags.ts';

export interface KeyedRecords {
  readonly count: number;
  /** count × 32 bytes. */
  readonly keys: Uint8Array;
  readonly flags: Uint8Array;
  /** Records whose identifiers could not be read (they get no key and are refused). */
  readonly unidentified: Uint8Array;
  readonly unidentifiedCount: number;
  readonly columns: readonly string[];
}

const IDENTIFIER_COLUMNS = ['email', 'name', 'postcode', 'dob', 'mother_dob'];

function text(v: unknown): string {
  return v === undefined || v === null ? '' : typeof v === 'string' ? v : String(v);
}

export async function keyRecords(file: string, format: RecordFormat, fields: readonly string[], keyer: SubjectKeyer, onProgress?: (n: number) => void): Promise<KeyedRecords> {
  const childFields = fields.filter((f) => fieldCategory(f)?.child);
  const specialFields = fields.filter((f) => fieldCategory(f)?.special);
  let cap = 1 << 16;
  let keys = new Uint8Array(cap * 32);
  let flags = new Uint8Array(cap);
  let unidentified = new Uint8Array(cap);
  let n = 0;
  let bad = 0;
  let columns: string[] | null = null;
  for await (const rec of readRecords(file, { format })) {
    const f = rec.fields;
    if (columns === null) {
      columns = Object.keys(f);
      const missing = fields.filter((x) => !columns!.includes(x));
      if (missing.length > 0) {
        throw new UserError('missing-columns', `${file}:1: the records have no column ${missing.join(', ')}`, [
          { where: `${file}:1`, field: missing.join(','), message: `--fields must name columns of the file; it has ${columns.join(', ')}` },
        ]);
      }
      if (!IDENTIFIER_COLUMNS.some((c) => columns!.includes(c))) {
        throw new UserError('missing-columns', `${file}:1: no identifier columns`, [{ where: `${file}:1`, message: 'give email, or name + postcode + dob (or mother_dob), so each record can be matched to a person' }]);
      }
    }
    if (n === cap) {
      cap *= 2;
      keys = grow(keys, cap * 32);
      flags = grow(flags, cap);
      unidentified = grow(unidentified, cap);
    }
    const m = identifierMaterial({ email: text(f.email), name: text(f.name), postcode: text(f.postcode), dob: text(f.dob) || text(f.mother_dob) });
    if (m.ok) keyer.keyOfMaterialInto(m.material, keys, n * 32);
    else {
      unidentified[n] = 1;
      bad++;
    }
    let flag = 0;
    for (const c of childFields) if (text(f[c]).trim() !== '') flag |= RECORD_CHILD;
    for (const c of specialFields) if (text(f[c]).trim() !== '') flag |= RECORD_SPECIAL;
    flags[n] = flag;
    n++;
    if (onProgress && n % 20000 === 0) onProgress(n);
  }
  return { count: n, keys: keys.subarray(0, n * 32), flags: flags.subarray(0, n), unidentified: unidentified.subarray(0, n), unidentifiedCount: bad, columns: columns ?? [] };
}

function grow<T extends Uint8Array>(a: T, size: number): T {
  const b = new Uint8Array(size);
  b.set(a);
  return b as T;
}
