import { onLang, t, type StringKey } from './i18n.ts';

type Attrs = Record<string, string | boolean | ((ev: Event) => void)>;

/** Creates an element. Text is always set as textContent: nothing from the network becomes HTML. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, ''), v);
    else if (typeof v === 'boolean') {
      if (v) el.setAttribute(k, '');
    } else el.setAttribute(k, v);
  }
  for (const c of children) el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return el;
}

/** A text node that follows the current language. */
export function tr(key: StringKey): Text {
  const node = document.createTextNode('');
  onLang(() => (node.textContent = t(key)));
  return node;
}
