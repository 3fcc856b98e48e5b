import type { AppStore } from '../state/app-state.ts';
import { isOpen, type ConsultationEntry } from '../state/consultations.ts';

/**
 * A record kept per identity in localStorage (drafts, scroll places, read marks): a reload, or a
 * closed tab opened again, finds it; a sign-out forgets it. Storage may be refused (private
 * modes, policy) or full: then nothing is kept, and the page says so in the console only.
 */
export function keptRecord<T>(name: string, isValue: (v: unknown) => v is T) {
  const keyOf = (identityId: string) => `lawline.${name}.${identityId}`;
  return {
    load(identityId: string): Record<string, T> {
      try {
        const v: unknown = JSON.parse(localStorage.getItem(keyOf(identityId)) ?? '{}');
        if (typeof v !== 'object' || v === null) return {};
        return Object.fromEntries(Object.entries(v).filter((kv): kv is [string, T] => isValue(kv[1])));
      } catch (e) {
        console.warn(`lawline: kept ${name} could not be read`, e);
        return {};
      }
    },
    /** Keeps `value` (already JSON, when the caller compared it with what it last wrote). */
    save(identityId: string, value: Record<string, T> | string): void {
      try {
        localStorage.setItem(keyOf(identityId), typeof value === 'string' ? value : JSON.stringify(value));
      } catch (e) {
        console.warn(`lawline: ${name} could not be kept`, e);
      }
    },
    forget(identityId: string): void {
      try {
        localStorage.removeItem(keyOf(identityId));
      } catch (e) {
        console.warn(`lawline: kept ${name} could not be removed`, e);
      }
    },
  };
}

/**
 * One value per consultation kept across reloads (a draft, how far it was read): put back with
 * `restore` as each consultation reappears, and kept as `collect` finds them on open ones. Those
 * of consultations not back yet stay (the list of what is open may come late: a resumed session)
 * until sign-out.
 */
export function keepPerConsultation<T>(
  store: AppStore,
  identityId: string,
  kept: ReturnType<typeof keptRecord<T>>,
  restore: (id: string, value: T) => void,
  collect: (e: ConsultationEntry) => T | undefined,
): () => void {
  const unseen = kept.load(identityId);
  let written = JSON.stringify(unseen);
  const seen = new Set<string>();
  return store.subscribe(() => {
    for (const id of Object.keys(store.get().consultations)) {
      if (seen.has(id)) continue;
      seen.add(id);
      const value = unseen[id];
      delete unseen[id];
      if (value !== undefined) restore(id, value);
    }
    const values: Record<string, T> = { ...unseen };
    for (const e of Object.values(store.get().consultations)) {
      const value = isOpen(e.view) ? collect(e) : undefined;
      if (value !== undefined) values[e.view.id] = value;
    }
    const text = JSON.stringify(values);
    if (text === written) return;
    written = text;
    kept.save(identityId, text);
  });
}
