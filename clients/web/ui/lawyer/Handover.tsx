import type { Handover as HandoverNote } from '../../state/desk.ts';
import { useT } from '../context.ts';

/** The note a lawyer left when they handed the consultation on: who, and what they wrote (data, shown as text). */
export function Handover({ handover }: { handover: HandoverNote }) {
  const t = useT();
  return (
    <figure class="handover" data-testid="handover">
      <figcaption>{t('handoverFrom', { name: handover.from.name })}</figcaption>
      <blockquote data-user>{handover.note}</blockquote>
    </figure>
  );
}
