import type { AppStore } from '../state/app-state.ts';
import { setDraft } from '../state/consultations.ts';
import { keepPerConsultation, keptRecord } from './kept.ts';
import { updateConsultations } from './sync.ts';

const kept = keptRecord('drafts', (v): v is string => typeof v === 'string');

/**
 * Unsent drafts outlive a reload: kept in localStorage per identity (for the reason the
 * identity is: a closed tab comes back to them), put back into each consultation as it
 * reappears (unless something was typed there meanwhile).
 */
export const keepDrafts = (store: AppStore, identityId: string): (() => void) =>
  keepPerConsultation(
    store,
    identityId,
    kept,
    (id, draft) => draft && updateConsultations(store, (cs) => (cs[id]?.draft ? cs : setDraft(cs, id, draft))),
    (e) => e.draft || undefined,
  );

export const forgetDrafts = (identityId: string): void => kept.forget(identityId);
