/**
 * Records of a transfer sent over HTTP as NDJSON → what the decision needs: subject keys
 * (identifiers hashed here, never stored) and child / special-category flags, exactly as
 * src/gateway/transfer-records.ts does for files.
 */
import { fieldCategory } from '../domain/data-categories.ts';
import { identifierMaterial } from '../domain/identifiers.ts';
import type { SubjectKeyer } from '../domain/subject-key.ts';
import type { KeyedRecords } from '../gateway/transfer-records.ts';
import { RECORD_CHILD, RECORD_SPECIAL } from '../policy/record-flags.ts';
import { ApiError } from './api-error.ts';
import type { NdjsonLine } from './ndjson.ts';

const IDENTIFIER_COLUMNS = ['email', 'name', 'postcode', 'dob', 'mother_dob'];

function text(v: unknown): string {
  return v === undefined || v === null ? '' : typeof v === 'string' ? v : String(v);
}

function grow(a: Uint8Array, size: number): Uint8Array {
  const b = new Uint8Array(size);
  b.set(a);
  return b;
}

export async function keyNdjsonRecords(batches: AsyncIterable<readonly NdjsonLine[]>, fields: readonly string[], keyer: SubjectKeyer): Promise<KeyedRecords> {
  const childFields = fields.filter((f) => fieldCategory(f)?.child);
  const specialFields = fields.filter((f) => fieldCategory(f)?.special);
  let cap = 1 << 12;
  let keys: Uint8Array = new Uint8Array(cap * 32);
  let flags: Uint8Array = new Uint8Array(cap);
  let unidentified: Uint8Array = new Uint8Array(cap);
  let n = 0;
  let bad = 0;
  let columns: string[] | null = null;
  for await (const batch of batches) for (const { line, value } of batch) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new ApiError(400, 'invalid-ndjson', `line ${line} is not a JSON object`, [{ where: `body:${line}`, message: 'send one record object per line' }]);
    }
    const f = value as Record<string, unknown>;
    if (columns === null) {
      columns = Object.keys(f);
      const missing = fields.filter((x) => !columns!.includes(x));
      if (missing.length > 0) {
        throw new ApiError(400, 'missing-columns', `the records have no field ${missing.join(', ')}`, [
          { where: `body:${line}`, field: missing.join(','), message: `fields must name keys of the records; they have ${columns.join(', ')}` },
        ]);
      }
      if (!IDENTIFIER_COLUMNS.some((c) => columns!.includes(c))) {
        throw new ApiError(400, 'missing-columns', 'the records have no identifier fields', [{ where: `body:${line}`, message: 'give email, or name + postcode + dob (or mother_dob)' }]);
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
  }
  return { count: n, keys: keys.subarray(0, n * 32), flags: flags.subarray(0, n), unidentified: unidentified.subarray(0, n), unidentifiedCount: bad, columns: columns ?? [] };
}
