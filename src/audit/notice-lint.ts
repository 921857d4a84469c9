/**
 * Scores a privacy notice for specificity (0–100) and points each problem at its sentence:
 * purposes named or vague ("may be used for marketing purposes"), recipients named as
 * organisations or only as a category ("selected partners", "third parties"), must-name purposes
 * (political campaigning, sale of data) present when the ledger shows they happen, retention
 * stated, rights and a contact present. English and Arabic. Pure.
 */
import { coveringPurposes, isWithin } from '../domain/purposes.ts';
import type { Notice } from '../domain/types.ts';
import type { SeenUse } from './notice-usage.ts';

export type LintLevel = 'block' | 'warn';

export interface LintFinding {
  readonly code: string;
  readonly level: LintLevel;
  readonly message: string;
  /** The sentence the finding points at; null for something the notice lacks as a whole. */
  readonly sentence: string | null;
  /** Offsets of the sentence in the notice text (UTF-16 code units, end exclusive). */
  readonly start: number | null;
  readonly end: number | null;
}

export interface LintResult {
  readonly score: number;
  readonly findings: readonly LintFinding[];
  readonly comparison: { readonly purposesSeenNotNamed: readonly string[]; readonly recipientsSeenNotNamed: readonly string[] };
}

export interface Sentence {
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

/** Sentences end at . ! ? ؟ or ۔ followed by white space or the end, or at a line break. */
export function sentences(text: string): Sentence[] {
  const out: Sentence[] = [];
  const re = /[^\n]*?(?:[.!?\u061F\u06D4](?=\s|$)|\n|$)/gu;
  for (const m of text.matchAll(re)) {
    if (m[0].length === 0) {
      re.lastIndex++;
      continue;
    }
    const raw = m[0];
    const lead = raw.length - raw.trimStart().length;
    const body = raw.trim();
    if (body === '') continue;
    const start = m.index + lead;
    out.push({ text: body, start, end: start + body.length });
  }
  return out;
}

/** Phrases by what they show, English then Arabic. */
const VAGUE_PURPOSE = [
  /\bmarketing purposes\b/i,
  /\b(?:commercial|business|other|research|related) purposes\b/i,
  /\bmay be used for\b/i,
  /\bincluding but not limited to\b/i,
  /\bfor marketing\b/i,
  /لأغراض تسويقية|لأغراض التسويق|لأغراض أخرى|لأغراض تجارية/u,
];
const VAGUE_RECIPIENTS = [
  /\b(?:selected|carefully selected|trusted|other|our) (?:partners|companies|organisations|organizations|third parties)\b/i,
  /\bthird[- ]part(?:y|ies)\b/i,
  /\bpartners\b/i,
  /شركاء مختار(?:و|ي)ن|شركائنا|أطراف ثالثة|أطراف أخرى|جهات خارجية|جهات أخرى|شركات مختارة/u,
];
const RETENTION = [/\b(?:keep|retain|store|hold)\b[^.]*\b(?:for|until|years?|months?|days?)\b/i, /\bretention\b/i, /\bdelete(?:d)? (?:it|your|after)\b/i, /نحتفظ|الاحتفاظ|سنحذف|نحذف/u];
const RIGHTS = [/\b(?:withdraw|unsubscribe|object|opt out|erasure|erase|rectif\w*|your rights|right to|access to your)\b/i, /سحب|إلغاء الاشتراك|الاعتراض|حقك|حقوقك|تصحيح/u];
const CONTACT = [/[\w.+-]+@[\w-]+(?:\.[\w-]+)+/u, /\bhttps?:\/\/\S+/i, /\b(?:write to|call us|telephone|phone)\b/i, /راسلنا|بمراسلتنا|اتصل بنا/u];
const POLITICAL = [/\bpolitic(?:al|s)\b|\belection\b|\bparty\b/i, /سياسي|السياسية|حزب|انتخاب/u];
const SALE = [/\bsell\b|\bsale of\b|\bsold\b/i, /نبيع|بيع/u];

const PENALTY: Record<LintLevel, number> = { block: 25, warn: 10 };

const any = (res: readonly RegExp[], s: string): boolean => res.some((r) => r.test(s));

export function lintNotice(notice: Pick<Notice, 'text' | 'purposes' | 'recipients' | 'recipientCategories' | 'retentionDays'>, seen?: SeenUse): LintResult {
  const ss = sentences(notice.text);
  const findings: LintFinding[] = [];
  const at = (s: Sentence | undefined) => (s ? { sentence: s.text, start: s.start, end: s.end } : { sentence: null, start: null, end: null });

  for (const s of ss) {
    if (any(VAGUE_PURPOSE, s.text)) {
      findings.push({ code: 'vague-purpose', level: 'warn', message: 'a purpose is stated only vaguely (e.g. "marketing purposes"): name each purpose, such as political campaigning by post', ...at(s) });
    }
    if (any(VAGUE_RECIPIENTS, s.text)) {
      findings.push({ code: 'vague-recipients', level: 'warn', message: 'recipients are described only by category (e.g. "selected partners", "third parties"): consent for categories of third-party controllers is not specific enough', ...at(s) });
    }
  }
  const vagueRecipientSentence = ss.find((s) => any(VAGUE_RECIPIENTS, s.text));
  if (notice.recipients.length === 0 && (notice.recipientCategories.length > 0 || vagueRecipientSentence)) {
    findings.push({ code: 'recipients-not-named', level: 'block', message: 'the notice shares data but names no recipient organisation (Art 13(1)(e), 14(1)(e))', ...at(vagueRecipientSentence) });
  }

  const purposesSeenNotNamed = (seen?.purposes ?? []).filter((p) => !coveringPurposes(p).some((q) => notice.purposes.includes(q)));
  const recipientsSeenNotNamed = (seen?.recipients ?? []).filter((o) => !notice.recipients.includes(o));
  if (seen) {
    const political = seen.purposes.some((p) => isWithin(p, 'political-campaign')) || seen.politicalRecipients.length > 0;
    if (political && !notice.purposes.includes('political-campaign')) {
      const mentioned = ss.find((s) => any(POLITICAL, s.text));
      findings.push({
        code: 'must-name-purpose-missing',
        level: 'block',
        message: `the ledger shows political use (${[...seen.purposes.filter((p) => isWithin(p, 'political-campaign')), ...seen.politicalRecipients].join(', ')}) but the notice does not list political campaigning among its purposes${mentioned ? '' : ' or mention it'}`,
        ...at(mentioned ?? ss.find((s) => any(VAGUE_PURPOSE, s.text))),
      });
    }
    if (seen.purposes.includes('sale-of-data') && !notice.purposes.includes('sale-of-data')) {
      findings.push({ code: 'must-name-purpose-missing', level: 'block', message: 'the ledger shows sale of data but the notice does not list it among its purposes', ...at(ss.find((s) => any(SALE, s.text))) });
    }
    if (recipientsSeenNotNamed.length > 0) {
      findings.push({ code: 'recipients-seen-not-named', level: 'warn', message: `the ledger shows data going to ${recipientsSeenNotNamed.join(', ')}, not named in the notice`, ...at(vagueRecipientSentence) });
    }
  }
  if (notice.retentionDays === null && !ss.some((s) => any(RETENTION, s.text))) {
    findings.push({ code: 'retention-missing', level: 'warn', message: 'no retention period is stated', ...at(undefined) });
  }
  if (!ss.some((s) => any(RIGHTS, s.text))) findings.push({ code: 'rights-missing', level: 'warn', message: 'the notice does not tell people how to withdraw consent or use their rights', ...at(undefined) });
  if (!ss.some((s) => any(CONTACT, s.text))) findings.push({ code: 'contact-missing', level: 'warn', message: 'the notice gives no contact (e-mail, address or web page)', ...at(undefined) });

  const score = Math.max(0, 100 - findings.reduce((sum, f) => sum + PENALTY[f.level], 0));
  return { score, findings, comparison: { purposesSeenNotNamed, recipientsSeenNotNamed } };
}
