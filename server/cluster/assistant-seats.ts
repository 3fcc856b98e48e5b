import { ErrorCode } from '../../protocol/errors.ts';
import { err, ok, type Result } from '../../protocol/result.ts';
import type { AuthFailure } from '../auth/identity.ts';
import type { AssistantSeat, CoordinationPort } from '../backplane/coordination-port.ts';
import type { Logger } from '../log.ts';
import type { AssistantSeats } from '../session/hello.ts';

/** A lawyer may have at most three assistants (national lawyer-platform rule). */
export const MAX_ASSISTANTS = 3;

type Seats = Pick<CoordinationPort, 'claimAssistantSeat' | 'releaseAssistantSeat' | 'renewAssistantSeats'>;

export interface AssistantRegistryOptions {
  nodeId: string;
  log: Logger;
  /** A seat lapsed and the lawyer's seats were taken meanwhile: end this assistant's sessions here. */
  onSeatLost: (seat: AssistantSeat) => void;
  now?: () => number;
  ttlMs?: number;
}

/**
 * Active assistants per lawyer, counted across the cluster: an assistant is active while any
 * of their sessions lives, on any node (several devices count once). The seat is in the
 * backplane; this node counts its own sessions per seat, renews its seats while they live,
 * and a claim returns the release to call when that session ends.
 */
export class AssistantRegistry implements AssistantSeats {
  /** "<lawyerId>|<assistantId>" -> sessions on this node, counted from the start of their claim. */
  private readonly sessions = new Map<string, number>();
  /** Keys whose seat was granted: what the renewals keep alive. */
  private readonly seated = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;
  private readonly ttlMs: number;

  constructor(
    private readonly seats: Seats,
    private readonly options: AssistantRegistryOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.ttlMs = options.ttlMs ?? 30_000;
  }

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
    let seated: boolean;
    try {
      seated = await this.take({ lawyerId, assistantId });
    } catch (e) {
      // The seats cannot be counted (Redis unreachable): a failed hello the client retries, not a refusal.
      this.drop(lawyerId, assistantId);
      throw e;
    }
    if (!seated) {
      this.drop(lawyerId, assistantId);
      return err({ code: ErrorCode.ASSISTANT_LIMIT, message: `lawyer ${lawyerId} already has ${MAX_ASSISTANTS} active assistants` });
    }
    this.seated.add(key);
    let released = false;
    return ok(() => {
      if (released) return;
      released = true;
      this.drop(lawyerId, assistantId);
    });
  }

  private take({ lawyerId, assistantId }: AssistantSeat): Promise<boolean> {
    const now = this.now();
    return this.seats.claimAssistantSeat(lawyerId, assistantId, this.options.nodeId, MAX_ASSISTANTS, now + this.ttlMs, now);
  }

  private drop(lawyerId: string, assistantId: string): void {
    const key = `${lawyerId}|${assistantId}`;
    const left = (this.sessions.get(key) ?? 0) - 1;
    if (left > 0) return void this.sessions.set(key, left);
    this.sessions.delete(key);
    this.seated.delete(key);
    this.seats.releaseAssistantSeat(lawyerId, assistantId, this.options.nodeId).catch((e: unknown) => {
      // It lapses by itself within ttlMs; until then it counts against the lawyer's three.
      this.options.log.warn({ err: e, lawyerId, assistantId }, 'assistant seat could not be released; it lapses within 30 s');
    });
  }

  private async renew(): Promise<void> {
    const held = [...this.seated].map((key) => {
      const [lawyerId, assistantId] = key.split('|') as [string, string];
      return { lawyerId, assistantId };
    });
    let lost: AssistantSeat[];
    try {
      lost = await this.seats.renewAssistantSeats(this.options.nodeId, held, this.now() + this.ttlMs);
    } catch (e) {
      this.options.log.warn({ err: e, seats: held.length }, 'assistant seats could not be renewed; past 30 s without a renewal they lapse and are claimed again');
      return;
    }
    await Promise.all(lost.map((seat) => this.reclaim(seat)));
  }

  /**
   * A seat that lapsed (renewals failed for a whole ttl, or the backplane lost it) is claimed
   * again, as a hello would claim it; if the lawyer's seats were taken meanwhile, this
   * assistant is the one over the cap and must go.
   */
  private async reclaim(seat: AssistantSeat): Promise<void> {
    // Its sessions may have ended while the renewal was out.
    if (!this.seated.has(`${seat.lawyerId}|${seat.assistantId}`)) return;
    let seated: boolean;
    try {
      seated = await this.take(seat);
    } catch (e) {
      this.options.log.warn({ err: e, ...seat }, 'lapsed assistant seat could not be claimed again; trying at the next renewal');
      return;
    }
    if (seated) return this.options.log.info(seat, 'assistant seat had lapsed and was claimed again');
    this.options.log.warn(seat, `assistant seat had lapsed and the lawyer has ${MAX_ASSISTANTS} other active assistants now: ending this assistant's sessions`);
    this.options.onSeatLost(seat);
  }
}
