const RECENT = 50;
/** Before anything was handled: a typical text consultation. */
const DEFAULT_HANDLING_MS = 5 * 60_000;

/**
 * Estimated wait from recent handling times: the citizen at `position` waits for that many
 * consultations to finish, spread over the lawyers' free slots of the category.
 */
export class WaitEstimator {
  private readonly recent: number[] = [];
  private next = 0;
  /** The median, kept until the next handled consultation: a report asks once per queued entry. */
  private median: number | undefined;

  /** A consultation was handled (accepted to closed) in `ms`. */
  handled(ms: number): void {
    if (!(ms >= 0)) return;
    if (this.recent.length < RECENT) this.recent.push(ms);
    else this.recent[this.next] = ms;
    this.next = (this.next + 1) % RECENT;
    this.median = undefined;
  }

  typicalHandlingMs(): number {
    if (!this.recent.length) return DEFAULT_HANDLING_MS;
    if (this.median === undefined) {
      const sorted = [...this.recent].sort((a, b) => a - b);
      this.median = sorted[Math.floor(sorted.length / 2)] as number;
    }
    return this.median;
  }

  /** With no lawyer serving the category the estimate is unknown; we say one handling time per place. */
  estimate(position: number, servingSlots: number): number {
    return Math.round((position * this.typicalHandlingMs()) / Math.max(1, servingSlots));
  }
}
