import { useState } from 'preact/hooks';
import { LIMITS } from '../../../../protocol/frames.ts';
import { CATEGORY_CODES, type Category } from '../../../../protocol/vocabulary.ts';
import { useActions, useT } from '../context.ts';
import { ErrorNote } from '../ErrorNote.tsx';
import { LimitedField } from '../LimitedField.tsx';

/** Ask for a consultation: a category and, if they like, a first description of the problem. */
export function RequestForm() {
  const t = useT();
  const actions = useActions();
  const [category, setCategory] = useState<Category>('labor');
  const [first, setFirst] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const text = first.trim();

  const submit = async (ev: Event) => {
    ev.preventDefault();
    setBusy(true);
    setError(undefined);
    const done = await actions.request(category, text);
    setBusy(false);
    if (!done.ok) setError(done.error);
  };

  return (
    <form class="card" data-testid="request-form" onSubmit={submit}>
      <h2>{t('askTitle')}</h2>
      <label for="request-category">{t('category')}</label>
      <select id="request-category" data-testid="category" value={category} onChange={(e) => setCategory(CATEGORY_CODES.find((c) => c === e.currentTarget.value) ?? category)}>
        {CATEGORY_CODES.map((c) => (
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
