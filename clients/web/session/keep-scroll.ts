import { keptRecord } from './kept.ts';

/**
 * Where each transcript was scrolled to, kept in localStorage per identity (as the drafts are)
 * so a reload puts the reader back where they were. A transcript read to its end is not kept:
 * it opens at its end, newest message in view. The place is the first message in view (its seq)
 * and how far its top was above the list's: the same message comes back to the same place at
 * another width, where a pixel offset would not.
 */
export interface ScrollPlace {
  seq: number;
  /** Pixels of that message above the top of the list (0: its top at the list's top). */
  above: number;
}

type Places = Record<string, ScrollPlace>;

/** Transcripts remembered per identity: the newest kept, far more than one person has open. */
const MAX_KEPT = 50;

const isPlace = (v: unknown): v is ScrollPlace =>
  typeof v === 'object' && v !== null && Number.isInteger((v as ScrollPlace).seq) && Number.isFinite((v as ScrollPlace).above);

const kept = keptRecord('scroll', isPlace);

export function scrollPlace(identityId: string, consultationId: string): ScrollPlace | undefined {
  return kept.load(identityId)[consultationId];
}

/** Keeps where a transcript is scrolled to; undefined: at its end. */
export function keepScrollPlace(identityId: string, consultationId: string, place: ScrollPlace | undefined): void {
  const { [consultationId]: _old, ...places } = kept.load(identityId);
  const next: Places = place ? { ...places, [consultationId]: place } : places;
  const ids = Object.keys(next);
  for (const id of ids.slice(0, Math.max(0, ids.length - MAX_KEPT))) delete next[id];
  kept.save(identityId, next);
}

export const forgetScrollPlaces = (identityId: string): void => kept.forget(identityId);
