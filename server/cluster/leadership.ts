import type { CoordinationPort } from '../backplane/coordination-port.ts';
import type { Logger } from '../log.ts';

/**
 * Whether this node runs the deployment's periodic jobs (message SLA timers, roster reminders,
 * queue positions): every node asks the backplane every third of the lease, the one holding
 * the role keeps it, and another takes over within a lease once it stops asking (it died).
 * Jobs read `held`; a node that cannot reach the backplane assumes it does not lead.
 */
export class Leadership {
  private timer: NodeJS.Timeout | undefined;
  private holding = false;
  /** The last ask failed: the next failure is not news. */
  private unanswered = false;

  constructor(
    private readonly coordination: CoordinationPort,
    private readonly holder: string,
    private readonly log: Logger,
    private readonly now: () => number,
    private readonly ttlMs = 10_000,
    private readonly role = 'jobs',
  ) {}

  get held(): boolean {
    return this.holding;
  }

  async start(): Promise<void> {
    await this.ask();
    this.timer = setInterval(() => void this.ask(), Math.max(50, Math.floor(this.ttlMs / 3)));
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.holding = false;
  }

  /**
   * Logged when the answer changes, not on every ask: a Redis outage fails an ask every third
   * of the lease (~3.3 s), and a warning each time buried the outage's first line.
   */
  private async ask(): Promise<void> {
    let held: boolean;
    try {
      held = await this.coordination.lead(this.role, this.holder, this.ttlMs, this.now());
    } catch (e) {
      // Two nodes must not both run the jobs: unsure whether the lease is still ours, step down.
      const was = this.holding;
      this.holding = false;
      if (!this.unanswered) this.log.warn({ err: e, role: this.role, held: was }, 'leadership: could not ask the backplane for the role; not leading until it answers');
      this.unanswered = true;
      return;
    }
    if (this.unanswered) this.log.info({ role: this.role, held }, 'leadership: the backplane answers again');
    else if (this.holding && !held) this.log.warn({ role: this.role }, 'leadership: another node took the role; not leading');
    this.unanswered = false;
    this.holding = held;
  }
}
