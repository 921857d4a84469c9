/**
 * Keys the NDJSON lines of one batch that json-line-scan.ts reads whole, on whichever thread
 * runs it, and says of every line what became of it, so the lines it leaves can be parsed with
 * JSON.parse by the thread that puts the records in order.
 */
import { JsonLineScanner } from './json-line-scan.ts';
import type { MaterialColumns } from './record-material.ts';
import type { RowKeys } from './row-keys.ts';

/** A blank line: no record. */
export const SKIPPED = -1;
/** A line for JSON.parse. */
export const LEFT = -2;

/** The fields keying reads from a record, each once: identifiers first, where MaterialColumns names them. */
export interface JsonFields {
  readonly names: readonly string[];
  readonly columns: MaterialColumns;
}

export function jsonFields(childFields: readonly string[], specialFields: readonly string[]): JsonFields {
  const names = [...new Set(['email', 'name', 'postcode', 'dob', 'mother_dob', ...childFields, ...specialFields])];
  return {
    names,
    columns: { email: 0, name: 1, postcode: 2, dob: 3, motherDob: 4, child: childFields.map((f) => names.indexOf(f)), special: specialFields.map((f) => names.indexOf(f)) },
  };
}

/** Only ASCII white space (what String#trim removes among ASCII bytes). */
function blank(buf: Uint8Array, s: number, e: number): boolean {
  for (let i = s; i < e; i++) {
    const c = buf[i]!;
    if (!(c === 0x20 || (c >= 0x09 && c <= 0x0d))) return false;
  }
  return true;
}

/**
 * Lines k = from..count-1 (buf[starts[k] .. ends[k])): each read whole is keyed into `keys`
 * (status[k] = its index there); blank ones get SKIPPED, the rest LEFT, and `left` (when given)
 * is called for each of those in turn, so the caller can add its record in its place.
 */
export function keyJsonLines(
  buf: Buffer,
  starts: Int32Array,
  ends: Int32Array,
  count: number,
  scanner: JsonLineScanner,
  keys: RowKeys,
  status: Int32Array,
  from = 0,
  left?: (k: number) => void,
): void {
  for (let k = from; k < count; k++) {
    const s = starts[k]!;
    let e = ends[k]!;
    if (e > s && buf[e - 1] === 0x0d) e--;
    if (blank(buf, s, e)) status[k] = SKIPPED;
    else if (scanner.scan(buf, s, e)) {
      status[k] = keys.count;
      keys.add(scanner.view, 0);
    } else {
      status[k] = LEFT;
      left?.(k);
    }
  }
}
