import type { ConsultationEntry } from '../../state/consultations.ts';
import { STAGE_TEXT, type Stage } from '../../state/stage.ts';
import { useApp, useT } from '../context.ts';

/**
 * The step the consultation is at, in a sentence: the same words the live region says when it
 * is reached. Closed, it is the closing note (its own test id: other screens look for it).
 */
export function StageNote({ entry, stage }: { entry: ConsultationEntry; stage: Stage }) {
  const t = useT();
  const me = useApp((s) => s.identity?.id);
  const lawyer = entry.view.lawyer && entry.view.lawyer.id !== me ? entry.view.lawyer.name : '';
  return (
    <p class={`stage stage-${stage}`} data-testid={stage === 'closed' ? 'closed-note' : 'stage'} data-stage={stage}>
      {t(STAGE_TEXT[stage], { name: lawyer })}
    </p>
  );
}
