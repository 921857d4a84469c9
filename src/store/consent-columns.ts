/**
 * What both SQL stores do with a block of ConsentColumns before writing it: code its strings
 * once per column kind, and give its subjects ordinals (known ones from the key index, new ones
 * consecutive from the next free ordinal).
 */
import { SUBJECT_KEY_BYTES } from '../domain/subject-key.ts';
import type { SubjectKeyIndex } from '../policy/subject-key-index.ts';
import type { ConsentColumns } from './store.ts';

/** `codeOf(kind, i)`: the dictionary code of strings[i] (null for -1), created once per kind and string. */
export function columnCoder(strings: readonly string[], code: (kind: string, value: string) => number): (kind: string, i: number) => number | null {
  const coded = new Map<string, (number | null)[]>();
  return (kind, i) => {
    if (i < 0) return null;
    let m = coded.get(kind);
    if (m === undefined) coded.set(kind, (m = []));
    return (m[i] ??= code(kind, strings[i]!));
  };
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
