import { ALERT_LEVELS, type AlertLevel } from '../../../../protocol/frames.ts';
import { alertQueue } from '../../state/supervision.ts';
import { useActions, useApp, useT } from '../context.ts';
import { useNow } from '../useNow.ts';
import { AlertCard } from './AlertCard.tsx';
import { levelLabel } from './LevelBadge.tsx';

const isFilter = (v: string): v is AlertLevel | 'all' => v === 'all' || (ALERT_LEVELS as readonly string[]).includes(v);

/** The open alerts, most severe then newest first, kept live by pushes; a level filter; one opened at a time. */
export function AlertQueue() {
  const t = useT();
  const actions = useActions();
  const supervision = useApp((s) => s.supervision);
  const queue = alertQueue(supervision);
  // One clock for every countdown of the queue.
  const now = useNow(queue.some((a) => a.escalateAt !== undefined && a.state === 'raised'));
  const { filter, listed, opened } = supervision;
  return (
    <section class="card alerts" aria-labelledby="alerts-title" aria-busy={!listed} data-testid="alerts">
      <div class="card-head">
        <h2 id="alerts-title" tabIndex={-1}>{t('alertsTitle')}</h2>
        <div class="alert-filter">
          <label for="alert-filter">{t('alertsFilter')}</label>
          <select id="alert-filter" data-testid="alert-filter" value={filter} onChange={(e) => isFilter(e.currentTarget.value) && actions.filterAlerts(e.currentTarget.value)}>
            <option value="all">{t('alertsAll')}</option>
            {ALERT_LEVELS.map((l) => (
              <option key={l} value={l}>
                {levelLabel(t, l)}
              </option>
            ))}
          </select>
        </div>
      </div>
      {!listed && <p class="muted">{t('alertsLoading')}</p>}
      {listed && queue.length === 0 && (
        <p class="muted" data-testid="alerts-empty">
          {t(filter === 'all' ? 'alertsEmpty' : 'alertsEmptyLevel')}
        </p>
      )}
      <ul class="alert-list">
        {queue.map((a) => (
          <AlertCard key={a.id} alert={a} now={now} opened={a.id === opened} />
        ))}
      </ul>
    </section>
  );
}
