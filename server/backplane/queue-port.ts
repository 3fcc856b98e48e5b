import type { Category } from '../../protocol/vocabulary.ts';
import type { LawyerPresence } from './presence-port.ts';

export interface QueueEntry {
  consultationId: string;
  citizenId: string;
  category: Category;
  region: string;
  /** Higher is served first; 0 is everyone without a priority class. */
  priority: number;
  /** When the citizen asked: FIFO within a priority, and the clock for region widening. */
  enqueuedAt: number;
  /** Lawyers who declined or let it time out: not offered again. */
  declinedBy: string[];
  /** Normalised name of the opposing party, if the citizen named one. */
  opposingParty?: string;
  /** Only this lawyer is offered it until `preferredUntil`; then anyone eligible. */
  preferredLawyerId?: string;
  preferredUntil?: number;
}

export interface Offer {
  consultationId: string;
  lawyerId: string;
  expiresAt: number;
}

export type OfferRefusal = 'not-queued' | 'already-offered' | 'not-on-duty' | 'not-available' | 'no-capacity' | 'declined-before';
export type AcceptRefusal = 'no-offer';
export type ClaimRefusal = 'not-queued' | 'already-offered' | 'no-capacity';

export interface ClaimOutcome<R extends string> {
  ok: boolean;
  reason?: R;
}

/** What `unclaim` did: the lawyers whose hold of the consultation went, and whether it was queued by it (false: it was queued already). */
export interface Unclaimed {
  released: string[];
  added: boolean;
}

export type Accepted = { ok: true; offer: Offer; entry?: QueueEntry } | { ok: false; reason: AcceptRefusal; offer?: undefined; entry?: undefined };
export type Rejected = { ok: true; offer: Offer; presence?: LawyerPresence } | { ok: false; offer?: undefined; presence?: undefined };

/**
 * The live queue, offers and what each lawyer holds. Every method that reads and then writes
 * is one atomic step (a Lua script on Redis) over the queue and the lawyers' presence
 * together, so two nodes racing can never offer one consultation twice or fill a lawyer past
 * capacity (invariant 3): a claim checks and moves the lawyer's `load` of the presence port.
 */
export interface QueuePort {
  /** Adds a consultation to its queue (at the front of its priority when `front`). */
  enqueue(entry: QueueEntry, front?: boolean): Promise<void>;
  /** Takes a consultation out of the queue (cancelled, converted); withdraws its offer. */
  dequeue(consultationId: string): Promise<{ entry?: QueueEntry; withdrawn?: Offer }>;
  /** Every queued consultation in service order: priority desc, then enqueuedAt asc. */
  listQueue(): Promise<QueueEntry[]>;

  /**
   * Atomically: the consultation is queued with no offer out, the lawyer is available, has
   * not declined it and has capacity left -> the offer exists and counts against capacity.
   */
  offer(consultationId: string, lawyerId: string, expiresAt: number, now: number): Promise<ClaimOutcome<OfferRefusal>>;
  /** The offered lawyer takes it: out of the queue, kept in their load. With the offer it ends (its `expiresAt` names it to the lawyer's devices). */
  accept(consultationId: string, lawyerId: string, now: number): Promise<Accepted>;
  /** Declined or timed out: the offer goes, capacity returns, the lawyer is not asked again. With the offer it ended. */
  reject(consultationId: string, lawyerId: string, outcome: 'declined' | 'timeout'): Promise<Rejected>;
  /** A manual pick: the consultation is queued with no offer out; it leaves the queue and counts against the lawyer's capacity if on duty. */
  claim(consultationId: string, lawyerId: string, now: number): Promise<ClaimOutcome<ClaimRefusal> & { entry?: QueueEntry }>;
  /**
   * Consultations a lawyer holds are kept per lawyer whether or not they are on duty, so a
   * lawyer coming back on duty carries their load without anyone counting it from the store
   * (a count that a close racing the duty change would make wrong). `hold` rebuilds it after
   * a restart; `release` is idempotent per consultation.
   */
  hold(lawyerId: string, consultationId: string): Promise<void>;
  release(lawyerId: string, consultationId: string): Promise<void>;
  /**
   * Puts back a consultation taken from the queue whose record never said so: a pick or an
   * accept whose write failed or timed out, or whose node stopped before writing it. In one
   * step every lawyer's hold of it goes (their capacity returns) and it is queued by
   * `enqueuedAt`, unless it is queued already (its place, offer and declines then kept). A hold
   * left in place would keep it out of the queue for good: a queued record that the backplane
   * says a lawyer holds is never offered.
   */
  unclaim(entry: QueueEntry): Promise<Unclaimed>;
  listOffers(): Promise<Offer[]>;
  expiredOffers(now: number): Promise<Offer[]>;
  /**
   * A `reconnecting` lawyer's pending offers go at once (the citizen need not wait out the offer
   * timeout for a device that is gone): capacity returns, the consultations stay queued, and
   * the lawyer is neither marked as having declined them nor charged a missed offer. Nothing
   * happens unless the lawyer is reconnecting when it runs (a device came back meanwhile, on
   * any node). Returns the offers withdrawn.
   */
  withdrawOffers(lawyerId: string): Promise<Offer[]>;
}
