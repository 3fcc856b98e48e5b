import type { ConsultationViewT, PushData } from '../../../protocol/frames.ts';

export type Presence = PushData<'duty.state'>['presence'];
export type DutyReason = PushData<'duty.state'>['reason'];
export type Offer = PushData<'offer'>;

/** What a lawyer's console (and an assistant's) works from besides consultations: duty, ringing offers, the waiting queue. */
export interface Desk {
  presence: Presence | undefined;
  /** Why the server last changed the duty state, when it did. */
  reason: DutyReason;
  /** Offers ringing now, oldest first. */
  offers: readonly Offer[];
  /** The waiting queue of the lawyer's categories. */
  waiting: readonly ConsultationViewT[];
}

export const emptyDesk: Desk = { presence: undefined, reason: undefined, offers: [], waiting: [] };

export const setPresence = (d: Desk, presence: Presence, reason: DutyReason): Desk => ({ ...d, presence, reason });

export const setOffers = (d: Desk, offers: readonly Offer[]): Desk => ({ ...d, offers });

export const setWaiting = (d: Desk, waiting: readonly ConsultationViewT[]): Desk => ({ ...d, waiting });

export function queueChanged(d: Desk, change: 'added' | 'removed', c: ConsultationViewT): Desk {
  const rest = d.waiting.filter((w) => w.id !== c.id);
  return { ...d, waiting: change === 'added' ? [...rest, c] : rest };
}
