import { useState } from 'preact/hooks';
import { isOpen, ordered } from '../../state/consultations.ts';
import { Chat } from '../chat/Chat.tsx';
import { useActions, useApp, useT } from '../context.ts';
import { ErrorNote } from '../ErrorNote.tsx';
import { RecordButton } from '../RecordButton.tsx';

/**
 * The citizen's ended consultations, newest first, each with its transcript shown on demand;
 * older ones a page at a time. `except`: one shown as a card of its own (it just ended).
 */
export function PastList({ except }: { except: string | undefined }) {
  const t = useT();
  const actions = useActions();
  const consultations = useApp((s) => s.consultations);
  const past = useApp((s) => s.citizen.past);
  const [error, setError] = useState<string>();
  const ended = ordered(consultations).filter((e) => !isOpen(e.view) && e.view.id !== except);
  const more = async () => {
    const done = await actions.morePast();
    setError(done.ok ? undefined : done.error);
  };
  return (
    <section class="card past" data-testid="past" aria-labelledby="past-title" aria-busy={past.status === 'loading'}>
      <h2 id="past-title">{t('pastTitle')}</h2>
      {ended.length === 0 && past.status !== 'loading' && <p class="muted">{t('pastEmpty')}</p>}
      <ul class="past-list">
        {ended.map((e) => (
          <PastItem key={e.view.id} id={e.view.id} />
        ))}
      </ul>
      {past.status === 'failed' && <p class="error">{t('pastFailed')}</p>}
      {(past.hasMore || past.status === 'failed') && (
        <button type="button" class="secondary" data-testid="past-more" disabled={past.status === 'loading'} onClick={more}>
          {t(past.status === 'failed' ? 'retry' : 'pastMore')}
        </button>
      )}
      <ErrorNote message={error} />
    </section>
  );
}

/** One ended consultation: what and when, how it ended, and its conversation behind a button (loaded the first time it is opened). */
function PastItem({ id }: { id: string }) {
  const t = useT();
  const actions = useActions();
  const entry = useApp((s) => s.consultations[id]);
  const [shown, setShown] = useState(false);
  if (!entry) return null;
  const { view } = entry;
  const toggle = () => {
    if (!shown) actions.openTranscript(id);
    setShown(!shown);
  };
  return (
    <li class="past-item" data-testid="past-item" data-id={id}>
      <div class="past-head">
        <span>{t('pastLine', { category: t.category(view.category), date: t.dateTime(view.createdAt) })}</span>
        <span class="badge">{t(view.state === 'cancelled' ? 'stepCancelled' : 'stepClosed')}</span>
        {view.channel === 'message' && <span class="badge">{t('messageBadge')}</span>}
      </div>
      <button type="button" class="secondary" data-testid="transcript-toggle" aria-expanded={shown} aria-controls={`t-${id}`} onClick={toggle}>
        {t(shown ? 'hideTranscript' : 'showTranscript')}
      </button>
      <RecordButton id={id} />
      <div id={`t-${id}`} hidden={!shown}>
        {shown && <Chat id={id} closed />}
      </div>
    </li>
  );
}
