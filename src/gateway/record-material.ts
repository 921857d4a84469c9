/**
 * What keying needs from one CSV record, read from its bytes: the normalised identifier material
 * (null when the identifiers are unusable) and the record's child / special-category flags.
 * The same rules as keyRecords applies to parsed records; material-bytes.ts is the fast path.
 */
import { identifierMaterial } from '../domain/identifiers.ts';
import { RECORD_CHILD, RECORD_SPECIAL } from '../policy/record-flags.ts';
import { fieldBlank, fieldText, type RowView } from './csv-scan.ts';

/** Column positions in the file; -1 when the file has no such column (its value is then ''). */
export interface MaterialColumns {
  readonly email: number;
  readonly name: number;
  readonly postcode: number;
  readonly dob: number;
  readonly motherDob: number;
  readonly child: readonly number[];
  readonly special: readonly number[];
}

export function materialColumns(names: readonly string[], childFields: readonly string[], specialFields: readonly string[]): MaterialColumns {
  return {
    email: names.indexOf('email'),
    name: names.indexOf('name'),
    postcode: names.indexOf('postcode'),
    dob: names.indexOf('dob'),
    motherDob: names.indexOf('mother_dob'),
    child: childFields.map((c) => names.indexOf(c)),
    special: specialFields.map((c) => names.indexOf(c)),
  };
}

function valueAt(r: RowView, k: number): string {
  return k < 0 ? '' : fieldText(r, k);
}

export function recordMaterial(r: RowView, c: MaterialColumns): { material: string | null; flags: number } {
  // A non-blank email alone decides the material (see identifierMaterial).
  const e = valueAt(r, c.email);
  const m = identifierMaterial(
    e.trim() !== '' ? { email: e } : { email: e, name: valueAt(r, c.name), postcode: valueAt(r, c.postcode), dob: valueAt(r, c.dob) || valueAt(r, c.motherDob) },
  );
  return { material: m.ok ? m.material : null, flags: recordFlags(r, c) };
}

/** RECORD_CHILD / RECORD_SPECIAL when a child / special-category field being sent is not blank. */
export function recordFlags(r: RowView, c: MaterialColumns): number {
  let flags = 0;
  for (let i = 0; i < c.child.length; i++) if (!fieldBlank(r, c.child[i]!)) flags |= RECORD_CHILD;
  for (let i = 0; i < c.special.length; i++) if (!fieldBlank(r, c.special[i]!)) flags |= RECORD_SPECIAL;
  return flags;
}
