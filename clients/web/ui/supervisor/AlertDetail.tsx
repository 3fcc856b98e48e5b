import { useState } from 'preact/hooks';
import { LIMITS, type AlertStepT, type AlertViewT } from '../../../../protocol/frames.ts';
import type { StringKey, Translator } from '../../i18n/i18n.ts';
import { useActions, useT } from '../context.ts';
import { ErrorNote } from '../ErrorNote.tsx';
import { LimitedField } from '../LimitedField.tsx';
import { AlertTranscript } from './AlertTranscript.tsx';

const STEP_KEYS: Record<string, StringKey> = {
  raised: 'alertStepRaised',
  escalated: 'alertStepEscalated',
  upgraded: 'alertStepUpgraded',
  reopened: 'alertStepReopened',
  acknowledged: 'alertStepAcknowledged',
  annotated: 'alertStepAnnotated',
  closed: 'alertStepClosed',
};

function stepText(t: Translator, s: AlertStepT): string {
  const key = STEP_KEYS[s.action];
  // The protocol's steps are all here; a step added later reads as its name until the page knows it.
  const action = key ? t(key) : s.action;
  const time = t.time(s.at);
  return s.by ? t('alertStepBy', { time, action, name: s.by.name }) : t('alertStep', { time, action });
}

/** An opened alert: its steps, a note, closing it (handled, or a false positive) and its consultation's transcript. */
export function AlertDetail({ alert: a }: { alert: AlertViewT }) {
  const t = useT();
  const actions = useActions();
  const [note, setNote] = useState('');
  const [falsePositive, setFalsePositive] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const run = async (act: () => ReturnType<typeof actions.annotate>, said?: 'alertClosedAnnounced') => {
    setBusy(true);
    const done = await act();
    setBusy(false);
    setError(done.ok ? undefined : done.error);
    if (done.ok) setNote('');
    if (done.ok && said) {
      actions.announce(said, {});
      // The closed alert's card goes, and the keyboard with it: back to the queue's heading.
      setTimeout(() => document.getElementById('alerts-title')?.focus(), 0);
    }
  };
  const tooLong = note.length > LIMITS.maxNoteChars;
  return (
    <div class="alert-detail" data-testid="alert-detail">
      <p class="muted">{t('alertRules', { rules: a.rules.join(', ') })}</p>
      <h4>{t('alertHistory')}</h4>
      <ol class="alert-steps" data-testid="alert-steps">
        {a.history.map((s, i) => (
          <li key={i}>
            {stepText(t, s)}
            {s.note !== undefined && (
              <span class="step-note" data-user>
                {' '}
                {t('alertStepNote', { note: s.note })}
              </span>
            )}
          </li>
        ))}
      </ol>
      <LimitedField label={t('alertNote')} value={note} max={LIMITS.maxNoteChars} testId="alert-note" onInput={setNote} />
      <div class="row">
        <button type="button" data-testid="alert-annotate" disabled={busy || tooLong || !note.trim()} onClick={() => run(() => actions.annotate(a.id, note.trim()))}>
          {t('alertAnnotate')}
        </button>
      </div>
      <fieldset class="alert-close">
        <legend>{t('alertCloseAs')}</legend>
        <label>
          <input type="radio" name={`close-${a.id}`} data-testid="close-handled" checked={!falsePositive} onChange={() => setFalsePositive(false)} />
          {t('alertCloseHandled')}
        </label>
        <label>
          <input type="radio" name={`close-${a.id}`} data-testid="close-false-positive" checked={falsePositive} onChange={() => setFalsePositive(true)} />
          {t('alertCloseFalse')}
        </label>
        <button type="button" class="primary" data-testid="alert-close" disabled={busy || tooLong} onClick={() => run(() => actions.closeAlert(a.id, falsePositive, note.trim()), 'alertClosedAnnounced')}>
          {t('alertClose')}
        </button>
      </fieldset>
      <ErrorNote message={error} />
      <AlertTranscript alert={a} />
    </div>
  );
}
