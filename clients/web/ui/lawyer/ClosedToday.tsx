import { useState } from 'preact/hooks';
import type { ConsultationEntry } from '../../state/consultations.ts';
import { Chat } from '../chat/Chat.tsx';
import { useActions, useApp, useT } from '../context.ts';
import { RecordButton } from '../RecordButton.tsx';
import { NotesField } from './NotesField.tsx';

/** Where today starts, in the browser's time: what "closed today" counts from. */
const startOfToday = (): number => new Date().setHours(0, 0, 0, 0);

/**
 * The consultations this lawyer closed (or that closed on them) today, newest first, read-only:
 * the transcript behind a button, and the notes, which stay writable during the wrap-up that
 * began with or after the close (the server's rule: `note.set`), and are final after.
 */
export function ClosedToday() {
  const t = useT();
  const me = useApp((s) => s.identity?.id);
  const consultations = useApp((s) => s.consultations);
  const presence = useApp((s) => s.desk.presence);
  const since = startOfToday();
  const closed = Object.values(consultations)
    .filter((e) => e.view.lawyer?.id === me && e.view.state === 'closed' && e.view.updatedAt >= since)
    .sort((a, b) => b.view.updatedAt - a.view.updatedAt);
  const wrapUpSince = presence?.state === 'wrap-up' ? presence.wrapUpSince : undefined;
  return (
    <section class="card" aria-labelledby="closed-title" data-testid="closed-today">
      <h2 id="closed-title">{t('closedTodayTitle')}</h2>
      {closed.length === 0 && <p class="muted">{t('closedTodayEmpty')}</p>}
      <ul class="closed-list">
        {closed.map((e) => (
          <ClosedItem key={e.view.id} entry={e} editable={wrapUpSince !== undefined && e.view.updatedAt >= wrapUpSince} />
        ))}
      </ul>
    </section>
  );
}

function ClosedItem({ entry, editable }: { entry: ConsultationEntry; editable: boolean }) {
  const t = useT();
  const actions = useActions();
  const [open, setOpen] = useState(false);
  const { view } = entry;
  const toggle = () => {
    if (!open) actions.openTranscript(view.id);
    setOpen(!open);
  };
  return (
    <li class="closed-item" data-testid="closed-item" data-id={view.id}>
      <div class="past-head">
        <strong>{t('workTitle', { category: t.category(view.category), name: view.citizen.name })}</strong>
        <span class="muted">{t('closedAt', { time: t.time(view.updatedAt) })}</span>
      </div>
      <p class="muted" data-testid="closed-note">
        {t('closedLawyer')}
      </p>
      {(editable || open) && <NotesField id={view.id} label={editable ? t('wrapUpNote') : t('note')} testId="wrap-up-note" editable={editable} />}
      <button type="button" class="secondary" data-testid="closed-transcript" aria-expanded={open} aria-controls={`closed-${view.id}`} onClick={toggle}>
        {open ? t('hideTranscript') : t('showTranscript')}
      </button>
      <RecordButton id={view.id} />
      <div id={`closed-${view.id}`}>{open && <Chat id={view.id} closed={true} />}</div>
    </li>
  );
}
