import type { LawyerPresence } from './presence-port.ts';
import type { QueueEntry } from './queue-port.ts';

/**
 * Who may be offered what: the rules every backplane applies when it finds lawyers for a
 * consultation (`findLawyers`), kept pure so the memory implementation, the linear-scan
 * baseline of the routing bench and the Redis scripts' tests all mean the same thing.
 */

export type Strategy = 'longest-idle' | 'least-busy' | 'round-robin';
export const STRATEGIES: readonly Strategy[] = ['longest-idle', 'least-busy', 'round-robin'];

/** How far a request reaches by region: its city, its province, or the whole country. */
export type Reach = 'city' | 'province' | 'national';

/** GB/T 2260 prefix length a reach compares: a county code falls under its city (4) and province (2). */
export const REACH_DIGITS: Record<Reach, number> = { city: 4, province: 2, national: 0 };

export function regionMatches(citizen: string, lawyer: string, reach: Reach): boolean {
  const digits = REACH_DIGITS[reach];
  return citizen.slice(0, digits) === lawyer.slice(0, digits);
}

/** Everything but region, duty state and capacity that rules a lawyer out for one consultation. */
export function mayServe(entry: QueueEntry, lawyer: LawyerPresence): boolean {
  return (
    lawyer.categories.includes(entry.category) &&
    !entry.declinedBy.includes(lawyer.lawyerId) &&
    !(entry.opposingParty !== undefined && lawyer.conflicts.includes(entry.opposingParty))
  );
}

/** Eligible apart from region: what an index that already matched the region checks. */
export function isFree(entry: QueueEntry, lawyer: LawyerPresence): boolean {
  return lawyer.state === 'available' && lawyer.load < lawyer.capacity && mayServe(entry, lawyer);
}

export function isEligible(entry: QueueEntry, lawyer: LawyerPresence, reach: Reach): boolean {
  return isFree(entry, lawyer) && regionMatches(entry.region, lawyer.region, reach);
}

/** Code-unit order, not locale order: the same on every node and in Lua, and cheap. */
const byId = (a: LawyerPresence, b: LawyerPresence) => (a.lawyerId < b.lawyerId ? -1 : a.lawyerId > b.lawyerId ? 1 : 0);

/** Best first. Ties broken by id so every node ranks the same. */
export const ORDER: Record<Strategy, (a: LawyerPresence, b: LawyerPresence) => number> = {
  'longest-idle': (a, b) => a.lastAssignedAt - b.lastAssignedAt || byId(a, b),
  'least-busy': (a, b) => a.load / a.capacity - b.load / b.capacity || a.lastAssignedAt - b.lastAssignedAt || byId(a, b),
  'round-robin': (a, b) => a.lastOfferAt - b.lastOfferAt || byId(a, b),
};

/** The `limit` best of `xs` that pass `keep`, in one pass (limit is small: a router tries a few lawyers, not all). */
export function best<T>(xs: Iterable<T>, limit: number, order: (a: T, b: T) => number, keep: (x: T) => boolean = () => true): T[] {
  const top: T[] = [];
  for (const x of xs) {
    // Ranking first: most lawyers of a wide bucket lose on it before the costlier checks run.
    if (top.length === limit && order(x, top[limit - 1] as T) >= 0) continue;
    if (!keep(x)) continue;
    let i = Math.min(top.length, limit - 1);
    while (i > 0 && order(x, top[i - 1] as T) < 0) i--;
    top.splice(i, 0, x);
    if (top.length > limit) top.pop();
  }
  return top;
}

/** The query `findLawyers` answers: one consultation, how far it reaches, or the one lawyer it waits for. */
export interface LawyerQuery {
  entry: QueueEntry;
  reach: Reach;
  strategy: Strategy;
  /** At most this many, best first. */
  limit: number;
  /** Only this lawyer (a citizen's choice), wherever they are. */
  only?: string;
}

/** The reference answer: a scan over every lawyer. Implementations must return the same. */
export function scanLawyers(lawyers: Iterable<LawyerPresence>, q: LawyerQuery): LawyerPresence[] {
  const out: LawyerPresence[] = [];
  for (const l of lawyers) if ((q.only === undefined || l.lawyerId === q.only) && isEligible(q.entry, l, q.only ? 'national' : q.reach)) out.push(l);
  return out.sort(ORDER[q.strategy]).slice(0, q.limit);
}
