import { useState } from 'preact/hooks';
import type { Offer } from '../../state/desk.ts';
import { useActions, useT } from '../context.ts';
import { ErrorNote } from '../ErrorNote.tsx';

/** An offer ringing: what it is, until when, accept or decline. It goes when the SDK says the offer ended. */
export function OfferCard({ offer }: { offer: Offer }) {
  const t = useT();
  const actions = useActions();
  const { consultation: c, expiresAt } = offer;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const run = async (act: (id: string) => Promise<{ ok: boolean; error?: string }>) => {
    setBusy(true);
    const done = await act(c.id);
    setBusy(false);
    setError(done.ok ? undefined : done.error);
  };
  return (
    <section class="card offer" data-testid="offer" data-id={c.id} aria-labelledby={`offer-${c.id}`}>
      <h2 id={`offer-${c.id}`}>{t('offerTitle')}</h2>
      <p>{t('offerLine', { category: t.category(c.category), name: c.citizen.name })}</p>
      <p class="muted">{t('offerExpires', { time: t.time(expiresAt) })}</p>
      <div class="row">
        <button class="primary" type="button" data-testid="accept" disabled={busy} onClick={() => run(actions.accept)}>
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
