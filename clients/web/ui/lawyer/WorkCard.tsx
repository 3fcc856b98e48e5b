import { useState } from 'preact/hooks';
import { LIMITS } from '../../../../protocol/frames.ts';
import { CallPanel } from '../chat/CallPanel.tsx';
import { Chat } from '../chat/Chat.tsx';
import { useActions, useApp, useT } from '../context.ts';
import { ErrorNote } from '../ErrorNote.tsx';
import { tabId, WORK_PANEL } from './ConsultationTabs.tsx';
import { Handover } from './Handover.tsx';
import { NotesField } from './NotesField.tsx';
import { TransferForm } from './TransferForm.tsx';

/**
 * The consultation in view (the panel of its tab): where the citizen is, the note of a lawyer who
 * handed it on, the chat, the lawyer's notes, and handing it on or closing it. Either takes it
 * out of the tabs; the page says where it went, and the keyboard lands on the tabs.
 */
export function WorkCard({ id, gone }: { id: string; gone: () => void }) {
  const t = useT();
  const actions = useActions();
  const entry = useApp((s) => s.consultations[id]);
  const notes = useApp((s) => s.desk.notes[id]);
  const draft = useApp((s) => s.desk.noteDrafts[id]);
  const [transferring, setTransferring] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  if (!entry) return null;
  const { view } = entry;
  const note = (draft ?? notes?.note ?? '').trim();
  const close = async () => {
    setBusy(true);
    // What is written and not yet saved goes with the close.
    const done = await actions.close(id, note);
    setBusy(false);
    if (!done.ok) return setError(done.error);
    actions.announce('closedAnnounced', { name: view.citizen.name });
    gone();
  };
  const handedOn = (to: string) => {
    actions.announce('transferredAnnounced', { name: view.citizen.name, to });
    gone();
  };
  return (
    <section id={WORK_PANEL} role="tabpanel" aria-labelledby={tabId(id)} class="card consultation" data-testid="consultation" data-id={id}>
      <h2>{t('workTitle', { category: t.category(view.category), name: view.citizen.name })}</h2>
      <p class="muted" data-testid="work-region">
        {t('offerRegion', { region: t.region(view.region) })}
      </p>
      {notes?.handover && <Handover handover={notes.handover} />}
      <CallPanel id={id} />
      <Chat id={id} closed={false} />
      <NotesField id={id} label={t('note')} testId="note" editable={view.state === 'picked' || view.state === 'active'} />
      <div class="row">
        <button type="button" data-testid="transfer" aria-expanded={transferring} onClick={() => setTransferring(!transferring)}>
          {t('transfer')}
        </button>
        <button class="primary" type="button" data-testid="close" disabled={busy || note.length > LIMITS.maxNoteChars} onClick={close}>
          {t('close')}
        </button>
      </div>
      <ErrorNote message={error} />
      {transferring && <TransferForm view={view} done={handedOn} />}
    </section>
  );
}
