import { useState } from 'preact/hooks';
import { useActions, useApp, useT } from '../context.ts';
import { ErrorNote } from '../ErrorNote.tsx';

/** The waiting queue of the lawyer's categories; any of it may be taken, on duty or not. */
export function QueueList() {
  const t = useT();
  const actions = useActions();
  const waiting = useApp((s) => s.desk.waiting);
  const [error, setError] = useState<string>();
  const take = async (id: string) => {
    const done = await actions.pick(id);
    setError(done.ok ? undefined : done.error);
  };
  return (
    <section class="card" aria-labelledby="queue-title">
      <h2 id="queue-title">{t('queueTitle')}</h2>
      <ul class="queue" data-testid="queue">
        {waiting.length === 0 && <li class="muted">{t('queueEmpty')}</li>}
        {waiting.map((c) => (
          <li key={c.id} data-testid="queue-item" data-id={c.id}>
            <span>{t('queueItem', { category: t.category(c.category), name: c.citizen.name, time: t.time(c.createdAt) })}</span>
            <button class="primary" type="button" data-testid="pick" onClick={() => take(c.id)}>
              {t('pick')}
            </button>
          </li>
        ))}
      </ul>
      <ErrorNote message={error} />
    </section>
  );
}
