import type { ConsultationEntry } from '../../state/consultations.ts';
import { unread } from '../../state/attention.ts';
import { useActions, useT } from '../context.ts';

/** The panel every tab controls: the consultation in view. */
export const WORK_PANEL = 'work-panel';
export const tabId = (consultationId: string) => `tab-${consultationId}`;

/**
 * The lawyer's open consultations as tabs, oldest first (a new one is added at the end), each
 * with its unread count; the chosen one is in view. The keyboard moves between tabs with the
 * arrow keys, Home and End (one tab stop, as the ARIA tabs pattern has it).
 */
export function ConsultationTabs({ open, selected, me }: { open: readonly ConsultationEntry[]; selected: string | undefined; me: string }) {
  const t = useT();
  const actions = useActions();
  const choose = (id: string, focus: boolean) => {
    actions.select(id);
    if (focus) document.getElementById(tabId(id))?.focus();
  };
  const onKeyDown = (ev: KeyboardEvent, i: number) => {
    const to = { ArrowRight: i + 1, ArrowDown: i + 1, ArrowLeft: i - 1, ArrowUp: i - 1, Home: 0, End: open.length - 1 }[ev.key];
    if (to === undefined) return;
    ev.preventDefault();
    const next = open[(to + open.length) % open.length];
    if (next) choose(next.view.id, true);
  };
  return (
    <div class="tabs" role="tablist" aria-label={t('tabsLabel')} data-testid="tabs">
      {open.map((e, i) => {
        const { id, citizen, category } = e.view;
        const count = id === selected ? 0 : unread(e, me);
        return (
          <button
            key={id}
            id={tabId(id)}
            type="button"
            role="tab"
            class="tab"
            data-testid="consultation-tab"
            data-id={id}
            aria-selected={id === selected}
            aria-controls={WORK_PANEL}
            tabIndex={id === selected ? 0 : -1}
            onClick={() => choose(id, false)}
            onKeyDown={(ev) => onKeyDown(ev, i)}
          >
            <span>{t('tabLabel', { name: citizen.name, category: t.category(category) })}</span>
            {count > 0 && (
              <span class="unread" data-testid="tab-unread">
                {t('unreadCount', { count })}
              </span>
            )}
          </button>
        );
      })}
    </div>
  );
}
