import type { LawyerPresence, QueueEntry } from '../backplane/port.ts';

export type Strategy = 'longest-idle' | 'least-busy' | 'round-robin';
export const STRATEGIES: readonly Strategy[] = ['longest-idle', 'least-busy', 'round-robin'];

export interface Widening {
  /** Waited this long: any lawyer of the same province (GB/T 2260: first two digits). */
  provinceAfterMs: number;
  /** Waited this long: any lawyer in the country. */
  nationalAfterMs: number;
}

export type Reach = 'city' | 'province' | 'national';

/** How far a request has widened after waiting `waitedMs`. */
export function reachAfter(waitedMs: number, widening: Widening): Reach {
  if (waitedMs >= widening.nationalAfterMs) return 'national';
  if (waitedMs >= widening.provinceAfterMs) return 'province';
  return 'city';
}

/** City level compares the first four digits (a county code falls under its city). */
export function regionMatches(citizen: string, lawyer: string, reach: Reach): boolean {
  if (reach === 'national') return true;
  const digits = reach === 'province' ? 2 : 4;
  return citizen.slice(0, digits) === lawyer.slice(0, digits);
}

/** Party names compared the way a person would: case, width of spaces and punctuation ignored. */
export function normaliseParty(name: string): string {
  return name
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s\p{P}]+/gu, '');
}

/** Everything but region and state that rules a lawyer out for one consultation. */
function mayServe(entry: QueueEntry, lawyer: LawyerPresence): boolean {
  return (
    lawyer.categories.includes(entry.category) &&
    !entry.declinedBy.includes(lawyer.lawyerId) &&
    !(entry.opposingParty !== undefined && lawyer.conflicts.includes(entry.opposingParty))
  );
}

export function isEligible(entry: QueueEntry, lawyer: LawyerPresence, reach: Reach): boolean {
  return lawyer.state === 'available' && lawyer.load < lawyer.capacity && mayServe(entry, lawyer) && regionMatches(entry.region, lawyer.region, reach);
}

const ORDER: Record<Strategy, (a: LawyerPresence, b: LawyerPresence) => number> = {
  'longest-idle': (a, b) => a.lastAssignedAt - b.lastAssignedAt || a.lawyerId.localeCompare(b.lawyerId),
  'least-busy': (a, b) => a.load / a.capacity - b.load / b.capacity || a.lastAssignedAt - b.lastAssignedAt || a.lawyerId.localeCompare(b.lawyerId),
  'round-robin': (a, b) => a.lastOfferAt - b.lastOfferAt || a.lawyerId.localeCompare(b.lawyerId),
};

/** Eligible lawyers for `entry` at `now`, best first under `strategy`. A chosen lawyer, while the choice holds, is the only one (wherever they are). */
export function candidates(entry: QueueEntry, lawyers: readonly LawyerPresence[], now: number, widening: Widening, strategy: Strategy): LawyerPresence[] {
  if (entry.preferredLawyerId !== undefined && now < (entry.preferredUntil ?? Infinity)) {
    return lawyers.filter((l) => l.lawyerId === entry.preferredLawyerId && isEligible(entry, l, 'national'));
  }
  const reach = reachAfter(now - entry.enqueuedAt, widening);
  return lawyers.filter((l) => isEligible(entry, l, reach)).sort(ORDER[strategy]);
}

/** Could anyone on duty ever take this (ignoring state and capacity)? Else it may become a message consultation. */
export function anyoneCouldServe(entry: QueueEntry, lawyers: readonly LawyerPresence[]): boolean {
  return lawyers.some((l) => mayServe(entry, l));
}
