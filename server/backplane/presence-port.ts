import type { Category } from '../../protocol/vocabulary.ts';
import type { LawyerQuery } from './eligibility.ts';
import type { Offer } from './queue-port.ts';

/** Stored duty states; `busy` (no capacity left) and `offline` (no record) are derived. */
export type StoredDutyState = 'available' | 'away' | 'wrap-up' | 'reconnecting';

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
  /** Consultations held plus offers pending: never above `capacity` through an offer or pick (the queue port counts it). */
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
  /**
   * In `wrap-up` (or reconnecting from it): when it ends by itself, and when it began. A close
   * during a wrap-up moves its end, never its start: notes of everything closed since stay open.
   */
  wrapUpUntil?: number;
  wrapUpSince?: number;
}

/** What a lawyer coming on duty (or changing their duty) says; load and counters are the backplane's. */
export type NewPresence = Omit<LawyerPresence, 'load' | 'lastOfferAt' | 'missedOffers' | 'resumeState'>;

export interface PresenceSummary {
  /** Lawyers by shown state (`busy`: available with no capacity left). */
  byState: Record<string, number>;
  /** Sum of capacity of the lawyers on duty, per category they serve. */
  slotsByCategory: Partial<Record<Category, number>>;
}

/**
 * Who is on duty, across the cluster: presence as expiring leases (a crashed node's lawyers
 * lapse with nobody cleaning up), the index routing finds lawyers in, and the nodes holding a
 * device of each lawyer. A lawyer's `load` is written by the queue port's claims in the same
 * atomic step as the claim (invariant 3), so both ports of one backplane share that state.
 */
export interface PresencePort {
  /** Comes on duty, or updates categories/capacity/conflicts; load and counters are kept. */
  putLawyer(presence: NewPresence): Promise<LawyerPresence>;
  /**
   * Sets the duty state; `reconnecting` remembers the state to resume. Undefined if off duty.
   * A wrap-up's times are kept through `reconnecting` and `wrap-up`, dropped by any other state.
   */
  setLawyerState(lawyerId: string, state: StoredDutyState): Promise<LawyerPresence | undefined>;
  /**
   * A consultation of the lawyer closed: an `available` lawyer goes to `wrap-up` until `until`
   * (since `now`); one in wrap-up already has it end at `until` if later. Undefined, and nothing
   * changed, in any other state (away, reconnecting) or off duty. Atomic against an offer: an
   * offer checks `available` in the same store.
   */
  beginWrapUp(lawyerId: string, until: number, now: number): Promise<LawyerPresence | undefined>;
  /**
   * The lawyer is ready before their wrap-up's end: `available` again (a reconnecting lawyer,
   * `available` to resume). Undefined, and nothing changed, if they are not in a wrap-up.
   */
  endWrapUp(lawyerId: string): Promise<LawyerPresence | undefined>;
  /**
   * Ends every wrap-up due by `now` (as `endWrapUp`) and returns those lawyers, each to one
   * caller only: every node's router asks on its tick, and the lawyer is told once.
   */
  endDueWrapUps(now: number): Promise<LawyerPresence[]>;
  /** Leaves duty: withdraws the lawyer's pending offers in the same step (their consultations stay queued). */
  removeLawyer(lawyerId: string): Promise<{ presence?: LawyerPresence; withdrawn: Offer[] }>;
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

/** What a lawyer's shown state is: `busy` is available with no capacity left. */
export function shownState(p: LawyerPresence): StoredDutyState | 'busy' {
  return p.state === 'available' && p.load >= p.capacity ? 'busy' : p.state;
}

/** The summary of a list of lawyers: what both implementations answer `summary()` with. */
export function summarise(lawyers: Iterable<LawyerPresence>): PresenceSummary {
  const byState: Record<string, number> = {};
  const slotsByCategory: PresenceSummary['slotsByCategory'] = {};
  for (const p of lawyers) {
    const shown = shownState(p);
    byState[shown] = (byState[shown] ?? 0) + 1;
    for (const c of p.categories) slotsByCategory[c] = (slotsByCategory[c] ?? 0) + p.capacity;
  }
  return { byState, slotsByCategory };
}
