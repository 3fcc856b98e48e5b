import { ErrorCode } from '../../protocol/errors.ts';
import { err, ok, type Result } from '../../protocol/result.ts';
import type { Backplane } from '../backplane/port.ts';
import type { AuthFailure } from './identity.ts';

/** A lawyer may have at most three assistants (national lawyer-platform rule). */
export const MAX_ASSISTANTS = 3;

type Seats = Pick<Backplane, 'claimAssistantSeat' | 'releaseAssistantSeat' | 'renewAssistantSeats'>;

/**
 * Active assistants per lawyer, counted across the cluster: an assistant is active while any
 * of their sessions lives, on any node (several devices count once). The seat is in the
 * backplane; this node counts its own sessions per seat, renews its seats while they live,
 * and a claim returns the release to call when that session ends.
 */
export class AssistantRegistry {
  /** "<lawyerId>|<assistantId>" -> sessions on this node. */
  private readonly sessions = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly seats: Seats,
    private readonly nodeId: string,
    private readonly now: () => number = Date.now,
    private readonly ttlMs = 30_000,
  ) {}

  /** Keeps this node's seats alive; a node that dies frees them within `ttlMs`. */
  start(): void {
    this.timer = setInterval(() => void this.renew(), Math.floor(this.ttlMs / 3));
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async claim(lawyerId: string, assistantId: string): Promise<Result<() => void, AuthFailure>> {
    const key = `${lawyerId}|${assistantId}`;
    const held = this.sessions.get(key) ?? 0;
    // Counted before the await, so a second device racing the first does not release early.
    this.sessions.set(key, held + 1);
    const now = this.now();
    let seated: boolean;
    try {
      seated = await this.seats.claimAssistantSeat(lawyerId, assistantId, this.nodeId, MAX_ASSISTANTS, now + this.ttlMs, now);
    } catch (e) {
      // The seats cannot be counted (Redis unreachable): a failed hello the client retries, not a refusal.
      this.drop(lawyerId, assistantId);
      throw e;
    }
    if (!seated) {
      this.drop(lawyerId, assistantId);
      return err({ code: ErrorCode.ASSISTANT_LIMIT, message: `lawyer ${lawyerId} already has ${MAX_ASSISTANTS} active assistants` });
    }
    let released = false;
    return ok(() => {
      if (released) return;
      released = true;
      this.drop(lawyerId, assistantId);
    });
  }

  private drop(lawyerId: string, assistantId: string): void {
    const key = `${lawyerId}|${assistantId}`;
    const left = (this.sessions.get(key) ?? 0) - 1;
    if (left > 0) return void this.sessions.set(key, left);
    this.sessions.delete(key);
    void this.seats.releaseAssistantSeat(lawyerId, assistantId, this.nodeId).catch(() => undefined);
  }

  private async renew(): Promise<void> {
    const held = [...this.sessions.keys()].map((key) => {
      const [lawyerId, assistantId] = key.split('|') as [string, string];
      return { lawyerId, assistantId };
    });
    await this.seats.renewAssistantSeats(this.nodeId, held, this.now() + this.ttlMs).catch(() => undefined);
  }
}
