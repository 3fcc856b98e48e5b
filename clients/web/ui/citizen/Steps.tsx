import type { Channel } from '../../../../protocol/vocabulary.ts';
import { reachedStep, STEPS, type Stage } from '../../state/stage.ts';
import { useT } from '../context.ts';

/** The steps of the consultation's channel: every one reached so far is marked, the current one for screen readers too. */
export function Steps({ stage, channel }: { stage: Stage; channel: Channel }) {
  const t = useT();
  const steps = STEPS[channel];
  const reached = reachedStep(stage, steps.length);
  return (
    <ol class="steps" data-testid="steps" aria-label={t('stepsLabel')}>
      {steps.map(([step, key], i) => (
        <li key={step} class={i <= reached ? 'done' : undefined} data-step={step} aria-current={i === reached ? 'step' : undefined}>
          {t(stage === 'cancelled' && step === 'closed' ? 'stepCancelled' : key)}
        </li>
      ))}
    </ol>
  );
}
