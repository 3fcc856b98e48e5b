import type { Category } from '../../protocol/vocabulary.ts';
import type { LawyerQuery } from './eligibility.ts';

/**
 * The backplane port: state several nodes share and that may be rebuilt or may expire —
 * presence leases, routing queues, offers and capacity claims. Implementations: `memory`
 * (the embedded node) and, in the cluster issue, `redis`. Every method that reads and then
 * writes is one atomic step in every implementation (a Lua script on Redis), so two nodes
 * racing can never offer one consultation twice or fill a lawyer past capacity
 * (invariant 3). Durable records never live here: a consultation's truth is the store.
 * `contract.ts` holds the suite every implementation must pass.
 */

/** Stored duty states; `busy` (no capacity left) and `offline` (no record) are derived. */
export type StoredDutyState = 'available' | 'away' | 'wrap-up' | 'reconnecting';

export interface AssistantSeat {
  lawyerId: string;
  assistantId: string;
}

export interface LawyerPresence {
  lawyerId: string;
  name: string;
  categories: Category[];
  /** GB/T 2260 code of where the lawyer practises. */
  region: string;
  /** Concurrent text consultations. */
  capacity: number;
  state: StoredDutyState;
  /** The state to return to when a `reconnecting` lawyer is back. */
  resumeState: 'available' | 'away' | 'wrap-up';
  /** Consultations held plus offers pending: never above `capacity` through an offer or pick. */
  load: number;
  /** When the lawyer last took a consultation or came on duty: longest-idle routes on it. */
  lastAssignedAt: number;
  /** When the lawyer was last offered anything: round-robin routes on it. */
  lastOfferAt: number;
  /** Offers in a row that timed out; N of them set the lawyer away. */
  missedOffers: number;
  /** Normalised names of parties the lawyer may not act against. */
  conflicts: string[];
  /** The lease: a lawyer whose node stops renewing it goes off duty on its own. */
  leaseUntil: number;
}

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

export interface PresenceSummary {
  /** Lawyers by shown state (`busy`: available with no capacity left). */
  byState: Record<string, number>;
  /** Sum of capacity of the lawyers on duty, per category they serve. */
  slotsByCategory: Partial<Record<Category, number>>;
}

export interface Offer {
  consultationId: string;
  lawyerId: string;
  expiresAt: number;
}

export type OfferRefusal = 'not-queued' | 'already-offered' | 'not-on-duty' | 'not-available' | 'no-capacity' | 'declined-before';
export type AcceptRefusal = 'no-offer';

export interface ClaimOutcome<R extends string> {
  ok: boolean;
  reason?: R;
}

export interface Backplane {
  /** False while the shared state cannot be reached (Redis down): the node reports not-ready. */
  ready(): boolean;
  close(): Promise<void>;
  /** Comes on duty, or updates categories/capacity/conflicts; load and counters are kept. */
  putLawyer(presence: Omit<LawyerPresence, 'load' | 'lastOfferAt' | 'missedOffers' | 'resumeState'>): Promise<LawyerPresence>;
  /** Sets the duty state; `reconnecting` remembers the state to resume. Undefined if off duty. */
  setLawyerState(lawyerId: string, state: StoredDutyState): Promise<LawyerPresence | undefined>;
  /** Leaves duty: withdraws the lawyer's pending offers (their consultations stay queued). */
  removeLawyer(lawyerId: string): Promise<{ presence?: LawyerPresence; withdrawn: Offer[] }>;
  /**
   * A `reconnecting` lawyer's pending offers go at once (the citizen need not wait out the offer
   * timeout for a device that is gone): capacity returns, the consultations stay queued, and
   * the lawyer is neither marked as having declined them nor charged a missed offer. Nothing
   * happens unless the lawyer is reconnecting when it runs (a device came back meanwhile, on
   * any node). Returns the offers withdrawn.
   */
  withdrawOffers(lawyerId: string): Promise<Offer[]>;
  renewLeases(lawyerIds: readonly string[], until: number): Promise<void>;
  expiredLeases(now: number): Promise<string[]>;
  getLawyer(lawyerId: string): Promise<LawyerPresence | undefined>;
  listLawyers(): Promise<LawyerPresence[]>;
  /** Ids of eligible lawyers for one consultation, best first (`eligibility.ts` defines the answer; implementations index it). */
  findLawyers(query: LawyerQuery): Promise<string[]>;
  /** Is anyone on duty (in any state) for this category? */
  servesCategory(category: Category): Promise<boolean>;
  /** Counts for queue estimates and metrics, without listing everyone. */
  summary(): Promise<PresenceSummary>;

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
  /** The offered lawyer takes it: out of the queue, kept in their load. */
  accept(consultationId: string, lawyerId: string, now: number): Promise<ClaimOutcome<AcceptRefusal> & { entry?: QueueEntry }>;
  /** Declined or timed out: the offer goes, capacity returns, the lawyer is not asked again. */
  reject(consultationId: string, lawyerId: string, outcome: 'declined' | 'timeout'): Promise<{ ok: boolean; presence?: LawyerPresence }>;
  /** A manual pick: the consultation is queued with no offer out; it leaves the queue and counts against the lawyer's capacity if on duty. */
  claim(consultationId: string, lawyerId: string, now: number): Promise<ClaimOutcome<'not-queued' | 'already-offered' | 'no-capacity'> & { entry?: QueueEntry }>;
  /**
   * Consultations a lawyer holds are kept per lawyer whether or not they are on duty, so a
   * lawyer coming back on duty carries their load without anyone counting it from the store
   * (a count that a close racing the duty change would make wrong). `hold` rebuilds it after
   * a restart; `release` is idempotent per consultation.
   */
  hold(lawyerId: string, consultationId: string): Promise<void>;
  release(lawyerId: string, consultationId: string): Promise<void>;
  listOffers(): Promise<Offer[]>;
  expiredOffers(now: number): Promise<Offer[]>;

  /**
   * A lawyer's one voice or video call, apart from their text capacity: at most one
   * consultation holds it at a time, whichever node asks. Claiming again for the same
   * consultation renews it; the claim lapses at `until`, so a call whose node died frees the
   * lawyer on its own. A call keeps renewing while it runs.
   */
  claimCall(lawyerId: string, consultationId: string, until: number, now: number): Promise<ClaimOutcome<'in-call'> & { holder?: string }>;
  /** Ends the call if this consultation holds it; idempotent. */
  endCall(lawyerId: string, consultationId: string): Promise<void>;

  /**
   * One node at a time holds `role` (the deployment's periodic jobs): true while `holder` has
   * it, taking it when free or lapsed; each call by the holder keeps it `ttlMs` longer.
   */
  lead(role: string, holder: string, ttlMs: number, now: number): Promise<boolean>;

  /**
   * At most `max` distinct assistants of a lawyer active at once, across nodes: `assistantId`
   * with sessions on `nodeId` holds a seat until `until`. True if they have one (or already
   * had one, on any node). Seats of a node that stops renewing lapse.
   */
  claimAssistantSeat(lawyerId: string, assistantId: string, nodeId: string, max: number, until: number, now: number): Promise<boolean>;
  releaseAssistantSeat(lawyerId: string, assistantId: string, nodeId: string): Promise<void>;
  /** Extends this node's seats that still exist; returns those that did not (lapsed and dropped by a claim, or lost). */
  renewAssistantSeats(nodeId: string, seats: readonly AssistantSeat[], until: number): Promise<AssistantSeat[]>;

  /**
   * Whether `nodeId` has a device of the lawyer connected, until `until` unless renewed: a
   * lawyer's devices may sit on several nodes, and only when none has one left do they count
   * as gone. Returns how many other nodes have one now. A node that stops renewing (dead) has
   * its entries lapse.
   */
  markDevice(lawyerId: string, nodeId: string, connected: boolean, until: number, now: number): Promise<number>;
  /** Extends this node's device entries that still exist. */
  renewDevices(nodeId: string, lawyerIds: readonly string[], until: number): Promise<void>;
}
