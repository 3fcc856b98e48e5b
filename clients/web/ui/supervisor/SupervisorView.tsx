import { useApp, useT } from '../context.ts';
import { useChime } from '../lawyer/LawyerView.tsx';
import { AlertQueue } from './AlertQueue.tsx';
import { SummaryStrip } from './SummaryStrip.tsx';

/**
 * A supervisor's page (the duty office): a summary strip (open alerts by level, consultations
 * waiting and in progress), then the alert queue. A level III or higher alert (`alert.notify`)
 * sounds a chime; those not acknowledged count in the page's title (`state/attention.ts`).
 */
export function SupervisorView() {
  const t = useT();
  const notified = useApp((s) => s.supervision.notified);
  const rejected = useApp((s) => s.supervision.rulesRejected);
  useChime(notified);
  return (
    <div class="supervision">
      <SummaryStrip />
      {rejected && (
        <p class="notice" role="alert" data-testid="rules-rejected">
          {t('alertRulesRejected', rejected)}
        </p>
      )}
      <AlertQueue />
    </div>
  );
}
