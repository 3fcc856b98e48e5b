import { useEffect, useRef, useState } from 'preact/hooks';
import type { AssistantCode } from '../../identity/dev-token.ts';
import { useActions, useT } from '../context.ts';
import { ErrorNote } from '../ErrorNote.tsx';

/**
 * Where a lawyer makes the sign-in of an assistant (development identity): a name, then a code
 * to hand over, which the assistant pastes on the sign-in page. The server binds it to this
 * lawyer; at most three assistants are signed in at once (refused at their sign-in).
 */
export function AssistantCodes() {
  const t = useT();
  const actions = useActions();
  const [name, setName] = useState('');
  const [made, setMade] = useState<AssistantCode>();
  const [busy, setBusy] = useState(false);
  const [copied, setCopied] = useState(false);
  const [error, setError] = useState<string>();
  const codeField = useRef<HTMLInputElement>(null);
  // The code is what the lawyer came for: focus (and select) it, for the keyboard and a screen reader.
  useEffect(() => codeField.current?.focus(), [made]);

  const make = async (ev: Event) => {
    ev.preventDefault();
    setBusy(true);
    const done = await actions.makeAssistantCode(name.trim());
    setBusy(false);
    setCopied(false);
    setError(done.ok ? undefined : done.error);
    if (!done.ok) return;
    setMade(done.value);
    setName('');
  };
  const copy = async (code: string) => {
    try {
      await navigator.clipboard.writeText(code);
      setCopied(true);
    } catch (e) {
      // No clipboard (an insecure origin, a refused permission): the code is selected to copy by hand.
      console.warn('lawline: the code could not be copied', e);
      codeField.current?.select();
    }
  };

  return (
    <section class="card" aria-labelledby="assistants-title" data-testid="assistants">
      <h2 id="assistants-title">{t('assistantsTitle')}</h2>
      <p class="muted">{t('assistantsIntro')}</p>
      <form onSubmit={make}>
        <label for="assistant-name">{t('assistantName')}</label>
        <input id="assistant-name" type="text" data-testid="assistant-name" maxLength={100} autocomplete="off" value={name} onInput={(e) => setName(e.currentTarget.value)} />
        <button class="primary" type="submit" data-testid="make-assistant-code" disabled={busy || !name.trim()}>
          {t('assistantMake')}
        </button>
      </form>
      {made && (
        <div class="code-made">
          <label for="assistant-code-out">{t('assistantCodeFor', { name: made.name })}</label>
          <div class="row code-row">
            <input
              id="assistant-code-out"
              ref={codeField}
              type="text"
              readOnly
              data-testid="assistant-code-out"
              aria-describedby="assistant-code-use"
              value={made.code}
              onFocus={(e) => e.currentTarget.select()}
            />
            <button type="button" data-testid="copy-code" onClick={() => copy(made.code)}>
              {t('copy')}
            </button>
          </div>
          <p class="muted" role="status">
            {copied && t('copied')}
          </p>
          <p id="assistant-code-use" class="muted">
            {t('assistantCodeUse', { name: made.name, time: t.dateTime(made.expiresAt) })}
          </p>
        </div>
      )}
      <ErrorNote message={error} />
    </section>
  );
}
