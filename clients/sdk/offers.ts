import type { PushData } from '../../protocol/frames.ts';

type Offer = PushData<'offer'>;
type Ended = PushData<'offer.ended'>;

/**
 * Ended offers remembered. An end outruns its offer by at most the lag between two nodes'
 * deliveries (a batch per event-loop turn each, milliseconds; seconds while Redis reconnects),
 * and a lawyer is offered at most one consultation per capacity slot at a time, each for tens
 * of seconds: 256 covers hours of offers, at ~40 bytes each.
 */
const REMEMBERED = 256;

const key = (consultationId: string, expiresAt: number) => `${consultationId}\u0000${expiresAt}`;

/**
 * The offers ringing on this device. In a cluster an `offer` and its `offer.ended` may be
 * pushed by two nodes, each delivering its own pushes, and reach the device in either order;
 * an offer shown after its end would ring for nothing until it timed out. An end names its
 * offer (consultation and `expiresAt`) and is remembered: the offer it names is dropped when it
 * arrives. An end of an older offer of a consultation leaves a newer one ringing.
 */
export class OfferBook {
  private readonly ringing = new Map<string, Offer>();
  /** Ended offers' keys, oldest first (a Set keeps insertion order). */
  private readonly ended = new Set<string>();

  /** An offer arrived: true if it rings, false if it has already ended. */
  offered(offer: Offer): boolean {
    if (this.ended.has(key(offer.consultation.id, offer.expiresAt))) return false;
    this.ringing.set(offer.consultation.id, offer);
    return true;
  }

  /**
   * An offer ended: true unless it names an offer other than the one ringing for its
   * consultation (an older one, whose end arrived late). One that names none (a server from
   * before `expiresAt` was sent) ends whatever rings for the consultation.
   */
  end(ended: Ended): boolean {
    const ringing = this.ringing.get(ended.consultationId);
    if (ended.expiresAt !== undefined) {
      this.remember(key(ended.consultationId, ended.expiresAt));
      if (ringing && ringing.expiresAt !== ended.expiresAt) return false;
    }
    this.ringing.delete(ended.consultationId);
    return true;
  }

  /** A new session: the server pushes the offers still out again, and the ends of the others were lost with the old one. */
  startOver(): void {
    this.ringing.clear();
  }

  /** What a previous client on the same store had ringing, except what has expired since. */
  restore(offers: readonly Offer[], now: number): void {
    for (const offer of offers) if (offer.expiresAt > now) this.ringing.set(offer.consultation.id, offer);
  }

  list(): Offer[] {
    return [...this.ringing.values()];
  }

  private remember(k: string): void {
    this.ended.delete(k);
    this.ended.add(k);
    for (const oldest of this.ended) {
      if (this.ended.size <= REMEMBERED) break;
      this.ended.delete(oldest);
    }
  }
}
