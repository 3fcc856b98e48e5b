import { useState } from 'preact/hooks';
import type { DutyState } from '../../../../protocol/vocabulary.ts';
import type { StringKey } from '../../i18n/i18n.ts';
import { useActions, useApp, useT } from '../context.ts';
import { ErrorNote } from '../ErrorNote.tsx';

const STATE_KEY: Record<DutyState, StringKey> = {
  offline: 'state_offline',
  available: 'state_available',
  busy: 'state_busy',
  away: 'state_away',
  'wrap-up': 'state_wrap-up',
  reconnecting: 'state_reconnecting',
};
const REASON_KEY = { 'missed-offers': 'reason_missed', licence: 'reason_licence', disconnected: 'reason_disconnected' } as const;

/** The lawyer's duty state, the categories they are offered, and the buttons that change it (each only where it changes something). */
export function DutyBar() {
  const t = useT();
  const actions = useActions();
  const presence = useApp((s) => s.desk.presence);
  const reason = useApp((s) => s.desk.reason);
  const declared = useApp((s) => s.identity?.categories);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const state = presence?.state ?? 'offline';
  const onDuty = state !== 'offline' && state !== 'away';
  const label = t(STATE_KEY[state]);
  const change = async (to: 'duty.on' | 'duty.away' | 'duty.off') => {
    setBusy(true);
    const done = await actions.duty(to);
    setBusy(false);
    setError(done.ok ? undefined : done.error);
  };
  // With no specialty declared the server offers every category: say so, never an empty list.
  const categories = declared?.length ? declared.map((c) => t.category(c)).join(t('listSeparator')) : t('allCategories');
  return (
    <section class="card" aria-labelledby="duty-title">
      <h2 id="duty-title">{t('dutyTitle')}</h2>
      <p role="status">
        <strong data-testid="duty-state">{presence && state !== 'offline' ? t('dutyLoad', { state: label, load: presence.load, capacity: presence.capacity }) : label}</strong>
      </p>
      {reason && (
        <p class="muted" data-testid="duty-reason">
          {t(REASON_KEY[reason])}
        </p>
      )}
      <p class="muted" data-testid="duty-categories">
        {t('dutyCategories', { categories })}
      </p>
      <div class="row">
        <button type="button" data-testid="duty-on" disabled={busy || onDuty} onClick={() => change('duty.on')}>
          {t('dutyOn')}
        </button>
        <button type="button" data-testid="duty-away" disabled={busy || !onDuty} onClick={() => change('duty.away')}>
          {t('dutyAway')}
        </button>
        <button type="button" data-testid="duty-off" disabled={busy || state === 'offline'} onClick={() => change('duty.off')}>
          {t('dutyOff')}
        </button>
      </div>
      <ErrorNote message={error} />
    </section>
  );
}
