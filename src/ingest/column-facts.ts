/**
 * The decision facts of a block of consent events given in columns, added as the block is
 * stored: a bulk load then hands the engine its facts without reading millions of rows back.
 * Each event is added exactly as `eachConsentFact` would later give it.
 */
import type { CollectionMethod, ConsentStatus, ConsentType } from '../domain/types.ts';
import type { ConsentValueCodes, FactsBuilder } from '../policy/facts.ts';
import { eventIdAt } from '../store/consent-columns.ts';
import { splitList } from '../store/row-mappers.ts';
import type { ConsentColumns } from '../store/store.ts';

/** The columns that make an event's value codes (evidence, times and subject do not). */
const VALUE_COLUMNS = ['controller', 'purposes', 'recipients', 'status', 'notice', 'method', 'consentType'] as const;
/** Distinct values per column a block may have for its events' kinds to be numbered in 4 bits each. */
const PER_COLUMN = 16;

/** Adds every event of `c`; `ordinals` gives the ordinal of each of its subjectKeys (appendConsentColumns). */
export function addColumnFacts(facts: FactsBuilder, c: ConsentColumns, ordinals: Int32Array): void {
  // A block's events come in a few kinds (the same values but for times and subject): each
  // kind's codes are looked up once. A kind is numbered from its columns' values, each renumbered
  // 0..15 in order of first use; a block with more distinct values in a column looks each event up.
  const seen = VALUE_COLUMNS.map(() => new Int32Array(c.strings.length + 1).fill(-1));
  const used = VALUE_COLUMNS.map(() => 0);
  const kinds = new Map<number, ConsentValueCodes>();
  const str = (i: number): string | null => (i < 0 ? null : c.strings[i]!);
  const codesOf = (i: number): ConsentValueCodes =>
    facts.consentValueCodes({
      controller: c.strings[c.controller[i]!]!,
      purposes: splitList(c.strings[c.purposes[i]!]!),
      recipients: splitList(c.strings[c.recipients[i]!]!),
      status: c.strings[c.status[i]!]! as ConsentStatus,
      notice: str(c.notice[i]!),
      method: str(c.method[i]!) as CollectionMethod | null,
      consentType: c.strings[c.consentType[i]!]! as ConsentType,
    });
  const columns = VALUE_COLUMNS.map((name) => c[name]);
  for (let i = 0; i < c.count; i++) {
    const ordinal = ordinals[c.subject[i]!]!;
    if (ordinal < 0) throw new Error(`event ${eventIdAt(c.eventIds, i)} has a subject without an ordinal`);
    let kind = 0;
    for (let k = 0; k < columns.length && kind >= 0; k++) {
      // -1 (no value) is kept at index 0, string s at s + 1.
      const at = columns[k]![i]! + 1;
      const renumbered = seen[k]!;
      let d = renumbered[at]!;
      if (d < 0) renumbered[at] = d = used[k]!++;
      kind = d < PER_COLUMN ? kind * PER_COLUMN + d : -1;
    }
    let codes = kind >= 0 ? kinds.get(kind) : undefined;
    if (codes === undefined) {
      codes = codesOf(i);
      if (kind >= 0) kinds.set(kind, codes);
    }
    const expires = c.expiresAt[i]!;
    facts.addConsentCoded(ordinal, codes, c.at[i]!, expires);
  }
}
