import { useEffect, useRef } from 'preact/hooks';
import { attention } from '../state/attention.ts';
import { useApp, useT } from './context.ts';
import { Header } from './Header.tsx';
import { LiveRegion } from './LiveRegion.tsx';
import { SignIn } from './SignIn.tsx';
import { VIEWS } from './views.ts';

/** The shell: header, then the signed-in role's view (or the sign-in), and the live region. */
export function App() {
  const role = useApp((s) => s.identity?.role);
  const waiting = useApp(attention);
  const t = useT();
  useEffect(() => {
    document.documentElement.lang = t.lang;
  }, [t]);
  // A lawyer's offers and unread messages out of view, as a count before the title: seen from another tab.
  useEffect(() => {
    document.title = waiting > 0 ? t('titleBadge', { count: waiting, title: t('title') }) : t('title');
  }, [t, waiting]);
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
