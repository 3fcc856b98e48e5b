import { useEffect, useState } from 'preact/hooks';
import type { DirectoryEntry } from '../../state/citizen.ts';
import { useActions, useApp, useT } from '../context.ts';
import { ErrorNote } from '../ErrorNote.tsx';

/**
 * The lawyers on duty now: name, specialties, today's rostered hours and whether they are free;
 * one may be chosen for the next request (offered to them first). Asked for when shown, again on
 * a new connection and on demand (the server pushes no duty changes to citizens).
 */
export function Directory({ chosen, choose }: { chosen: string | undefined; choose: (lawyer: DirectoryEntry) => void }) {
  const t = useT();
  const actions = useActions();
  const lawyers = useApp((s) => s.citizen.directory);
  const connection = useApp((s) => s.connection);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const refresh = async () => {
    setBusy(true);
    const done = await actions.refreshDirectory();
    setBusy(false);
    setError(done.ok ? undefined : done.error);
  };
  useEffect(() => {
    if (connection === 'open') void refresh();
  }, [connection]);

  return (
    <section class="card directory" data-testid="directory" aria-labelledby="directory-title" aria-busy={busy}>
      <div class="card-head">
        <h2 id="directory-title">{t('directoryTitle')}</h2>
        <button type="button" class="secondary" data-testid="directory-refresh" disabled={busy} onClick={refresh}>
          {t('directoryRefresh')}
        </button>
      </div>
      {lawyers?.length === 0 && <p class="muted">{t('directoryEmpty')}</p>}
      <ul class="lawyers">
        {lawyers?.map((l) => (
          <li key={l.lawyerId} data-testid="directory-lawyer" data-id={l.lawyerId} class={chosen === l.lawyerId ? 'chosen' : undefined}>
            <div class="lawyer-head">
              <strong data-user>{l.name}</strong>
              <span class={`badge status-${l.status}`}>{t(`lawyerStatus_${l.status}`)}</span>
            </div>
            <p class="muted">{t('directorySpecialties', { categories: l.categories.length ? l.categories.map((c) => t.category(c)).join(t('listSeparator')) : t('allCategories') })}</p>
            <p class="muted" data-testid="directory-hours">
              {l.serviceHours.length ? t('directoryHours', { hours: l.serviceHours.join(t('listSeparator')) }) : t('directoryNoHours')}
            </p>
            {/* Named by the lawyer's name: a list of buttons all saying "ask this lawyer" tells a screen reader nothing. */}
            <button type="button" class="secondary" data-testid="choose-lawyer" aria-pressed={chosen === l.lawyerId} onClick={() => choose(l)}>
              {t('chooseLawyer', { name: l.name })}
            </button>
          </li>
        ))}
      </ul>
      <ErrorNote message={error} />
    </section>
  );
}
