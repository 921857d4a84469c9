/** Reads the store into the decision engine's in-memory facts (columnar, by subject ordinal). */
import { FactsBuilder } from '../policy/facts.ts';
import type { Store } from '../store/store.ts';

export async function loadFacts(store: Store): Promise<FactsBuilder> {
  const stats = await store.stats();
  const facts = new FactsBuilder(Math.max(1024, Math.ceil(stats.consentEvents * 1.2)));
  facts.reserveSubjects(stats.subjects);
  for (const o of await store.listOrganisations()) facts.addOrganisation(o);
  for (const n of await store.listNotices()) facts.addNotice(n);
  for (const a of await store.listAgreements()) facts.addAgreement(a);
  await store.eachConsentFact((ordinal, f) => facts.addConsent(ordinal, f));
  await store.eachObjection((o) => facts.addObjection(o.ordinal, o));
  return facts;
}
