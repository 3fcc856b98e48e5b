import { useEffect, useState } from 'preact/hooks';
import type { ConsultationViewT } from '../../../../protocol/frames.ts';
import { LIMITS } from '../../../../protocol/frames.ts';
import { CATEGORY_CODES, type Category } from '../../../../protocol/vocabulary.ts';
import { useActions, useApp, useT } from '../context.ts';
import { ErrorNote } from '../ErrorNote.tsx';
import { LimitedField } from '../LimitedField.tsx';

/**
 * Hands a consultation on: to the queue of a category, or to a lawyer on duty by name (from the
 * directory: those who serve its category, the server offers it to no one else), with a note
 * for whoever takes it, which their offer shows. The transcript follows it.
 */
export function TransferForm({ view, done }: { view: ConsultationViewT; done: (to: string) => void }) {
  const t = useT();
  const actions = useActions();
  const me = useApp((s) => s.identity?.id);
  const directory = useApp((s) => s.citizen.directory);
  const [to, setTo] = useState<'category' | 'lawyer'>('category');
  const [category, setCategory] = useState<Category>(view.category);
  const [lawyerId, setLawyerId] = useState('');
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  useEffect(() => void actions.refreshDirectory().then((r) => r.ok || setError(r.error)), []);
  const lawyers = (directory ?? []).filter((l) => l.lawyerId !== me && (l.categories.length === 0 || l.categories.includes(view.category)));
  const chosen = lawyers.find((l) => l.lawyerId === lawyerId) ?? lawyers[0];
  const text = note.trim();
  const ready = text.length > 0 && text.length <= LIMITS.maxNoteChars && (to === 'category' || chosen !== undefined);
  const submit = async (ev: Event) => {
    ev.preventDefault();
    if (!ready) return;
    setBusy(true);
    const target = to === 'lawyer' && chosen ? { lawyerId: chosen.lawyerId } : { category };
    const result = await actions.transfer(view.id, target, text);
    setBusy(false);
    if (!result.ok) return setError(result.error);
    done(to === 'lawyer' && chosen ? chosen.name : t.category(category));
  };
  return (
    <form class="transfer" data-testid="transfer-form" aria-labelledby={`transfer-${view.id}`} onSubmit={submit}>
      <h3 id={`transfer-${view.id}`}>{t('transferTitle')}</h3>
      <fieldset class="choice">
        <legend>{t('transferTo')}</legend>
        <label>
          <input type="radio" name={`to-${view.id}`} data-testid="transfer-to-category" checked={to === 'category'} onChange={() => setTo('category')} />
          {t('transferToCategory')}
        </label>
        <label>
          <input type="radio" name={`to-${view.id}`} data-testid="transfer-to-lawyer" checked={to === 'lawyer'} onChange={() => setTo('lawyer')} />
          {t('transferToLawyer')}
        </label>
      </fieldset>
      {to === 'category' ? (
        <>
          <label for={`transfer-category-${view.id}`}>{t('category')}</label>
          <select id={`transfer-category-${view.id}`} data-testid="transfer-category" value={category} onChange={(e) => setCategory(e.currentTarget.value as Category)}>
            {CATEGORY_CODES.map((c) => (
              <option key={c} value={c}>
                {t.category(c)}
              </option>
            ))}
          </select>
        </>
      ) : lawyers.length === 0 ? (
        <p class="muted" data-testid="transfer-no-lawyer">
          {t('transferNoLawyer', { category: t.category(view.category) })}
        </p>
      ) : (
        <>
          <label for={`transfer-lawyer-${view.id}`}>{t('transferLawyer')}</label>
          <select id={`transfer-lawyer-${view.id}`} data-testid="transfer-lawyer" aria-describedby={`transfer-lawyer-hint-${view.id}`} value={chosen?.lawyerId} onChange={(e) => setLawyerId(e.currentTarget.value)}>
            {lawyers.map((l) => (
              <option key={l.lawyerId} value={l.lawyerId}>
                {t('transferLawyerOption', { name: l.name, status: t(`lawyerStatus_${l.status}`) })}
              </option>
            ))}
          </select>
          <p id={`transfer-lawyer-hint-${view.id}`} class="muted">
            {t('transferLawyerHint', { category: t.category(view.category) })}
          </p>
        </>
      )}
      <LimitedField label={t('handoverNote')} value={note} max={LIMITS.maxNoteChars} testId="handover-note" onInput={setNote} />
      <div class="row">
        <button class="primary" type="submit" data-testid="transfer-send" disabled={busy || !ready}>
          {t('transferSend')}
        </button>
      </div>
      <ErrorNote message={error} />
    </form>
  );
}
