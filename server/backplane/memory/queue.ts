import type { Accepted, ClaimOutcome, ClaimRefusal, Offer, OfferRefusal, QueueEntry, QueuePort, Rejected, Unclaimed } from '../queue-port.ts';
import { copy, type SharedState } from './state.ts';

/** The queue, offers and holds of the embedded node, over the lawyers' state it shares with presence. */
export class MemoryQueue implements QueuePort {
  constructor(private readonly s: SharedState) {}

  async enqueue(entry: QueueEntry, front = false): Promise<void> {
    this.put(entry, front);
  }

  async dequeue(consultationId: string): Promise<{ entry?: QueueEntry; withdrawn?: Offer }> {
    const entry = this.s.queue.get(consultationId);
    if (!entry) return {};
    this.unqueue(consultationId);
    const withdrawn = this.s.withdraw(consultationId);
    return { entry, ...(withdrawn ? { withdrawn } : {}) };
  }

  async listQueue(): Promise<QueueEntry[]> {
    const key = (e: QueueEntry) => this.s.order.get(e.consultationId) as number;
    return [...this.s.queue.values()].sort((a, b) => b.priority - a.priority || key(a) - key(b)).map((x) => copy(x));
  }

  async offer(consultationId: string, lawyerId: string, expiresAt: number, now: number): Promise<ClaimOutcome<OfferRefusal>> {
    const entry = this.s.queue.get(consultationId);
    if (!entry) return { ok: false, reason: 'not-queued' };
    if (this.s.offers.has(consultationId)) return { ok: false, reason: 'already-offered' };
    const p = this.s.lawyers.get(lawyerId);
    if (!p) return { ok: false, reason: 'not-on-duty' };
    if (p.state !== 'available') return { ok: false, reason: 'not-available' };
    if (p.load >= p.capacity) return { ok: false, reason: 'no-capacity' };
    if (entry.declinedBy.includes(lawyerId)) return { ok: false, reason: 'declined-before' };
    this.s.offers.set(consultationId, { consultationId, lawyerId, expiresAt });
    p.load++;
    p.lastOfferAt = now;
    return { ok: true };
  }

  async accept(consultationId: string, lawyerId: string, now: number): Promise<Accepted> {
    const offer = this.s.offers.get(consultationId);
    if (!offer || offer.lawyerId !== lawyerId) return { ok: false, reason: 'no-offer' };
    this.s.offers.delete(consultationId);
    const entry = this.s.queue.get(consultationId);
    this.unqueue(consultationId);
    const p = this.s.lawyers.get(lawyerId);
    // The offer's unit of load becomes the held consultation's, unless a hold of it was already counted.
    if (!this.s.hold(lawyerId, consultationId) && p && p.load > 0) p.load--;
    if (p) {
      p.lastAssignedAt = now;
      p.missedOffers = 0;
    }
    return { ok: true, offer: copy(offer), ...(entry ? { entry } : {}) };
  }

  async reject(consultationId: string, lawyerId: string, outcome: 'declined' | 'timeout'): Promise<Rejected> {
    const offer = this.s.offers.get(consultationId);
    if (!offer || offer.lawyerId !== lawyerId) return { ok: false };
    this.s.withdraw(consultationId);
    this.s.queue.get(consultationId)?.declinedBy.push(lawyerId);
    const p = this.s.lawyers.get(lawyerId);
    if (p) p.missedOffers = outcome === 'timeout' ? p.missedOffers + 1 : 0;
    return { ok: true, offer: copy(offer), ...(p ? { presence: copy(p) } : {}) };
  }

  async claim(consultationId: string, lawyerId: string, now: number): Promise<ClaimOutcome<ClaimRefusal> & { entry?: QueueEntry }> {
    const entry = this.s.queue.get(consultationId);
    if (!entry) return { ok: false, reason: 'not-queued' };
    if (this.s.offers.has(consultationId)) return { ok: false, reason: 'already-offered' };
    const p = this.s.lawyers.get(lawyerId);
    if (p && p.load >= p.capacity) return { ok: false, reason: 'no-capacity' };
    this.unqueue(consultationId);
    const added = this.s.hold(lawyerId, consultationId);
    if (p) {
      if (added) p.load++;
      p.lastAssignedAt = now;
    }
    return { ok: true, entry };
  }

  async hold(lawyerId: string, consultationId: string): Promise<void> {
    if (!this.s.hold(lawyerId, consultationId)) return;
    const p = this.s.lawyers.get(lawyerId);
    if (p) p.load++;
  }

  async release(lawyerId: string, consultationId: string): Promise<void> {
    this.unhold(lawyerId, consultationId);
  }

  async unclaim(entry: QueueEntry): Promise<Unclaimed> {
    const released = [...(this.s.holders.get(entry.consultationId) ?? [])];
    for (const lawyerId of released) this.unhold(lawyerId, entry.consultationId);
    const added = !this.s.queue.has(entry.consultationId);
    if (added) this.put(entry, false);
    return { released, added };
  }

  async listOffers(): Promise<Offer[]> {
    return [...this.s.offers.values()].map((x) => copy(x));
  }

  async expiredOffers(now: number): Promise<Offer[]> {
    return [...this.s.offers.values()].filter((o) => o.expiresAt <= now).map((x) => copy(x));
  }

  async withdrawOffers(lawyerId: string): Promise<Offer[]> {
    if (this.s.lawyers.get(lawyerId)?.state !== 'reconnecting') return [];
    const theirs = [...this.s.offers.values()].filter((o) => o.lawyerId === lawyerId);
    for (const o of theirs) this.s.withdraw(o.consultationId);
    return theirs;
  }

  private put(entry: QueueEntry, front: boolean): void {
    this.s.queue.set(entry.consultationId, copy(entry));
    this.s.order.set(entry.consultationId, front ? -1e15 + this.s.frontCounter++ : entry.enqueuedAt);
  }

  /** Takes it from what the lawyer holds, and their unit of load with it. */
  private unhold(lawyerId: string, consultationId: string): void {
    if (!this.s.unhold(lawyerId, consultationId)) return;
    const p = this.s.lawyers.get(lawyerId);
    if (p && p.load > 0) p.load--;
  }

  private unqueue(consultationId: string): void {
    this.s.queue.delete(consultationId);
    this.s.order.delete(consultationId);
  }
}
