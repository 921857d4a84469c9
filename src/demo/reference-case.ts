/**
 * The reference case (shared/case.md): Emma's Diary → Experian Marketing Services → the Labour Party, 2017.
 * Ids here are stable: scripts, tests and the web app refer to them.
 */
import type { Agreement, Dataset, Notice, Organisation, TransferRequest } from '../domain/types.ts';

/** A notice as written in a file: everything but the content hash, dates as ISO strings. */
export type NoticeInput = Omit<Notice, 'hash' | 'effectiveFrom'> & { readonly effectiveFrom: string };

/** An agreement as written in a file: dates as ISO strings. */
export type AgreementInput = Omit<Agreement, 'validFrom' | 'validTo'> & {
  readonly validFrom: string;
  readonly validTo: string | null;
};

/** Postcode areas standing in for the 106 marginal seats of the direct-mail campaign. */
export const TARGET_AREAS: ReadonlySet<string> = new Set(['B', 'BD', 'CV', 'DE', 'DY', 'LS', 'M', 'NG', 'NN', 'OL', 'PE', 'PR', 'S', 'SK', 'ST', 'WF', 'WV']);

export const ORG_IDS = {
  collector: 'emmas-diary',
  broker: 'experian-marketing',
  party: 'labour-party',
  regulator: 'ico',
} as const;

export const ORGANISATIONS: readonly Organisation[] = [
  {
    id: ORG_IDS.collector,
    name: "Lifecycle Marketing (Mother and Baby) Ltd t/a Emma's Diary",
    kind: 'collector',
    country: 'GB',
    rightsContact: 'privacy@emmasdiary.example',
  },
  {
    id: ORG_IDS.broker,
    name: 'Experian Marketing Services',
    kind: 'broker',
    country: 'GB',
    rightsContact: 'dpo@experian.example',
  },
  {
    id: ORG_IDS.party,
    name: 'The Labour Party',
    kind: 'political-party',
    country: 'GB',
    rightsContact: 'dataprotection@labour.example',
  },
  {
    id: ORG_IDS.regulator,
    name: "Information Commissioner's Office",
    kind: 'regulator',
    country: 'GB',
    rightsContact: 'casework@ico.example',
  },
];

export const NOTICE_IDS = { n1: 'n1', n2: 'n2', n2Arabic: 'n2-ar' } as const;

const N1_TEXT =
  "Emma's Diary is run by Lifecycle Marketing (Mother and Baby) Ltd. When you join the club we collect " +
  "your name, home address, email address, your date of birth and your baby's due date or date of birth. " +
  'We use this information to send you your pregnancy and parenting guides, free gifts and offers. ' +
  'Your information may be used for marketing purposes by us and selected partners. ' +
  'You can change your preferences or unsubscribe at any time by writing to privacy@emmasdiary.example.';

const N2_POLITICAL =
  'If you tick the box to agree, we will also share your name, home address and postcode with ' +
  'Experian Marketing Services, acting for the Labour Party, so that the Labour Party can send you ' +
  'information about its political campaigns by post. We will not do this unless you agree, ' +
  'and you can withdraw this consent at any time.';

const N2_TEXT = `${N1_TEXT} ${N2_POLITICAL}`;

// Reviewed Arabic rendering of N2; organisation names stay in Latin script as registered.
const N2_AR_TEXT =
  'تدير شركة Lifecycle Marketing (Mother and Baby) Ltd نادي Emma\'s Diary. عند انضمامك إلى النادي نجمع ' +
  'اسمك وعنوان منزلك وبريدك الإلكتروني وتاريخ ميلادك والموعد المتوقع لولادة طفلك أو تاريخ ميلاده. ' +
  'نستخدم هذه المعلومات لنرسل إليك أدلة الحمل ورعاية الطفل والهدايا المجانية والعروض. ' +
  'قد نستخدم معلوماتك نحن وشركاء مختارون لأغراض تسويقية. ' +
  'إذا وضعت علامة في المربع المخصص للموافقة، فسنشارك أيضاً اسمك وعنوان منزلك ورمزك البريدي مع ' +
  'Experian Marketing Services التي تعمل لحساب حزب العمال (The Labour Party)، لكي يرسل إليك حزب العمال ' +
  'بالبريد معلومات عن حملاته السياسية. لن نفعل ذلك ما لم توافق، ويمكنك سحب هذه الموافقة في أي وقت. ' +
  'يمكنك تغيير تفضيلاتك أو إلغاء الاشتراك في أي وقت بمراسلتنا على privacy@emmasdiary.example.';

export const NOTICES: readonly NoticeInput[] = [
  {
    id: NOTICE_IDS.n1,
    controller: ORG_IDS.collector,
    version: '2014-01',
    language: 'en',
    title: "Emma's Diary: how we use your information",
    text: N1_TEXT,
    purposes: ['service-provision', 'marketing'],
    recipients: [],
    recipientCategories: ['selected partners'],
    retentionDays: null,
    effectiveFrom: '2014-01-01T00:00:00Z',
  },
  {
    id: NOTICE_IDS.n2,
    controller: ORG_IDS.collector,
    version: '2018-01',
    language: 'en',
    title: "Emma's Diary: how we use your information",
    text: N2_TEXT,
    purposes: ['service-provision', 'marketing', 'political-campaign'],
    recipients: [ORG_IDS.broker, ORG_IDS.party],
    recipientCategories: ['selected partners'],
    retentionDays: null,
    effectiveFrom: '2018-01-15T00:00:00Z',
  },
  {
    id: NOTICE_IDS.n2Arabic,
    controller: ORG_IDS.collector,
    version: '2018-01',
    language: 'ar',
    title: 'Emma\'s Diary: كيف نستخدم معلوماتك',
    text: N2_AR_TEXT,
    purposes: ['service-provision', 'marketing', 'political-campaign'],
    recipients: [ORG_IDS.broker, ORG_IDS.party],
    recipientCategories: ['selected partners'],
    retentionDays: null,
    effectiveFrom: '2018-01-15T00:00:00Z',
  },
];

/** The club's register, as declared: the columns of registrants.csv with their data categories. */
export const DATASETS: readonly Dataset[] = [
  {
    id: 'registrants',
    controller: ORG_IDS.collector,
    name: "Emma's Diary registrants (parents and their children)",
    fields: [
      { name: 'name', category: 'name' },
      { name: 'email', category: 'email' },
      { name: 'address', category: 'address' },
      { name: 'postcode', category: 'postcode' },
      { name: 'mother_dob', category: 'birth-date' },
      { name: 'child_dob', category: 'child-birth-date' },
    ],
  },
];

export const AGREEMENT_IDS = { dsa2017: 'dsa-2017', dsa2026: 'dsa-2026' } as const;

export const AGREEMENTS: readonly AgreementInput[] = [
  {
    id: AGREEMENT_IDS.dsa2017,
    from: ORG_IDS.collector,
    to: ORG_IDS.broker,
    onBehalfOf: ORG_IDS.party,
    role: 'processor',
    purposes: ['political-campaign'],
    fields: ['name', 'address', 'postcode', 'mother_dob', 'child_dob'],
    retentionDays: 60,
    onwardSharing: false,
    dpiaRef: null,
    art14NoticeDays: null,
    art9Condition: null,
    childJustification: null,
    transferSafeguard: null,
    validFrom: '2017-04-01T00:00:00Z',
    validTo: '2017-12-31T00:00:00Z',
  },
  {
    id: AGREEMENT_IDS.dsa2026,
    from: ORG_IDS.collector,
    to: ORG_IDS.broker,
    onBehalfOf: ORG_IDS.party,
    role: 'processor',
    purposes: ['political-campaign'],
    fields: ['name', 'address', 'postcode'],
    retentionDays: 60,
    onwardSharing: false,
    dpiaRef: 'DPIA-2026-014',
    art14NoticeDays: 30,
    art9Condition: null,
    childJustification: null,
    transferSafeguard: null,
    validFrom: '2026-01-01T00:00:00Z',
    validTo: null,
  },
];

/** Agreement has no free-text field; the stated use is kept here for reports and the README. */
export const AGREEMENT_DESCRIPTIONS: Readonly<Record<string, string>> = {
  [AGREEMENT_IDS.dsa2017]: 'Data supply agreement: postal information and insight',
  [AGREEMENT_IDS.dsa2026]: 'Data sharing agreement: postal campaign to registrants who opted in under notice n2',
};

export const TIMELINE = {
  registrationsFrom: '2014-01-01T00:00:00Z',
  registrationsTo: '2017-04-30T23:59:59Z',
  /** Delivery of the 1,065,200 records to Experian (ICO Notice of Intent). */
  t1: '2017-05-05T09:00:00Z',
  politicalOptInFrom: '2018-01-15T00:00:00Z',
  politicalOptInTo: '2018-06-30T23:59:59Z',
  withdrawalsTo: '2019-12-31T23:59:59Z',
  /** The same transfer asked again under dsa-2026. */
  t2026: '2026-03-02T09:00:00Z',
} as const;

/** Size of the file delivered to Experian (ICO press release, 9 Aug 2018). */
export const DEFAULT_RECORDS = 1_065_200;
export const DEFAULT_SEED = 20_170_505;

/** Share of registrants who joined online (and gave an email); the rest joined on paper. */
export const WEB_SHARE = 0.7;
/** Share of registrants with no child born yet (pregnant when they joined). */
export const NO_CHILD_SHARE = 0.15;
/** Share of registrants who ticked the marketing box under n1. */
export const MARKETING_SHARE = 0.68;
/** Share of those who gave marketing consent who withdrew it later (by 2019-12-31). */
export const WITHDRAW_SHARE = 0.01;
/** Share of all registrants who opted in to political campaigning under n2 (Jan–Jun 2018). */
export const POLITICAL_OPT_IN_SHARE = 0.02;
/** Share of those political opt-ins made on the Arabic notice n2-ar. */
export const ARABIC_SHARE = 0.05;

/** T1 as it happened: political campaign for Labour, by post, with every date of birth. */
export const T1_TRANSFER: TransferRequest = {
  from: ORG_IDS.collector,
  to: ORG_IDS.broker,
  onBehalfOf: ORG_IDS.party,
  purpose: 'political-campaign',
  channel: 'post',
  fields: ['name', 'address', 'postcode', 'mother_dob', 'child_dob'],
  at: Date.parse(TIMELINE.t1),
  basis: 'consent',
  tpsScreened: false,
};

/** The same request made under dsa-2026 with n2 in force: only the opt-ins should go. */
export const T2026_TRANSFER: TransferRequest = { ...T1_TRANSFER, at: Date.parse(TIMELINE.t2026) };
