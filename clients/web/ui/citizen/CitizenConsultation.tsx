import { isOpen } from '../../state/consultations.ts';
import { Chat } from '../chat/Chat.tsx';
import { useApp, useT } from '../context.ts';
import { Steps } from './Steps.tsx';
import { WaitNote } from './WaitNote.tsx';

/** One of the citizen's consultations: its steps, their place or what happens next, and the chat. */
export function CitizenConsultation({ id }: { id: string }) {
  const t = useT();
  const entry = useApp((s) => s.consultations[id]);
  if (!entry) return null;
  const closed = !isOpen(entry.view);
  return (
    <section class="card consultation" data-testid="consultation" data-id={id} aria-labelledby={`c-${id}`}>
      <h2 id={`c-${id}`}>{t.category(entry.view.category)}</h2>
      <Steps state={entry.view.state} />
      <WaitNote entry={entry} />
      <Chat id={id} closed={closed} />
      {closed && (
        <p class="muted" data-testid="closed-note">
          {t('closedCitizen')}
        </p>
      )}
    </section>
  );
}
