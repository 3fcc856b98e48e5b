import type { AppStore } from '../state/app-state.ts';
import { isOpen, setDraft } from '../state/consultations.ts';
import { updateConsultations } from './sync.ts';

type Drafts = Record<string, string>;

const keyOf = (identityId: string) => `lawline.drafts.${identityId}`;

/**
 * Unsent drafts outlive a reload: kept in localStorage per identity (for the reason the
 * identity is: a closed tab comes back to them), put back into each consultation as it
 * reappears. Those of consultations that do not come back (closed meanwhile) stay until
 * sign-out: a few strings, and the list of what is open may come late (a resumed session).
 */
export function keepDrafts(store: AppStore, identityId: string): () => void {
  const unseen = load(identityId);
  let written = JSON.stringify(unseen);
  const seen = new Set<string>();
  return store.subscribe(() => {
    for (const id of Object.keys(store.get().consultations)) {
      if (seen.has(id)) continue;
      seen.add(id);
      const draft = unseen[id];
      delete unseen[id];
      if (draft) updateConsultations(store, (cs) => (cs[id]?.draft ? cs : setDraft(cs, id, draft)));
    }
    const drafts: Drafts = { ...unseen };
    for (const e of Object.values(store.get().consultations)) if (e.draft && isOpen(e.view)) drafts[e.view.id] = e.draft;
    const text = JSON.stringify(drafts);
    if (text === written) return;
    written = text;
    save(identityId, text);
  });
}

export function forgetDrafts(identityId: string): void {
  try {
    localStorage.removeItem(keyOf(identityId));
  } catch (e) {
    console.warn('lawline: drafts could not be removed', e);
  }
}

function load(identityId: string): Drafts {
  try {
    const v: unknown = JSON.parse(localStorage.getItem(keyOf(identityId)) ?? '{}');
    if (typeof v !== 'object' || v === null) return {};
    return Object.fromEntries(Object.entries(v).filter((kv): kv is [string, string] => typeof kv[1] === 'string'));
  } catch (e) {
    console.warn('lawline: kept drafts could not be read', e);
    return {};
  }
}

function save(identityId: string, text: string): void {
  try {
    localStorage.setItem(keyOf(identityId), text);
  } catch (e) {
    console.warn('lawline: drafts could not be kept', e);
  }
}
