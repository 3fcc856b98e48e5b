import { randomBytes } from 'node:crypto';
import type { PushData, PushEvent, PushFrame, ServerFrame } from '../../protocol/frames.ts';
import type { Identity } from '../auth/identity.ts';

/** Where a session's frames go while it is attached: one WebSocket connection. */
export interface Transport {
  send(frame: ServerFrame): void;
  close(code: number, reason: string): void;
}

export interface SessionLimits {
  /** Unacknowledged pushes kept for resume; past it the client is too slow to keep. */
  bufferMax: number;
  onOverflow: (session: Session) => void;
  /**
   * Pushes held, all together, by this node's disconnected sessions waiting out the resume
   * window; past it the longest-gone ones are dropped (their clients get a snapshot).
   * Default `DETACHED_HOLD_MAX` (registry.ts).
   */
  detachedHoldMax?: number;
}

/**
 * One signed-in user's stream of pushes, outliving any single connection for the resume
 * window. Every push gets the next `seq` and stays in `unacked` until the client acks it
 * cumulatively, so a resume can replay exactly what was missed, in order, once.
 */
export class Session {
  readonly id = randomBytes(16).toString('base64url');
  private seq = 0;
  /** Pushes not yet acked, ascending seq; `head` skips acked ones without shifting. */
  private unacked: PushFrame[] = [];
  private head = 0;
  private transport: Transport | undefined;
  /** True once the buffer overflowed: the session can no longer be resumed faithfully. */
  overflowed = false;
  /** Signed out (`session.end`): dropped when its connection closes, never kept for a resume. */
  ended = false;
  releaseOnDestroy: (() => void) | undefined;

  constructor(
    public identity: Identity,
    private readonly limits: SessionLimits,
  ) {}

  get lastSeq(): number {
    return this.seq;
  }

  get attached(): boolean {
    return this.transport !== undefined;
  }

  pendingCount(): number {
    return this.unacked.length - this.head;
  }

  push<E extends PushEvent>(event: E, data: PushData<E>): void {
    if (this.overflowed) return;
    if (this.pendingCount() >= this.limits.bufferMax) {
      this.overflowed = true;
      this.limits.onOverflow(this);
      return;
    }
    const frame = { type: 'push', seq: ++this.seq, event, data } as PushFrame;
    this.unacked.push(frame);
    this.transport?.send(frame);
  }

  /** Cumulative: everything up to `seq` arrived. Acks beyond what was sent are capped. */
  ack(seq: number): void {
    const upTo = Math.min(seq, this.seq);
    while (this.head < this.unacked.length && (this.unacked[this.head] as PushFrame).seq <= upTo) {
      this.unacked[this.head++] = undefined as unknown as PushFrame;
    }
    if (this.head === this.unacked.length) {
      this.unacked = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.unacked.length) {
      this.unacked = this.unacked.slice(this.head);
      this.head = 0;
    }
  }

  /** A client that has processed pushes up to `lastSeq` can resume iff we still hold all after it. */
  canResumeFrom(lastSeq: number): boolean {
    if (this.overflowed || lastSeq > this.seq) return false;
    const oldestHeld = this.pendingCount() > 0 ? (this.unacked[this.head] as PushFrame).seq : this.seq + 1;
    return lastSeq >= oldestHeld - 1;
  }

  attach(transport: Transport): void {
    this.transport = transport;
  }

  /** Sends the held pushes after `lastSeq`; called right after the hello reply of a resume. */
  replayAfter(lastSeq: number): void {
    this.ack(lastSeq);
    for (let i = this.head; i < this.unacked.length; i++) this.transport?.send(this.unacked[i] as PushFrame);
  }

  /** Detaches only if `transport` is still the current one (a superseding connection may have taken over). */
  detach(transport: Transport): boolean {
    if (this.transport !== transport) return false;
    this.transport = undefined;
    return true;
  }

  /** The connection currently attached, to supersede or close it. */
  current(): Transport | undefined {
    return this.transport;
  }
}
