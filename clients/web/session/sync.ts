import type { PersonViewT } from '../../../protocol/frames.ts';
import type { LawlineClient } from '../../sdk/index.ts';
import type { AppState, AppStore } from '../state/app-state.ts';
import type { Consultations } from '../state/consultations.ts';
import type { Desk } from '../state/desk.ts';

/** Copies what the server says (SDK events) into the store; returns what stops it. */
export type Sync = (client: LawlineClient, store: AppStore, me: PersonViewT) => () => void;

/** Applies `f` to the consultations, leaving the state as it is when nothing changed. */
export function updateConsultations(store: AppStore, f: (cs: Consultations) => Consultations): void {
  store.update((s) => {
    const next = f(s.consultations);
    return next === s.consultations ? s : { ...s, consultations: next };
  });
}

export function updateDesk(store: AppStore, f: (d: Desk) => Desk): void {
  store.update((s) => ({ ...s, desk: f(s.desk) }));
}

export function updateWait(store: AppStore, id: string, f: (w: AppState['waits'][string] | undefined) => AppState['waits'][string]): void {
  store.update((s) => ({ ...s, waits: { ...s.waits, [id]: f(s.waits[id]) } }));
}
