import { DEFAULT_LANG, isLang, type Lang } from './i18n.ts';

const KEY = 'lawline.lang';

/**
 * The language chosen, kept in localStorage: a preference of the browser, not of a session,
 * so it outlives a sign-out and a closed tab. Storage may be refused (private modes, policy):
 * then the choice lasts as long as the page.
 */
export function loadLang(): Lang {
  try {
    const saved = localStorage.getItem(KEY);
    return isLang(saved) ? saved : DEFAULT_LANG;
  } catch (e) {
    console.warn('lawline: the saved language could not be read', e);
    return DEFAULT_LANG;
  }
}

export function saveLang(lang: Lang): void {
  try {
    localStorage.setItem(KEY, lang);
  } catch (e) {
    console.warn('lawline: the language could not be saved', e);
  }
}
