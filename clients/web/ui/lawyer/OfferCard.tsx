import { useState } from 'preact/hooks';
import type { Offer } from '../../state/desk.ts';
import { useActions, useT } from '../context.ts';
import { ErrorNote } from '../ErrorNote.tsx';
import { secondsUntil, useNow } from '../useNow.ts';
import { Handover } from './Handover.tsx';

/**
 * An offer ringing: what it is (category, where the citizen is, what they asked, and the note of
 * a lawyer who handed it on), how many seconds are left to answer, accept or decline. It goes
 * when the SDK says the offer ended.
 */
export function OfferCard({ offer }: { offer: Offer }) {
  const t = useT();
  const actions = useActions();
  const { consultation: c, expiresAt, firstMessage, handover } = offer;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  // The bar runs from when it first rang here to its end (the server says only the end).
  const [shownAt] = useState(() => Math.min(Date.now(), expiresAt - 1));
  const now = useNow(true);
  const left = secondsUntil(expiresAt, now);
  const run = async (act: (id: string) => Promise<{ ok: boolean; error?: string }>) => {
    setBusy(true);
    const done = await act(c.id);
    setBusy(false);
    setError(done.ok ? undefined : done.error);
  };
  return (
    <section class="card offer" data-testid="offer" data-id={c.id} aria-labelledby={`offer-${c.id}`}>
      <h2 id={`offer-${c.id}`}>{t('offerTitle')}</h2>
      <p class="offer-line">{t('offerLine', { category: t.category(c.category), name: c.citizen.name })}</p>
      <p class="muted" data-testid="offer-region">
        {t('offerRegion', { region: t.region(c.region) })}
      </p>
      {firstMessage ? (
        <figure class="asked" data-testid="offer-first">
          <figcaption class="muted">{t('offerAsked', { name: c.citizen.name })}</figcaption>
          <blockquote data-user>{firstMessage}</blockquote>
        </figure>
      ) : (
        <p class="muted" data-testid="offer-first">
          {t('offerNothingAsked')}
        </p>
      )}
      {handover && <Handover handover={handover} />}
      <p class="countdown" data-testid="offer-countdown">
        {t('offerCountdown', { seconds: left })}
      </p>
      <div class="bar" aria-hidden="true">
        <span style={{ width: `${Math.min(100, (100 * Math.max(0, expiresAt - now)) / (expiresAt - shownAt))}%` }} />
      </div>
      <div class="row">
        <button class="primary" type="button" data-testid="accept" disabled={busy || left === 0} onClick={() => run(actions.accept)}>
          {t('accept')}
        </button>
        <button type="button" data-testid="decline" disabled={busy} onClick={() => run(actions.decline)}>
          {t('decline')}
        </button>
      </div>
      <ErrorNote message={error} />
    </section>
  );
}
