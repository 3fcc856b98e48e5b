import { useEffect, useRef, useState } from 'preact/hooks';
import { LIMITS } from '../../../../protocol/frames.ts';
import { CATEGORY_CODES, type Category } from '../../../../protocol/vocabulary.ts';
import type { DirectoryEntry } from '../../state/citizen.ts';
import { useActions, useT } from '../context.ts';
import { ErrorNote } from '../ErrorNote.tsx';
import { LimitedField } from '../LimitedField.tsx';

/**
 * Ask for a consultation: a category and, if they like, a first description of the problem;
 * with a lawyer chosen from the directory, only that lawyer's categories (another would never
 * reach them), and the request offered to them first.
 */
export function RequestForm({ lawyer, clear }: { lawyer: DirectoryEntry | undefined; clear: () => void }) {
  const t = useT();
  const actions = useActions();
  const [category, setCategory] = useState<Category>('labor');
  const [first, setFirst] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const select = useRef<HTMLSelectElement>(null);
  const text = first.trim();
  const offered = lawyer?.categories.length ? lawyer.categories : CATEGORY_CODES;
  const chosenCategory = offered.includes(category) ? category : (offered[0] ?? category);

  // Chosen from the directory (perhaps by keyboard, further down the page): the form is next.
  useEffect(() => {
    if (lawyer) select.current?.focus();
  }, [lawyer?.lawyerId]);

  const submit = async (ev: Event) => {
    ev.preventDefault();
    setBusy(true);
    setError(undefined);
    const done = await actions.request(chosenCategory, text, lawyer?.lawyerId);
    setBusy(false);
    if (!done.ok) return setError(done.error);
    setFirst('');
    clear();
  };

  return (
    <form class="card" data-testid="request-form" onSubmit={submit}>
      <h2>{t('askTitle')}</h2>
      {lawyer && (
        <div class="chosen-lawyer" data-testid="chosen-lawyer">
          <p>{t('chosenLawyer', { name: lawyer.name })}</p>
          <button type="button" class="secondary" data-testid="any-lawyer" onClick={clear}>
            {t('anyLawyer')}
          </button>
        </div>
      )}
      <label for="request-category">{t('category')}</label>
      <select id="request-category" ref={select} data-testid="category" value={chosenCategory} onChange={(e) => setCategory(offered.find((c) => c === e.currentTarget.value) ?? chosenCategory)}>
        {offered.map((c) => (
          <option key={c} value={c}>
            {t.category(c)}
          </option>
        ))}
      </select>
      <LimitedField label={t('firstMessage')} value={first} max={LIMITS.maxBodyChars} testId="first-message" onInput={setFirst} />
      <button class="primary" type="submit" data-testid="request" disabled={busy || text.length > LIMITS.maxBodyChars}>
        {t('request')}
      </button>
      <ErrorNote message={error} />
    </form>
  );
}
