import { useApp, useT } from './context.ts';

/**
 * Tells screen readers what arrives while they are elsewhere on the page (a new message, in
 * any consultation). Present from the first render: a live region added with its text is not read.
 */
export function LiveRegion() {
  const t = useT();
  const a = useApp((s) => s.announcement);
  return (
    <div class="sr-only" role="status" aria-live="polite" data-testid="announcer">
      {a && <span key={a.n}>{t(a.key, a.category ? { ...a.params, category: t.category(a.category) } : a.params)}</span>}
    </div>
  );
}
