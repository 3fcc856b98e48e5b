import type { ConsultationState } from '../../../../protocol/vocabulary.ts';
import type { StringKey } from '../../i18n/i18n.ts';
import { useT } from '../context.ts';

const STEPS: readonly [ConsultationState, StringKey][] = [
  ['queued', 'stepQueued'],
  ['picked', 'stepPicked'],
  ['active', 'stepActive'],
  ['closed', 'stepClosed'],
];

/** Where the consultation is: every step reached so far is marked, the current one for screen readers too. */
export function Steps({ state }: { state: ConsultationState }) {
  const t = useT();
  const reached = STEPS.findIndex(([s]) => s === (state === 'cancelled' ? 'closed' : state));
  return (
    <ol class="steps" data-testid="steps" aria-label={t('stepsLabel')}>
      {STEPS.map(([s, key], i) => (
        <li key={s} class={i <= reached ? 'done' : undefined} data-step={s} aria-current={i === reached ? 'step' : undefined}>
          {t(key)}
        </li>
      ))}
    </ol>
  );
}
