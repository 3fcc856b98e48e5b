import { useState } from 'preact/hooks';
import type { ConsultationEntry } from '../../state/consultations.ts';
import { useActions, useApp, useT } from '../context.ts';
import { ErrorNote } from '../ErrorNote.tsx';

/**
 * What a waiting citizen is told: their place and the expected wait while someone serves the
 * category; with nobody on duty, that instead, and the offer to leave a message (a place and a
 * wait would be made up: nobody is there to take them); once converted, when the answer is due.
 */
export function WaitNote({ entry }: { entry: ConsultationEntry }) {
  const t = useT();
  const actions = useActions();
  const { view, reason } = entry;
  const wait = useApp((s) => s.waits[view.id]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  if (view.channel === 'message') {
    // Once answered, the answer is what matters, not when it was due.
    if (view.answeredAt !== undefined) return null;
    return (
      <p class="muted" data-testid="message-left">
        {t('messageLeft', { due: t.dateTime(view.dueAt ?? view.updatedAt) })}
      </p>
    );
  }
  if (view.state !== 'queued') return null;
  if (wait?.nobodyOnDuty) {
    const leave = async () => {
      setBusy(true);
      const done = await actions.convert(view.id);
      setBusy(false);
      if (!done.ok) setError(done.error);
    };
    return (
      <div data-testid="suggestion">
        <p class="muted">{t('nobodyOnDuty')}</p>
        <button class="primary" type="button" data-testid="leave-message" disabled={busy} onClick={leave}>
          {t('leaveMessage')}
        </button>
        <ErrorNote message={error} />
      </div>
    );
  }
  return (
    <>
      {reason === 'lawyer-disconnected' && <p class="muted">{t('lawyerDropped')}</p>}
      {wait?.position !== undefined && (
        <p class="muted" data-testid="queue-position">
          {t('position', { position: wait.position, minutes: Math.max(1, Math.round((wait.estimatedWaitMs ?? 0) / 60_000)) })}
        </p>
      )}
    </>
  );
}
