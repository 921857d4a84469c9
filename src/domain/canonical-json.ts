/**
 * Canonical JSON for ledger leaves: object keys sorted (UTF-16 code unit order, as RFC 8785),
 * no whitespace, strings and numbers as JSON.stringify writes them, binary values (Uint8Array,
 * Buffer) as lowercase hex strings. The same value always gives the same bytes, so a leaf hash
 * can be recomputed by anyone from the entry.
 *
 * Rejects what has no single JSON form: non-finite numbers, bigint, functions, symbols,
 * undefined inside arrays, Map/Set/Date and other class instances, and nesting deeper than 64
 * levels (which includes cycles).
 */

export class CanonicalJsonError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
    this.name = 'CanonicalJsonError';
  }
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function hex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]];
  return s;
}

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Nesting deeper than this is refused; it also stops cycles without tracking visited objects. */
const MAX_DEPTH = 64;

/** Where the writer is, kept as a stack and joined only for an error message. */
function pathText(stack: readonly (string | number)[]): string {
  return '$' + stack.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('');
}

function write(value: unknown, stack: (string | number)[]): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new CanonicalJsonError(pathText(stack), `number ${value} has no JSON form`);
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (value instanceof Uint8Array) return `"${hex(value)}"`;
      if (stack.length >= MAX_DEPTH) throw new CanonicalJsonError(pathText(stack), `nested deeper than ${MAX_DEPTH} (or cyclic)`);
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          const item: unknown = value[i];
          stack.push(i);
          if (item === undefined) throw new CanonicalJsonError(pathText(stack), 'undefined in an array');
          out += (i === 0 ? '' : ',') + write(item, stack);
          stack.pop();
        }
        return out + ']';
      }
      if (!isPlainObject(value)) {
        throw new CanonicalJsonError(pathText(stack), `${value.constructor?.name ?? 'object'} is not plain data`);
      }
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).sort();
      let out = '{';
      let first = true;
      for (const k of keys) {
        const v = record[k];
        if (v === undefined) continue; // absent and undefined mean the same
        stack.push(k);
        out += `${first ? '' : ','}${JSON.stringify(k)}:${write(v, stack)}`;
        stack.pop();
        first = false;
      }
      return out + '}';
    }
    default:
      throw new CanonicalJsonError(pathText(stack), `${typeof value} has no JSON form`);
  }
}

/** The canonical JSON text of `value`. */
export function canonicalJson(value: unknown): string {
  return write(value, []);
}
