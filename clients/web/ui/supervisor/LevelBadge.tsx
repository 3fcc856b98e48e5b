import type { AlertLevel } from '../../../../protocol/frames.ts';
import type { Translator } from '../../i18n/i18n.ts';
import { useT } from '../context.ts';

export const levelLabel = (t: Translator, level: AlertLevel): string => t(`alertLevel${level}`);

/** An alert level in its colour and, always, in words (colour alone tells nobody who cannot see it). */
export function LevelBadge({ level }: { level: AlertLevel }) {
  const t = useT();
  return (
    <span class={`level level-${level}`} data-testid="alert-level" data-level={level}>
      {levelLabel(t, level)}
    </span>
  );
}
