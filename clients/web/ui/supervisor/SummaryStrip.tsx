import { ALERT_LEVELS } from '../../../../protocol/frames.ts';
import { openByLevel } from '../../state/supervision.ts';
import { useApp, useT } from '../context.ts';
import { levelLabel } from './LevelBadge.tsx';

/** Open alerts by level and the open consultations, waiting and in progress: the duty office at a glance. */
export function SummaryStrip() {
  const t = useT();
  const alerts = useApp((s) => s.supervision.alerts);
  const counts = useApp((s) => s.supervision.counts);
  const byLevel = openByLevel(alerts);
  return (
    <section class="card summary" aria-labelledby="summary-title" data-testid="summary">
      <h2 id="summary-title">{t('summaryTitle')}</h2>
      <div class="summary-row">
        <p class="summary-label">{t('summaryAlerts')}</p>
        <ul class="summary-levels">
          {ALERT_LEVELS.map((l) => (
            <li key={l} class={`level level-${l}`} data-testid={`summary-${l}`} data-count={byLevel[l]}>
              {t('summaryLevelCount', { level: levelLabel(t, l), count: byLevel[l] })}
            </li>
          ))}
        </ul>
      </div>
      {counts && (
        <div class="summary-row">
          <p data-testid="summary-queued">{t('summaryQueued', { count: counts.queued })}</p>
          <p data-testid="summary-active">{t('summaryActive', { count: counts.active })}</p>
          <p class="muted">{t('summaryAsOf', { time: t.time(counts.at) })}</p>
        </div>
      )}
    </section>
  );
}
