import { isOpen } from '../../state/consultations.ts';
import { stageOf } from '../../state/stage.ts';
import { CallPanel } from '../chat/CallPanel.tsx';
import { Chat } from '../chat/Chat.tsx';
import { useApp, useT } from '../context.ts';
import { StageNote } from './StageNote.tsx';
import { Steps } from './Steps.tsx';
import { WaitNote } from './WaitNote.tsx';

/** One of the citizen's open consultations: its steps, where it stands and what happens next, and the chat. */
export function CitizenConsultation({ id }: { id: string }) {
  const t = useT();
  const entry = useApp((s) => s.consultations[id]);
  const wait = useApp((s) => s.waits[id]);
  if (!entry) return null;
  const stage = stageOf(entry, wait);
  const { view } = entry;
  return (
    <section class="card consultation" data-testid="consultation" data-id={id} data-channel={view.channel} aria-labelledby={`c-${id}`}>
      <h2 id={`c-${id}`}>{t.category(view.category)}</h2>
      {view.channel === 'message' && <p class="badge">{t('messageBadge')}</p>}
      <Steps stage={stage} channel={view.channel} />
      <StageNote entry={entry} stage={stage} />
      <WaitNote entry={entry} />
      <CallPanel id={id} />
      <Chat id={id} closed={!isOpen(view)} />
    </section>
  );
}
