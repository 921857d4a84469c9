/** Exact counts of a generated case, tallied from the rows themselves. */
import { appendConsentEvents } from './consent-events.ts';
import type { ImportRow } from './consent-events.ts';
import { DEFAULT_RECORDS, DEFAULT_SEED, NOTICE_IDS } from './reference-case.ts';
import { generateRegistrants } from './registrants.ts';
import type { Registrant } from './registrants.ts';
import { Rng } from './rng.ts';

export interface CaseSummary {
  readonly seed: number;
  readonly registrants: number;
  /** Joined online, with an email address. */
  readonly webRegistrants: number;
  /** Joined on paper, no email address. */
  readonly paperRegistrants: number;
  /** At least one child's date of birth. */
  readonly withChildren: number;
  /** Expecting a first child: no child's date of birth. */
  readonly expecting: number;
  /** Children's dates of birth in all. */
  readonly children: number;
  readonly events: number;
  readonly serviceGiven: number;
  readonly marketingGiven: number;
  readonly marketingRefused: number;
  readonly marketingWithdrawn: number;
  /** Political-campaign consents under n2 or n2-ar. */
  readonly politicalOptIn: number;
  /** Of which on the Arabic notice. */
  readonly politicalOptInArabic: number;
}

type Counts = { -readonly [K in keyof CaseSummary]: number };

/** Running tally; feed it every registrant and every event row. */
export class CaseTally {
  private readonly c: Counts;

  constructor(seed: number) {
    this.c = {
      seed, registrants: 0, webRegistrants: 0, paperRegistrants: 0, withChildren: 0, expecting: 0, children: 0,
      events: 0, serviceGiven: 0, marketingGiven: 0, marketingRefused: 0, marketingWithdrawn: 0,
      politicalOptIn: 0, politicalOptInArabic: 0,
    };
  }

  registrant(r: Registrant): void {
    const c = this.c;
    c.registrants++;
    if (r.email === '') c.paperRegistrants++;
    else c.webRegistrants++;
    if (r.childDobs.length === 0) c.expecting++;
    else c.withChildren++;
    c.children += r.childDobs.length;
  }

  event(e: ImportRow): void {
    const c = this.c;
    c.events++;
    const purpose = e.purposes[0];
    if (purpose === 'service-provision') {
      if (e.status === 'ConsentGiven') c.serviceGiven++;
    } else if (purpose === 'marketing') {
      if (e.status === 'ConsentGiven') c.marketingGiven++;
      else if (e.status === 'ConsentRefused') c.marketingRefused++;
      else if (e.status === 'ConsentWithdrawn') c.marketingWithdrawn++;
    } else if (purpose === 'political-campaign' && e.status === 'ConsentGiven') {
      c.politicalOptIn++;
      if (e.notice === NOTICE_IDS.n2Arabic) c.politicalOptInArabic++;
    }
  }

  /** Adds the counts of another part of the same run. */
  merge(other: CaseSummary): void {
    if (other.seed !== this.c.seed) throw new Error(`cannot merge counts of seed ${other.seed} into seed ${this.c.seed}`);
    for (const k of Object.keys(this.c) as (keyof Counts)[]) if (k !== 'seed') this.c[k] += other[k];
  }

  summary(): CaseSummary {
    return { ...this.c };
  }
}

/** The summary of a case without writing any file (same counts as writeCaseFiles returns). */
export function summariseCase(options: { readonly records?: number; readonly seed?: number } = {}): CaseSummary {
  const records = options.records ?? DEFAULT_RECORDS;
  const seed = options.seed ?? DEFAULT_SEED;
  const tally = new CaseTally(seed);
  const rng = new Rng(seed);
  const rows: ImportRow[] = [];
  for (const r of generateRegistrants({ records, seed })) {
    tally.registrant(r);
    rows.length = 0;
    appendConsentEvents(r, seed, rng, rows);
    for (let i = 0; i < rows.length; i++) tally.event(rows[i] as ImportRow);
  }
  return tally.summary();
}
