import type { ClaimOutcome } from './queue-port.ts';

/**
 * A lawyer's one voice or video call, apart from their text capacity: at most one
 * consultation holds it at a time, whichever node asks.
 */
export interface CallPort {
  /**
   * Claiming again for the same consultation renews it; the claim lapses at `until`, so a call
   * whose node died frees the lawyer on its own. A call keeps renewing while it runs.
   */
  claimCall(lawyerId: string, consultationId: string, until: number, now: number): Promise<ClaimOutcome<'in-call'> & { holder?: string }>;
  /** Ends the call if this consultation holds it; idempotent. */
  endCall(lawyerId: string, consultationId: string): Promise<void>;
}
