import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { translator, type Translator } from '../i18n/i18n.ts';
import type { Actions } from '../session/actions.ts';
import type { AppState, AppStore } from '../state/app-state.ts';
import { useSelector } from '../state/store.ts';

export interface AppContextValue {
  store: AppStore;
  actions: Actions;
}

/** What every screen reaches: the store (read) and the actions (write). Provided once, by `main.tsx`. */
export const AppContext = createContext<AppContextValue | undefined>(undefined);

function useAppContext(): AppContextValue {
  const value = useContext(AppContext);
  // A bug, not a run-time condition: every screen renders inside <AppContext.Provider>.
  if (!value) throw new Error('lawline: a screen rendered outside AppContext');
  return value;
}

/** The part of the app's state `select` picks (see `useSelector`: select stored values, not new objects). */
export const useApp = <T>(select: (s: AppState) => T): T => useSelector(useAppContext().store, select);

export const useActions = (): Actions => useAppContext().actions;

/** Strings, category labels and times in the chosen language; the screen renders again when it changes. */
export const useT = (): Translator => translator(useApp((s) => s.lang));
