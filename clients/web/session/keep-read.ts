import type { AppStore } from '../state/app-state.ts';
import { setReadUpTo } from '../state/consultations.ts';
import { keepPerConsultation, keptRecord } from './kept.ts';
import { updateConsultations } from './sync.ts';

const kept = keptRecord('read', (v): v is number => Number.isInteger(v) && (v as number) >= 0);

/**
 * How far each open consultation was read outlives a reload (kept per identity, as drafts are):
 * without it every message of a consultation not in view would count as unread again, in its
 * tab and in the page's title. Put back as each consultation reappears, without telling the
 * server again (it was told when they were read).
 */
export const keepRead = (store: AppStore, identityId: string): (() => void) =>
  keepPerConsultation(
    store,
    identityId,
    kept,
    (id, upTo) => updateConsultations(store, (cs) => setReadUpTo(cs, id, upTo)),
    (e) => e.readUpTo || undefined,
  );

export const forgetRead = (identityId: string): void => kept.forget(identityId);
