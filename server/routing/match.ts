import type { LawyerQuery, Reach, Strategy } from '../backplane/eligibility.ts';
import type { QueueEntry } from '../backplane/queue-port.ts';

export { STRATEGIES, type Strategy, type Reach } from '../backplane/eligibility.ts';

export interface Widening {
  /** Waited this long: any lawyer of the same province (GB/T 2260: first two digits). */
  provinceAfterMs: number;
  /** Waited this long: any lawyer in the country. */
  nationalAfterMs: number;
}

/** How far a request has widened after waiting `waitedMs`. */
export function reachAfter(waitedMs: number, widening: Widening): Reach {
  if (waitedMs >= widening.nationalAfterMs) return 'national';
  if (waitedMs >= widening.provinceAfterMs) return 'province';
  return 'city';
}

/** The backplane query for one queued consultation at `now`: a chosen lawyer, while the choice holds, is the only one (wherever they are). */
export function queryFor(entry: QueueEntry, now: number, widening: Widening, strategy: Strategy, limit: number): LawyerQuery {
  const chosen = entry.preferredLawyerId !== undefined && now < (entry.preferredUntil ?? Infinity);
  return { entry, reach: reachAfter(now - entry.enqueuedAt, widening), strategy, limit, ...(chosen ? { only: entry.preferredLawyerId } : {}) };
}
