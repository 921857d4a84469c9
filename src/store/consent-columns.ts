/**
 * What both SQL stores do with a block of ConsentColumns before writing it: code its strings
 * once per column kind, and give its subjects ordinals (known ones from the key index, new ones
 * consecutive from the next free ordinal).
 */
import { SUBJECT_KEY_BYTES } from '../domain/subject-key.ts';
import type { SubjectKeyIndex } from '../policy/subject-key-index.ts';
import type { ConsentColumns, EventIdColumn } from './store.ts';

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder('utf-8', { fatal: true });

/** An id column from strings (callers that have them as strings). */
export function eventIdColumn(ids: readonly string[]): EventIdColumn {
  const parts = ids.map((id) => utf8.encode(id));
  const ends = new Uint32Array(ids.length);
  let end = 0;
  for (let i = 0; i < parts.length; i++) ends[i] = end += parts[i]!.length;
  const text = new Uint8Array(end);
  for (let i = 0; i < parts.length; i++) text.set(parts[i]!, ends[i]! - parts[i]!.length);
  return { text, ends };
}

/** Byte offset where id i starts. */
export function eventIdStart(ids: EventIdColumn, i: number): number {
  return i === 0 ? 0 : ids.ends[i - 1]!;
}

/** Id i as a string. */
export function eventIdAt(ids: EventIdColumn, i: number): string {
  return fromUtf8.decode(ids.text.subarray(eventIdStart(ids, i), ids.ends[i]!));
}

/** Every id as a string. */
export function eventIdList(ids: EventIdColumn): string[] {
  return Array.from(ids.ends, (_, i) => eventIdAt(ids, i));
}

/** The columns of ConsentColumns given as indexes into its strings, each with its dictionary kind. */
export const CODED_COLUMNS = [
  ['controller', 'org'],
  ['purposes', 'list'],
  ['recipients', 'list'],
  ['status', 'status'],
  ['notice', 'notice'],
  ['method', 'method'],
  ['consentType', 'ctype'],
] as const;

export type CodedColumn = (typeof CODED_COLUMNS)[number][0];

/** Dictionary codes for a batch's strings, by column: codes[i] for strings[i], -1 for none. */
export type ColumnCodes = Readonly<Record<CodedColumn, Int32Array>>;

/** Per-string code tables for a batch: each column's strings coded once with `code`. */
export function columnCodes(c: ConsentColumns, code: (kind: string, value: string) => number): ColumnCodes {
  const out = {} as Record<CodedColumn, Int32Array>;
  for (const [column, kind] of CODED_COLUMNS) {
    const t = new Int32Array(c.strings.length).fill(-1);
    const values = c[column];
    for (let i = 0; i < c.count; i++) {
      const s = values[i]!;
      if (s >= 0 && t[s] === -1) t[s] = code(kind, c.strings[s]!);
    }
    out[column] = t;
  }
  return out;
}

export interface ColumnSubjects {
  /** Ordinal per entry of subjectKeys (-1 where no event refers to it). */
  readonly ordinals: Int32Array;
  /** Keys new to the store, packed, in ordinal order from `first`. */
  readonly fresh: Uint8Array;
  readonly first: number;
  readonly added: number;
}

/** Adds the new subjects to `index` as it goes (the caller forgets the index if its write fails). */
export function columnSubjects(c: ConsentColumns, index: SubjectKeyIndex, next: number): ColumnSubjects {
  const keyCount = c.subjectKeys.length / SUBJECT_KEY_BYTES;
  const used = new Uint8Array(keyCount);
  for (let i = 0; i < c.count; i++) used[c.subject[i]!] = 1;
  const ordinals = new Int32Array(keyCount);
  const added = index.addManyIfAbsent(c.subjectKeys, next, ordinals, used);
  // New subjects took ordinals next, next + 1, … in key order: their keys, packed in that order.
  const fresh = new Uint8Array(added * SUBJECT_KEY_BYTES);
  for (let k = 0; k < keyCount; k++) {
    const o = ordinals[k]!;
    if (o >= next) fresh.set(c.subjectKeys.subarray(k * SUBJECT_KEY_BYTES, (k + 1) * SUBJECT_KEY_BYTES), (o - next) * SUBJECT_KEY_BYTES);
  }
  return { ordinals, fresh, first: next, added };
}
