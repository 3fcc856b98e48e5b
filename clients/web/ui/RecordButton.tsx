import { useState } from 'preact/hooks';
import { useActions, useT } from './context.ts';
import { ErrorNote } from './ErrorNote.tsx';

/** Downloads an ended consultation's service record (a page to keep or print), for its citizen or its lawyer. */
export function RecordButton({ id }: { id: string }) {
  const t = useT();
  const actions = useActions();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const download = async () => {
    setBusy(true);
    const done = await actions.downloadRecord(id);
    setBusy(false);
    setError(done.ok ? undefined : done.error);
  };
  return (
    <>
      <button type="button" class="secondary" data-testid="download-record" disabled={busy} onClick={download}>
        {t('downloadRecord')}
      </button>
      <ErrorNote message={error} />
    </>
  );
}
