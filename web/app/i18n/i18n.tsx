/**
 * Language, direction and formats. Every string on screen comes from a catalogue (en.ts, ar.ts);
 * numbers and dates go through Intl with the chosen locale. The choice is remembered in
 * localStorage and applied to <html lang dir> before the first paint.
 */
import { createContext, useCallback, useContext, useLayoutEffect, useMemo, useState, type ReactNode } from 'react';
import { ar } from './ar.ts';
import { en, type MessageKey } from './en.ts';

export const LANGS = ['en', 'ar'] as const;
export type Lang = (typeof LANGS)[number];

const CATALOGUES: Readonly<Record<Lang, Readonly<Record<MessageKey, string>>>> = { en, ar };
/** Arabic with Arabic-Indic digits (Intl's plain `ar` may give Latin digits, depending on its data). */
export const LOCALES: Readonly<Record<Lang, string>> = { en: 'en-GB', ar: 'ar-u-nu-arab' };
export const DIRECTIONS: Readonly<Record<Lang, 'ltr' | 'rtl'>> = { en: 'ltr', ar: 'rtl' };
const STORAGE_KEY = 'consentry.lang';

function isLang(v: unknown): v is Lang {
  return v === 'en' || v === 'ar';
}

export function initialLang(): Lang {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    if (isLang(stored)) return stored;
  } catch {
    // Storage may be disabled: fall back to the browser's language.
  }
  return navigator.language.toLowerCase().startsWith('ar') ? 'ar' : 'en';
}

export function applyToDocument(lang: Lang): void {
  document.documentElement.lang = lang;
  document.documentElement.dir = DIRECTIONS[lang];
  document.title = CATALOGUES[lang]['app.title'];
}

export type Params = Readonly<Record<string, string | number>>;

export interface I18n {
  readonly lang: Lang;
  readonly dir: 'ltr' | 'rtl';
  setLang(lang: Lang): void;
  t(key: MessageKey, params?: Params): string;
  /** The same for an attribute (aria-label, title): values not isolated. */
  attr(key: MessageKey, params?: Params): string;
  /** A label for a code (purpose, reason, status…) when the catalogue has one, else the code itself. */
  label(prefix: string, code: string): string;
  num(n: number): string;
  /** 0.42 → "42%" as the language writes it. */
  pct(fraction: number): string;
  /** "a, b, c" in the language's own separators. */
  list(items: readonly string[]): string;
  date(t: string | number): string;
  dateTime(t: string | number): string;
}

const Ctx = createContext<I18n | null>(null);

/**
 * A message with its placeholders filled. In text, each value is isolated (FSI … PDI) so a
 * left-to-right name inside Arabic keeps its place; attributes (`isolate` false) get plain values.
 */
export function translate(lang: Lang, key: MessageKey, params?: Params, isolate = true): string {
  const text = CATALOGUES[lang][key];
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? (isolate ? `\u2068${String(params[name])}\u2069` : String(params[name])) : m));
}

export function I18nProvider({ children }: { readonly children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(initialLang);
  useLayoutEffect(() => applyToDocument(lang), [lang]);
  const setLang = useCallback((l: Lang) => {
    try {
      localStorage.setItem(STORAGE_KEY, l);
    } catch {
      // Not remembered, but still switched.
    }
    setLangState(l);
  }, []);
  const value = useMemo<I18n>(() => {
    const locale = LOCALES[lang];
    const numbers = new Intl.NumberFormat(locale);
    const dates = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
    const times = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'UTC' });
    const percents = new Intl.NumberFormat(locale, { style: 'percent' });
    const lists = new Intl.ListFormat(locale, { style: 'long', type: 'unit' });
    const catalogue = CATALOGUES[lang] as Readonly<Record<string, string>>;
    return {
      lang,
      dir: DIRECTIONS[lang],
      setLang,
      t: (key, params) => translate(lang, key, params),
      attr: (key, params) => translate(lang, key, params, false),
      label: (prefix, code) => catalogue[`${prefix}.${code}`] ?? code,
      num: (n) => numbers.format(n),
      pct: (f) => percents.format(f),
      list: (items) => lists.format(items.map((x) => `\u2068${x}\u2069`)),
      date: (t) => dates.format(new Date(t)),
      dateTime: (t) => times.format(new Date(t)),
    };
  }, [lang, setLang]);
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useI18n(): I18n {
  const v = useContext(Ctx);
  if (!v) throw new Error('useI18n outside I18nProvider');
  return v;
}
