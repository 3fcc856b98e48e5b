import type { Page } from 'playwright-core';
import { STRINGS } from '../../clients/web/i18n/strings.ts';
import { CATEGORIES } from '../../protocol/vocabulary.ts';

/**
 * Every text a person can see or hear on the page, in the language the page says it is in,
 * must be a catalogue entry (clients/web/i18n/strings.ts, or a category label) — with its
 * `{name}` places filled by anything — or sit inside an element marked `data-user` (a
 * message body: data, not interface). Checked: text nodes of the body (hidden ones too: a
 * screen reader reads them), the attributes that are read out (placeholder, aria-label, title,
 * alt) and the document title. Returns what matched nothing.
 */
export async function uncataloguedText(page: Page): Promise<{ lang: string; checked: number; stray: string[] }> {
  const catalogue = (lang: 'zh-CN' | 'en') => [...Object.values(STRINGS).map((s) => s[lang]), ...Object.values(CATEGORIES).map((c) => c[lang])];
  return page.evaluate(
    ({ zh, en }) => {
      const lang = document.documentElement.lang;
      const templates = lang === 'en' ? en : lang === 'zh-CN' ? zh : [];
      const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      const patterns = templates.map((tpl) => new RegExp(`^${tpl.trim().split(/\{\w+\}/).map(escape).join('[\\s\\S]+')}$`));
      const texts: string[] = [document.title];
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const parent = n.parentElement;
        if (!parent || parent.closest('script, style, [data-user]')) continue;
        texts.push(n.textContent ?? '');
      }
      for (const el of document.body.querySelectorAll('[placeholder], [aria-label], [title], [alt]')) {
        for (const a of ['placeholder', 'aria-label', 'title', 'alt']) {
          const v = el.getAttribute(a);
          if (v !== null) texts.push(v);
        }
      }
      const shown = texts.map((s) => s.trim()).filter((s) => s.length > 0);
      return { lang, checked: shown.length, stray: shown.filter((s) => !patterns.some((p) => p.test(s))) };
    },
    { zh: catalogue('zh-CN'), en: catalogue('en') },
  );
}
