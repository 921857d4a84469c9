/** README.md of a generated case: what the files are, the documented shares and the exact counts. */
import type { CaseSummary } from './case-summary.ts';
import { CONSENT_EVENT_COLUMNS, REGISTRANT_COLUMNS } from './case-lines.ts';
import {
  AGREEMENT_DESCRIPTIONS,
  AGREEMENT_IDS,
  ARABIC_SHARE,
  MARKETING_SHARE,
  NO_CHILD_SHARE,
  POLITICAL_OPT_IN_SHARE,
  TIMELINE,
  WEB_SHARE,
  WITHDRAW_SHARE,
} from './reference-case.ts';

// Formatted by hand: toLocaleString would make the bytes depend on the ICU data Node was built with.
const int = (n: number): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
const pct = (p: number): string => `${+(p * 100).toFixed(2)}%`;
const ratio = (n: number, d: number): string => (d === 0 ? '–' : pct(n / d));

/** Deterministic: nothing here depends on the clock or the machine. */
export function caseReadme(s: CaseSummary, options: { readonly jsonl: boolean }): string {
  const lines = [
    "# Reference case: Emma's Diary → Experian Marketing Services → the Labour Party (2017)",
    '',
    'Synthetic data for the Consentry demo, shaped like the real case. Every person in it is invented:',
    'names are drawn from lists of common UK first names and surnames, addresses are invented streets in',
    'real towns with well-formed postcodes, and email addresses use the reserved example.org /',
    'example.com / example.net domains only.',
    '',
    `Generated for ${int(s.registrants)} registrants with seed ${s.seed}. The same seed and size always give`,
    'the same files byte for byte; a smaller run is a prefix of a larger one.',
    '',
    '## Files',
    '',
    '| file | contents |',
    '|---|---|',
    '| `organisations.json` | the collector, the broker, the political party and the regulator |',
    '| `notices/n1.json` | notice shown at registration (2014–2017): data "may be used for marketing purposes by us and selected partners" |',
    '| `notices/n2.json` | notice from 15 January 2018: names political campaigning, Experian Marketing Services and the Labour Party |',
    '| `notices/n2-ar.json` | Arabic translation of n2 |',
    `| \`agreements.json\` | \`${AGREEMENT_IDS.dsa2017}\` (${AGREEMENT_DESCRIPTIONS[AGREEMENT_IDS.dsa2017]}) and \`${AGREEMENT_IDS.dsa2026}\` (${AGREEMENT_DESCRIPTIONS[AGREEMENT_IDS.dsa2026]}) |`,
    '| `datasets.json` | the club register as declared: each column of `registrants.csv` with its data category (`consentry dataset add`) |',
    `| \`registrants.csv\` | the register delivered in transfer T1 on ${TIMELINE.t1}: ${REGISTRANT_COLUMNS.map((c) => `\`${c}\``).join(', ')} (several children separated by \`;\`) |`,
    '| `consent-events.csv` | consent events in the import format (below) |',
    ...(options.jsonl ? ['| `consent-events.jsonl` | the same events as JSON Lines (lists as arrays, no expiry as null) |'] : []),
    '',
    'Notices and agreements are in input form: a notice without its content hash, dates as ISO 8601.',
    '',
    '## Consent events (import format)',
    '',
    `Columns: ${CONSENT_EVENT_COLUMNS.map((c) => `\`${c}\``).join(', ')}.`,
    'A person is identified by `email` when it is not empty, otherwise by `name` + `postcode` + `dob`',
    '(the registrant\'s own date of birth). `purposes` and `recipients` are separated by `;` in CSV;',
    '`notice` is the notice id; `at` is an ISO 8601 date-time in UTC; an empty `expires_at` means no expiry.',
    'Event ids extend the registrant id: `ed-0000001-svc` (service), `-mkt` (marketing choice),',
    '`-wd` (marketing withdrawn), `-pol` (political-campaign opt-in).',
    '',
    '## Shares and exact counts',
    '',
    'Each registrant draws independently with the documented probability; the counts are exact for these files.',
    '',
    '| what | documented share | count | share in these files |',
    '|---|---|---|---|',
    `| registrants | | ${int(s.registrants)} | |`,
    `| joined online, with an email | ${pct(WEB_SHARE)} of registrants | ${int(s.webRegistrants)} | ${ratio(s.webRegistrants, s.registrants)} |`,
    `| joined on paper, no email | ${pct(1 - WEB_SHARE)} of registrants | ${int(s.paperRegistrants)} | ${ratio(s.paperRegistrants, s.registrants)} |`,
    `| expecting, no child yet | ${pct(NO_CHILD_SHARE)} of registrants | ${int(s.expecting)} | ${ratio(s.expecting, s.registrants)} |`,
    `| with at least one child's date of birth | ${pct(1 - NO_CHILD_SHARE)} of registrants | ${int(s.withChildren)} | ${ratio(s.withChildren, s.registrants)} |`,
    `| children's dates of birth | | ${int(s.children)} | |`,
    `| service consent (n1) | everyone | ${int(s.serviceGiven)} | ${ratio(s.serviceGiven, s.registrants)} |`,
    `| marketing consent given (n1) | ${pct(MARKETING_SHARE)} of registrants | ${int(s.marketingGiven)} | ${ratio(s.marketingGiven, s.registrants)} |`,
    `| marketing consent refused (n1) | ${pct(1 - MARKETING_SHARE)} of registrants | ${int(s.marketingRefused)} | ${ratio(s.marketingRefused, s.registrants)} |`,
    `| marketing consent withdrawn by ${TIMELINE.withdrawalsTo.slice(0, 10)} | ${pct(WITHDRAW_SHARE)} of those who gave it | ${int(s.marketingWithdrawn)} | ${ratio(s.marketingWithdrawn, s.marketingGiven)} |`,
    `| political-campaign opt-in (n2, ${TIMELINE.politicalOptInFrom.slice(0, 10)} to ${TIMELINE.politicalOptInTo.slice(0, 10)}) | ${pct(POLITICAL_OPT_IN_SHARE)} of registrants | ${int(s.politicalOptIn)} | ${ratio(s.politicalOptIn, s.registrants)} |`,
    `| of which on the Arabic notice n2-ar | ${pct(ARABIC_SHARE)} of opt-ins | ${int(s.politicalOptInArabic)} | ${ratio(s.politicalOptInArabic, s.politicalOptIn)} |`,
    `| consent events | | ${int(s.events)} | |`,
    '',
  ];
  return lines.join('\n');
}
