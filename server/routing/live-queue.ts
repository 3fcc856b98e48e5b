import type { Presence, QueueEntry, QueuePort } from '../backplane/queue-port.ts';
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
   * Into the queue only if the backplane has it nowhere (not queued, offered or held), then
   * routed, unless its record says meanwhile that it is no longer waiting for a live lawyer:
   * taken, ended, or a message consultation. The same order as `enter` (enqueued, then read),
   * so a cancel or conversion written meanwhile, on any node, is seen here or finds it to take
   * out. 'gone': added, then taken back out.
   */
  async restore(entry: QueueEntry): Promise<Presence | 'gone'> {
    const found = await this.queue.enqueueIfAbsent(entry);
    if (found !== 'added') return found;
    const now = await this.store.getConsultation(entry.consultationId);
    if (!now || now.state !== 'queued' || !isLive(now)) {
      await this.leave(entry.consultationId);
      return 'gone';
    }
    void this.router.kick();
    return 'added';
  }

  /** Out of the queue: its offer, if one is out, withdrawn; what its citizen was told, forgotten. The entry, if it was there. */
  async leave(consultationId: string): Promise<QueueEntry | undefined> {
    const { entry, withdrawn } = await this.queue.dequeue(consultationId);
    this.router.forget(consultationId);
    if (withdrawn) this.router.offerEnded(withdrawn, 'withdrawn');
    return entry;
  }
}
