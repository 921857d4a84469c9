/** Reads a JSON or YAML document (notices, agreements, organisations) and validates it. */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { UserError } from '../errors.ts';
import { schemaProblems } from '../domain/schemas.ts';

export function readDocument(file: string): unknown {
  let text: string;
  try {
    const bytes = readFileSync(file);
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (err) {
    const msg = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message.includes('encoded') ? 'not valid UTF-8' : (err as Error).message;
    throw new UserError('unreadable', `cannot read ${file}: ${msg}`, [{ where: file, message: msg }]);
  }
  if (text.trim() === '') throw new UserError('empty-file', `${file} is empty`, [{ where: file, message: 'expected a JSON or YAML document' }]);
  const doc = parseDocument(text, { prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = e.linePos?.[0]?.line ?? 1;
    throw new UserError('bad-document', `${file}:${line}: ${e.message.split('\n')[0]}`, [{ where: `${file}:${line}`, message: 'not valid JSON or YAML' }]);
  }
  return doc.toJS();
}

/** Validates `value` (from `file`), naming each bad field. */
export function validateDocument<S extends z.ZodType>(file: string, schema: S, value: unknown, label: string): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const problems = schemaProblems(r.error).map((p) => ({ where: file, field: p.field, message: p.message }));
  throw new UserError('invalid-document', `${file} is not a valid ${label}`, problems);
}

/** A document holding one item or a list of items. */
export function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}
