import { useState } from 'preact/hooks';
import { CATEGORY_CODES, type Category, type DutyState } from '../../../../protocol/vocabulary.ts';
import type { StringKey } from '../../i18n/i18n.ts';
import { useActions, useApp, useT } from '../context.ts';
import { ErrorNote } from '../ErrorNote.tsx';
import { secondsUntil, useNow } from '../useNow.ts';

const STATE_KEY: Record<DutyState, StringKey> = {
  offline: 'state_offline',
  available: 'state_available',
  busy: 'state_busy',
  away: 'state_away',
  'wrap-up': 'state_wrap-up',
  reconnecting: 'state_reconnecting',
};
const REASON_KEY = { 'missed-offers': 'reason_missed', licence: 'reason_licence', disconnected: 'reason_disconnected' } as const;

/**
 * The lawyer's duty state and the buttons that change it, the one for the state they are in
 * disabled (on duty, a break, off); in wrap-up after a close, how long it lasts and "ready" to end
 * it sooner. The specialties offered: off duty, chosen among those the sign-in declared (all of
 * them to start with), said plainly when none is ticked; on duty, as the server has them.
 */
export function DutyBar() {
  const t = useT();
  const actions = useActions();
  const presence = useApp((s) => s.desk.presence);
  const reason = useApp((s) => s.desk.reason);
  const declared = useApp((s) => s.identity?.categories);
  const [chosen, setChosen] = useState<readonly Category[]>(declared ?? []);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const state = presence?.state ?? 'offline';
  const wrapUpUntil = state === 'wrap-up' ? presence?.wrapUpUntil : undefined;
  const now = useNow(wrapUpUntil !== undefined);
  const onDuty = state !== 'offline' && state !== 'away';
  const label = t(STATE_KEY[state]);
  const run = async (act: () => Promise<{ ok: boolean; error?: string }>) => {
    setBusy(true);
    const done = await act();
    setBusy(false);
    setError(done.ok ? undefined : done.error);
  };
  // What the sign-in declared is what may be offered; none declared means every category.
  const offerable = declared?.length ? declared : CATEGORY_CODES;
  const effective = state === 'offline' ? (chosen.length ? chosen : declared?.length ? declared : undefined) : presence?.categories;
  const categories = effective?.length && effective.length < CATEGORY_CODES.length ? effective.map((c) => t.category(c)).join(t('listSeparator')) : t('allCategories');
  const toggle = (c: Category, on: boolean) => setChosen((cs) => (on ? [...cs, c] : cs.filter((x) => x !== c)));
  return (
    <section class="card duty" aria-labelledby="duty-title" data-testid="duty">
      <h2 id="duty-title">{t('dutyTitle')}</h2>
      <p role="status">
        <strong data-testid="duty-state" data-state={state}>
          {presence && state !== 'offline' ? t('dutyLoad', { state: label, load: presence.load, capacity: presence.capacity }) : label}
        </strong>
      </p>
      {wrapUpUntil !== undefined && (
        <div class="wrap-up" data-testid="wrap-up">
          <p data-testid="wrap-up-left">{t('wrapUpLeft', { seconds: secondsUntil(wrapUpUntil, now) })}</p>
          <button class="primary" type="button" data-testid="duty-ready" disabled={busy} onClick={() => run(actions.ready)}>
            {t('dutyReady')}
          </button>
        </div>
      )}
      {reason && (
        <p class="muted" data-testid="duty-reason">
          {t(REASON_KEY[reason])}
        </p>
      )}
      {state === 'offline' ? (
        <fieldset class="cats" data-testid="specialties">
          <legend>{t('dutySpecialties')}</legend>
          {offerable.map((c) => (
            <label key={c}>
              <input type="checkbox" data-testid={`duty-cat-${c}`} checked={chosen.includes(c)} onChange={(e) => toggle(c, e.currentTarget.checked)} />
              {t.category(c)}
            </label>
          ))}
          {chosen.length === 0 && (
            <p class="muted" data-testid="no-specialty">
              {declared?.length ? t('noSpecialtyDeclared', { categories: declared.map((c) => t.category(c)).join(t('listSeparator')) }) : t('noSpecialty')}
            </p>
          )}
        </fieldset>
      ) : null}
      <p class="muted" data-testid="duty-categories">
        {t('dutyCategories', { categories })}
      </p>
      {state !== 'offline' && <p class="muted">{t('dutySpecialtiesLater')}</p>}
      <div class="row">
        <button type="button" data-testid="duty-on" disabled={busy || onDuty} onClick={() => run(() => actions.duty('duty.on', state === 'offline' ? chosen : presence?.categories))}>
          {state === 'away' ? t('dutyBack') : t('dutyOn')}
        </button>
        <button type="button" data-testid="duty-away" disabled={busy || !onDuty} onClick={() => run(() => actions.duty('duty.away'))}>
          {t('dutyAway')}
        </button>
        <button type="button" data-testid="duty-off" disabled={busy || state === 'offline'} onClick={() => run(() => actions.duty('duty.off'))}>
          {t('dutyOff')}
        </button>
      </div>
      <ErrorNote message={error} />
    </section>
  );
}
