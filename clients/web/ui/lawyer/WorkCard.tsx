import { useState } from 'preact/hooks';
import { LIMITS } from '../../../../protocol/frames.ts';
import { isOpen } from '../../state/consultations.ts';
import { Chat } from '../chat/Chat.tsx';
import { useActions, useApp, useT } from '../context.ts';
import { ErrorNote } from '../ErrorNote.tsx';
import { LimitedField } from '../LimitedField.tsx';

/** A consultation the lawyer holds: the chat, the wrap-up note (while open) and closing it. */
export function WorkCard({ id }: { id: string }) {
  const t = useT();
  const actions = useActions();
  const entry = useApp((s) => s.consultations[id]);
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  if (!entry) return null;
  const { view } = entry;
  const open = isOpen(view);
  const text = note.trim();
  const close = async () => {
    setBusy(true);
    const done = await actions.close(id, text);
    setBusy(false);
    setError(done.ok ? undefined : done.error);
  };
  return (
    <section class="card consultation" data-testid="consultation" data-id={id} aria-labelledby={`w-${id}`}>
      <h2 id={`w-${id}`}>{t('workTitle', { category: t.category(view.category), name: view.citizen.name })}</h2>
      <Chat id={id} closed={!open} />
      {open ? (
        <>
          <LimitedField label={t('note')} value={note} max={LIMITS.maxNoteChars} testId="note" onInput={setNote} />
          <button class="primary" type="button" data-testid="close" disabled={busy || text.length > LIMITS.maxNoteChars} onClick={close}>
            {t('close')}
          </button>
        </>
      ) : (
        <p class="muted" data-testid="closed-note">
          {t('closedLawyer')}
        </p>
      )}
      <ErrorNote message={error} />
    </section>
  );
}
