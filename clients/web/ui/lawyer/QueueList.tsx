import { useState } from 'preact/hooks';
import { CATEGORY_CODES } from '../../../../protocol/vocabulary.ts';
import { useActions, useApp, useT } from '../context.ts';
import { ErrorNote } from '../ErrorNote.tsx';
import { useNow } from '../useNow.ts';

const MINUTE = 60_000;

/**
 * The waiting queue, as the server lets a lawyer take from it: live requests (message
 * consultations are assigned, not taken) of the categories their sign-in declared (all, if it
 * declared none), oldest first, while they are off duty. On duty (a break and a wrap-up
 * included) requests come to them as offers and the server sends no changes of the queue, so it
 * is not shown as if it were current. One ringing at another lawyer cannot be taken meanwhile:
 * the server refuses, and the page says why.
 */
export function QueueList() {
  const t = useT();
  const actions = useActions();
  const waiting = useApp((s) => s.desk.waiting);
  const presence = useApp((s) => s.desk.presence);
  const declared = useApp((s) => s.identity?.categories);
  const [error, setError] = useState<string>();
  const offDuty = (presence?.state ?? 'offline') === 'offline';
  const now = useNow(offDuty && waiting.length > 0, 30_000);
  const take = async (id: string) => {
    const done = await actions.pick(id);
    setError(done.ok ? undefined : done.error);
  };
  const scope = declared?.length && declared.length < CATEGORY_CODES.length ? declared.map((c) => t.category(c)).join(t('listSeparator')) : t('allCategories');
  return (
    <section class="card" aria-labelledby="queue-title" data-testid="queue-card">
      <h2 id="queue-title">{t('queueTitle')}</h2>
      {!offDuty ? (
        <p class="muted" data-testid="queue-on-duty">
          {t('queueOnDuty')}
        </p>
      ) : (
        <>
          <p class="muted" data-testid="queue-scope">
            {t('queueScope', { categories: scope })}
          </p>
          <ul class="queue" data-testid="queue">
            {waiting.length === 0 && <li class="muted">{t('queueEmpty')}</li>}
            {waiting.map((c) => (
              <li key={c.id} data-testid="queue-item" data-id={c.id}>
                <span id={`q-${c.id}`}>
                  {t('queueItem', { category: t.category(c.category), name: c.citizen.name, region: t.region(c.region), minutes: Math.max(0, Math.floor((now - c.createdAt) / MINUTE)) })}
                </span>
                <button class="primary" type="button" data-testid="pick" aria-describedby={`q-${c.id}`} onClick={() => take(c.id)}>
                  {t('pick')}
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
      <ErrorNote message={error} />
    </section>
  );
}
