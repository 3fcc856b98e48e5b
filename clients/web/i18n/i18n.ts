import { regionName } from '../../../protocol/regions.ts';
import { CATEGORIES, type Category } from '../../../protocol/vocabulary.ts';
import { STRINGS, type StringKey } from './strings.ts';

export type Lang = 'zh-CN' | 'en';
export const DEFAULT_LANG: Lang = 'zh-CN';
export type { StringKey };

export type Params = Record<string, string | number>;

/** What a screen needs to show text: strings, category labels and times, all in one language. */
export interface Translator {
  (key: StringKey, params?: Params): string;
  readonly lang: Lang;
  category(c: Category): string;
  /** A GB/T 2260 region code by name (江苏省无锡市), or the code itself when it names no known region. */
  region(code: string): string;
  /** A clock time (`at` in ms since the epoch) as people of this language write it. */
  time(at: number): string;
  dateTime(at: number): string;
}

/** `{name}` in the catalogue's text becomes `params.name`; a name with no value stays visible, so a test sees it. */
export function fill(text: string, params: Params = {}): string {
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

const made = new Map<Lang, Translator>();

/** One translator per language, made once: components compare it to know the language changed. */
export function translator(lang: Lang): Translator {
  const known = made.get(lang);
  if (known) return known;
  const t = ((key: StringKey, params?: Params) => fill(STRINGS[key][lang], params)) as Translator;
  Object.assign(t, {
    lang,
    category: (c: Category) => CATEGORIES[c][lang],
    region: (code: string) => regionName(code, lang) ?? fill(STRINGS.regionCode[lang], { code }),
    time: (at: number) => new Date(at).toLocaleTimeString(lang),
    dateTime: (at: number) => new Date(at).toLocaleString(lang),
  });
  made.set(lang, t);
  return t;
}

export const isLang = (v: unknown): v is Lang => v === 'zh-CN' || v === 'en';
