import { useEffect, useRef } from 'preact/hooks';
import { useApp, useT } from './context.ts';
import { Header } from './Header.tsx';
import { LiveRegion } from './LiveRegion.tsx';
import { SignIn } from './SignIn.tsx';
import { VIEWS } from './views.ts';

/** The shell: header, then the signed-in role's view (or the sign-in), and the live region. */
export function App() {
  const role = useApp((s) => s.identity?.role);
  const t = useT();
  useEffect(() => {
    document.documentElement.lang = t.lang;
    document.title = t('title');
  }, [t]);
  // Signing in or out replaces the whole screen: focus goes to its start, not lost on <body>.
  const shownFor = useRef(role);
  useEffect(() => {
    if (shownFor.current !== role) document.getElementById('main')?.focus();
    shownFor.current = role;
  }, [role]);
  const View = role ? VIEWS[role] : undefined;
  return (
    <>
      <Header />
      <main id="main" tabIndex={-1} class={role ? `view-${role}` : 'view-sign-in'}>
        {!role ? <SignIn /> : View ? <View /> : <p class="card">{t('noView')}</p>}
      </main>
      <LiveRegion />
    </>
  );
}
