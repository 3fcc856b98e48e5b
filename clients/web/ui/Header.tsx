import { useActions, useApp, useT } from './context.ts';

const STATE_KEY = { connecting: 'connecting', open: 'open', reconnecting: 'reconnecting', closed: 'offline' } as const;

/** Title, connection state, who is signed in, the language switch and sign-out. */
export function Header() {
  const t = useT();
  const actions = useActions();
  const connection = useApp((s) => s.connection);
  const name = useApp((s) => s.identity?.name);
  const lawyer = useApp((s) => s.identity?.lawyer?.name);
  const other = t.lang === 'zh-CN' ? 'en' : 'zh-CN';
  return (
    <header>
      <h1>{t('title')}</h1>
      {connection !== 'signed-out' && (
        <p class="connection" data-testid="connection" data-state={connection}>
          <span class="sr-only">{t('connectionLabel')}</span>
          <span>{t(STATE_KEY[connection])}</span>
        </p>
      )}
      {name !== undefined && (
        <p class="who" data-testid="who">
          {lawyer === undefined ? t('signedInAs', { name }) : t('signedInAsAssistant', { name, lawyer })}
        </p>
      )}
      {/* Named in the language it switches to, and marked so: a screen reader says it right. */}
      <button type="button" data-testid="lang" lang={other} onClick={() => actions.setLang(other)}>
        {t('switchLang')}
      </button>
      {name !== undefined && (
        <button type="button" data-testid="sign-out" onClick={() => actions.signOut()}>
          {t('signOut')}
        </button>
      )}
    </header>
  );
}
