import { useState } from 'preact/hooks';
import { CATEGORY_CODES, type Category } from '../../../protocol/vocabulary.ts';
import type { Translator } from '../i18n/i18n.ts';
import type { AppState } from '../state/app-state.ts';
import { useActions, useApp, useT } from './context.ts';
import { ErrorNote } from './ErrorNote.tsx';

type DevRole = 'citizen' | 'lawyer' | 'assistant' | 'supervisor';

/**
 * The development identity: pick citizen, lawyer or supervisor and a display name; the node issues a token
 * for a new identity, which the page keeps until it expires or the person signs out. An
 * assistant pastes the code their lawyer made instead (the lawyer gave it the name).
 */
export function SignIn() {
  const t = useT();
  const actions = useActions();
  const last = useApp((s) => s.lastSignIn);
  const notice = useApp((s) => s.signInNotice);
  const lastAssistant = useApp((s) => s.lastAssistant);
  const [role, setRole] = useState<DevRole>(lastAssistant ? 'assistant' : (last?.role ?? 'citizen'));
  const [name, setName] = useState(last?.name ?? '');
  const [code, setCode] = useState(lastAssistant?.code ?? '');
  const [categories, setCategories] = useState<readonly Category[]>(last?.categories ?? []);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const toggle = (c: Category, on: boolean) => setCategories((cs) => (on ? [...cs, c] : cs.filter((x) => x !== c)));
  const submit = async (ev: Event) => {
    ev.preventDefault();
    setBusy(true);
    if (role === 'assistant') {
      const done = await actions.signInWithCode(code.trim());
      if (done.ok) return;
      setBusy(false);
      return setError(done.error.kind === 'refused' ? t('assistantCodeRefused') : done.error.message);
    }
    const done = await actions.signIn({ role, name: name.trim() || t(role), categories: role === 'lawyer' ? [...categories] : [] });
    // Signed in: this screen is gone. Refused: say why and let them try again.
    if (!done.ok) {
      setBusy(false);
      setError(done.error);
    }
  };

  return (
    <form class="card sign-in" onSubmit={submit}>
      <h2>{t('chooseRole')}</h2>
      {notice && (
        <p class="notice" role="alert" data-testid="sign-in-notice">
          {noticeText(t, notice, lastAssistant?.lawyerName)}
        </p>
      )}
      <fieldset class="roles">
        <legend>{t('role')}</legend>
        {(['citizen', 'lawyer', 'assistant', 'supervisor'] as const).map((r) => (
          <label key={r}>
            <input type="radio" name="role" value={r} data-testid={`role-${r}`} checked={role === r} onChange={() => setRole(r)} />
            {t(r)}
          </label>
        ))}
      </fieldset>
      {role === 'assistant' ? (
        <>
          <label for="sign-in-code">{t('assistantCode')}</label>
          {/* Keyed: without, Preact turns the name field into this one and leaves its maxlength at 0. */}
          <input key="code" id="sign-in-code" type="text" data-testid="assistant-code" autocomplete="off" spellcheck={false} aria-describedby="sign-in-code-hint" value={code} onInput={(e) => setCode(e.currentTarget.value)} />
          <p id="sign-in-code-hint" class="muted">
            {t('assistantCodeHint')}
          </p>
        </>
      ) : (
        <>
          <label for="sign-in-name">{t('name')}</label>
          <input key="name" id="sign-in-name" type="text" data-testid="name" maxLength={100} autocomplete="name" value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </>
      )}
      {role === 'lawyer' && (
        <fieldset class="cats">
          <legend>{t('specialties')}</legend>
          {CATEGORY_CODES.map((c) => (
            <label key={c}>
              <input type="checkbox" value={c} data-testid={`cat-${c}`} checked={categories.includes(c)} onChange={(e) => toggle(c, e.currentTarget.checked)} />
              {t.category(c)}
            </label>
          ))}
          {categories.length === 0 && (
            <p class="muted" data-testid="no-specialty">
              {t('noSpecialty')}
            </p>
          )}
        </fieldset>
      )}
      <button class="primary" type="submit" data-testid="enter" disabled={busy || (role === 'assistant' && !code.trim())}>
        {t('enter')}
      </button>
      <ErrorNote message={error} />
    </form>
  );
}

/** Why the sign-in shows again; an assistant is told what to ask their lawyer for. */
function noticeText(t: Translator, notice: NonNullable<AppState['signInNotice']>, lawyer: string | undefined): string {
  if (notice === 'assistant-limit') return t('assistantLimit', { lawyer: lawyer ?? '' });
  if (lawyer === undefined) return t(notice === 'expired' ? 'signInExpired' : 'signInRefused');
  return t(notice === 'expired' ? 'assistantExpired' : 'assistantCodeRefused', { lawyer });
}
