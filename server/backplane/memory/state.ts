import { REACH_DIGITS } from '../eligibility.ts';
import type { LawyerPresence } from '../presence-port.ts';
import type { Offer, QueueEntry } from '../queue-port.ts';

/** Copies out: callers must not change shared state by accident. Arrays are the only nested values. */
export function copy(x: LawyerPresence): LawyerPresence;
export function copy(x: QueueEntry): QueueEntry;
export function copy(x: Offer): Offer;
export function copy(x: LawyerPresence | QueueEntry | Offer): LawyerPresence | QueueEntry | Offer {
  if ('categories' in x) return { ...x, categories: [...x.categories], conflicts: [...x.conflicts] };
  if ('declinedBy' in x) return { ...x, declinedBy: [...x.declinedBy] };
  return { ...x };
}

/** Bucket keys a lawyer is found under: each category at city, province and national reach. */
function bucketKeys(p: LawyerPresence): string[] {
  const keys: string[] = [];
  for (const c of p.categories) for (const digits of Object.values(REACH_DIGITS)) keys.push(`${c}|${p.region.slice(0, digits)}`);
  return keys;
}

/**
 * What the presence and queue ports of the embedded node share: a claim checks and moves a
 * lawyer's load in the same step as it moves the queue (invariant 3), so both read and write
 * one object. Each port method runs to completion without an await, which is what makes it
 * atomic here; the Redis implementation gets the same from Lua over both key sets.
 */
export class SharedState {
  readonly lawyers = new Map<string, LawyerPresence>();
  readonly queue = new Map<string, QueueEntry>();
  /** Front-of-queue entries (a lawyer dropped them) sort before any enqueuedAt. */
  readonly order = new Map<string, number>();
  readonly offers = new Map<string, Offer>();
  /** (category, region prefix) -> lawyers on duty there: a decision looks at a handful, not at everyone. */
  readonly buckets = new Map<string, Set<LawyerPresence>>();
  /** lawyerId -> consultations they hold, on duty or not. */
  readonly held = new Map<string, Set<string>>();
  /** consultationId -> the lawyers who hold it (absent: none): who does, without asking every lawyer. */
  readonly holders = new Map<string, Set<string>>();
  frontCounter = 0;

  index(p: LawyerPresence): void {
    for (const key of bucketKeys(p)) {
      let bucket = this.buckets.get(key);
      if (!bucket) this.buckets.set(key, (bucket = new Set()));
      bucket.add(p);
    }
  }

  unindex(p: LawyerPresence): void {
    for (const key of bucketKeys(p)) {
      const bucket = this.buckets.get(key);
      bucket?.delete(p);
      if (bucket?.size === 0) this.buckets.delete(key);
    }
  }

  /** Adds to what the lawyer holds; false if it was held already (its load is counted then). */
  hold(lawyerId: string, consultationId: string): boolean {
    let held = this.held.get(lawyerId);
    if (!held) this.held.set(lawyerId, (held = new Set()));
    if (held.has(consultationId)) return false;
    held.add(consultationId);
    let holders = this.holders.get(consultationId);
    if (!holders) this.holders.set(consultationId, (holders = new Set()));
    holders.add(lawyerId);
    return true;
  }

  /** Takes it from what the lawyer holds; false if they did not hold it. */
  unhold(lawyerId: string, consultationId: string): boolean {
    const held = this.held.get(lawyerId);
    if (!held?.delete(consultationId)) return false;
    if (held.size === 0) this.held.delete(lawyerId);
    const holders = this.holders.get(consultationId);
    holders?.delete(lawyerId);
    if (holders?.size === 0) this.holders.delete(consultationId);
    return true;
  }

  /** Removes a consultation's offer and gives the lawyer's capacity back. */
  withdraw(consultationId: string): Offer | undefined {
    const offer = this.offers.get(consultationId);
    if (!offer) return undefined;
    this.offers.delete(consultationId);
    const p = this.lawyers.get(offer.lawyerId);
    if (p && p.load > 0) p.load--;
    return offer;
  }
}
