import type { ConsultationViewT, PersonViewT, PushData } from '../../../protocol/frames.ts';

export type Presence = PushData<'duty.state'>['presence'];
export type DutyReason = PushData<'duty.state'>['reason'];
export type Offer = PushData<'offer'>;
export type Handover = { from: PersonViewT; note: string };

/** The lawyer's notes on one consultation as the server last said, and the note of whoever handed it on. */
export interface Notes {
  note: string;
  handover: Handover | undefined;
}

/** What a lawyer's console (and an assistant's) works from besides consultations: duty, ringing offers, the waiting queue. */
export interface Desk {
  presence: Presence | undefined;
  /** Why the server last changed the duty state, when it did. */
  reason: DutyReason;
  /** Offers ringing now, oldest first. */
  offers: readonly Offer[];
  /** The waiting queue of the lawyer's categories. */
  waiting: readonly ConsultationViewT[];
  /** The consultation in view (its tab chosen): its messages are read, the others' counted unread. */
  selected: string | undefined;
  /** Notes read from the server (`note.get`), by consultation; absent until asked. */
  notes: Readonly<Record<string, Notes>>;
  /** Notes being written and not saved yet, by consultation: kept while the lawyer switches tabs. */
  noteDrafts: Readonly<Record<string, string>>;
}

export const emptyDesk: Desk = { presence: undefined, reason: undefined, offers: [], waiting: [], selected: undefined, notes: {}, noteDrafts: {} };

export const setPresence = (d: Desk, presence: Presence, reason: DutyReason): Desk => ({ ...d, presence, reason });

export const setOffers = (d: Desk, offers: readonly Offer[]): Desk => ({ ...d, offers });

export const setWaiting = (d: Desk, waiting: readonly ConsultationViewT[]): Desk => ({ ...d, waiting });

export const select = (d: Desk, selected: string | undefined): Desk => (d.selected === selected ? d : { ...d, selected });

export const setNotes = (d: Desk, id: string, notes: Notes): Desk => ({ ...d, notes: { ...d.notes, [id]: notes } });

/** The notes being written; undefined: none (what is saved is shown). */
export function setNoteDraft(d: Desk, id: string, draft: string | undefined): Desk {
  const { [id]: _old, ...rest } = d.noteDrafts;
  return { ...d, noteDrafts: draft === undefined ? rest : { ...rest, [id]: draft } };
}

export function queueChanged(d: Desk, change: 'added' | 'removed', c: ConsultationViewT): Desk {
  const rest = d.waiting.filter((w) => w.id !== c.id);
  return { ...d, waiting: change === 'added' ? [...rest, c] : rest };
}
