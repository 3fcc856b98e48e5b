import { render } from 'preact';
import { loadLang } from './i18n/saved-lang.ts';
import { loadIdentity } from './identity/saved.ts';
import { createActions } from './session/actions.ts';
import { SessionHost } from './session/session-host.ts';
import { createAppStore } from './state/app-state.ts';
import { App } from './ui/App.tsx';
import { AppContext } from './ui/context.ts';

// The page's one composition root: the store, the session that fills it, the actions screens
// call, and the shell they render in. A kept identity connects at once (no sign-in after a reload).
const store = createAppStore(loadLang(), loadIdentity());
const host = new SessionHost(store);
const actions = createActions(host, store);
const root = document.getElementById('app');
if (!root) throw new Error('lawline: index.html has no #app');
render(
  <AppContext.Provider value={{ store, actions }}>
    <App />
  </AppContext.Provider>,
  root,
);
host.boot();
