export interface AssistantSeat {
  lawyerId: string;
  assistantId: string;
}

/**
 * What nodes hold one at a time or up to a count, across the cluster, as leases that lapse
 * when the holding node stops renewing them (it died): the role of running the deployment's
 * periodic jobs, and assistants' seats. `server/cluster/` builds on it.
 */
export interface CoordinationPort {
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
   * The collective-incident rule (server/alerts), counted across nodes: records that `member`
   * mentioned `subject` at `at` (a member's newer mention replaces its older one), forgets
   * mentions older than `windowMs` before `at`, and answers how many members mentioned it within
   * the window and the newest `max` of them, oldest first. A subject nobody mentions for
   * `windowMs` lapses by itself.
   */
  mention(subject: string, member: string, at: number, windowMs: number, max: number): Promise<{ count: number; members: string[] }>;
}
