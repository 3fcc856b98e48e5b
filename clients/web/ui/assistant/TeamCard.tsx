import { isOpen } from '../../state/consultations.ts';
import { Chat } from '../chat/Chat.tsx';
import { useApp, useT } from '../context.ts';

/**
 * One of the lawyer's consultations, as their assistant sees it: the transcript, and the composer
 * while the consultation is active (the server takes an assistant's message then only). Closing
 * and the wrap-up note stay with the lawyer.
 */
export function TeamCard({ id }: { id: string }) {
  const t = useT();
  const entry = useApp((s) => s.consultations[id]);
  if (!entry) return null;
  const { view } = entry;
  const state = view.state === 'active' ? t('teamActive') : view.state === 'picked' ? t('teamPicked') : !isOpen(view) ? t('closedLawyer') : undefined;
  return (
    <section class="card consultation" data-testid="consultation" data-id={id} aria-labelledby={`t-${id}`}>
      <h2 id={`t-${id}`}>{t('workTitle', { category: t.category(view.category), name: view.citizen.name })}</h2>
      {state && (
        <p class="muted" data-testid="team-state" data-state={view.state}>
          {state}
        </p>
      )}
      <Chat id={id} closed={view.state !== 'active'} />
    </section>
  );
}
