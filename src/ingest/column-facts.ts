/**
 * The decision facts of a block of consent events given in columns, added as the block is
 * stored: a bulk load then hands the engine its facts without reading millions of rows back.
 * Each event is added exactly as `eachConsentFact` would later give it.
 */
import type { CollectionMethod, ConsentEvent, ConsentStatus, ConsentType } from '../domain/types.ts';
import type { FactsBuilder } from '../policy/facts.ts';
import { eventIdAt } from '../store/consent-columns.ts';
import { splitList } from '../store/row-mappers.ts';
import type { ConsentColumns } from '../store/store.ts';

const NO_KEY = new Uint8Array(32);

/** Adds every event of `c`; `ordinals` gives the ordinal of each of its subjectKeys (appendConsentColumns). */
export function addColumnFacts(facts: FactsBuilder, c: ConsentColumns, ordinals: Int32Array): void {
  // Strings repeat across the block: split each list once.
  const lists = new Map<number, string[]>();
  const list = (i: number): string[] => {
    let l = lists.get(i);
    if (l === undefined) lists.set(i, (l = splitList(c.strings[i]!)));
    return l;
  };
  const str = (i: number): string | null => (i < 0 ? null : c.strings[i]!);
  const fact: { -readonly [K in keyof ConsentEvent]: ConsentEvent[K] } = {
    id: '', subject: NO_KEY, evidence: null, controller: '', purposes: [], recipients: [], status: 'ConsentGiven',
    notice: null, at: 0, expiresAt: null, method: null, consentType: 'expressed',
  };
  for (let i = 0; i < c.count; i++) {
    const ordinal = ordinals[c.subject[i]!]!;
    if (ordinal < 0) throw new Error(`event ${eventIdAt(c.eventIds, i)} has a subject without an ordinal`);
    const expires = c.expiresAt[i]!;
    fact.controller = c.strings[c.controller[i]!]!;
    fact.purposes = list(c.purposes[i]!);
    fact.recipients = list(c.recipients[i]!);
    fact.status = c.strings[c.status[i]!]! as ConsentStatus;
    fact.notice = str(c.notice[i]!);
    fact.at = c.at[i]!;
    fact.expiresAt = Number.isNaN(expires) ? null : expires;
    fact.method = str(c.method[i]!) as CollectionMethod | null;
    fact.consentType = c.strings[c.consentType[i]!]! as ConsentType;
    facts.addConsent(ordinal, fact);
  }
}
