import type { QueueEntry, QueuePort, Unclaimed } from '../backplane/queue-port.ts';
import { isLive } from '../kernel/notify.ts';
import { OPEN_STATES, type Store } from '../store/port.ts';
import type { Router } from './router.ts';

/**
 * How routing's services (RoutingService, MessageDesk) put a consultation into the live queue
 * and take it out, so that an entry never outlives its request. A cancel writes the store
 * before it dequeues; `enter` enqueues before it reads the store: whatever the interleaving,
 * across nodes too, one of the two sees the other. Read first and enqueued after, a cancel
 * in between found nothing to dequeue and the cancelled request stayed queued for good,
 * offered to lawyer after lawyer (the routing property found it on Redis).
 */
export class LiveQueue {
  constructor(
    private readonly queue: QueuePort,
    private readonly store: Store,
    private readonly router: Router,
  ) {}

  /**
   * Into the queue (at the front of its priority when `front`), then routed, unless its record
   * says meanwhile that it left the live queue for good: ended (closed, cancelled: never
   * reopened) or a message consultation (a conversion whose failed write landed all the same).
   * One not yet committed, or taken meanwhile, is left to the queue's own claims. A record that
   * cannot be read throws, and the entry stays: a request lost to routing waits for nobody.
   * False when it was taken back out.
   */
  async enter(entry: QueueEntry, front = false): Promise<boolean> {
    await this.queue.enqueue(entry, front);
    const now = await this.store.getConsultation(entry.consultationId);
    if (now && (!OPEN_STATES.includes(now.state) || !isLive(now))) {
      await this.leave(entry.consultationId);
      return false;
    }
    void this.router.kick();
    return true;
  }

  /**
   * Back into the queue after a claim whose record never said so (`QueuePort.unclaim`: every
   * hold of it goes, capacity returns), then routed, unless its record says meanwhile that it no
   * longer waits for a live lawyer. Put back, then read, as `enter` does: a write given up on at
   * its deadline may land all the same, and one that lands before the read is seen here and
   * taken back out, its lawyer holding it again; one that lands after finds the record queued
   * and wins its compare-and-set, and the queue's next claim of it loses its own.
   * `gone`: taken back out.
   */
  async unclaim(entry: QueueEntry): Promise<Unclaimed & { gone: boolean }> {
    const unclaimed = await this.queue.unclaim(entry);
    const now = await this.store.getConsultation(entry.consultationId);
    if (now?.state === 'queued' && isLive(now)) {
      void this.router.kick();
      return { ...unclaimed, gone: false };
    }
    await this.leave(entry.consultationId);
    if (now?.lawyer && isLive(now) && (now.state === 'picked' || now.state === 'active')) await this.queue.hold(now.lawyer.id, now.id);
    void this.router.kick();
    return { ...unclaimed, gone: true };
  }

  /** Out of the queue: its offer, if one is out, withdrawn; what its citizen was told, forgotten. The entry, if it was there. */
  async leave(consultationId: string): Promise<QueueEntry | undefined> {
    const { entry, withdrawn } = await this.queue.dequeue(consultationId);
    this.router.forget(consultationId);
    if (withdrawn) this.router.offerEnded(withdrawn, 'withdrawn');
    return entry;
  }
}
