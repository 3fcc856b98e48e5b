// Every chat message of the soak, by number: sent, acked (durable) or refused, and how many
// times the other party's app was handed it. An hour at 300/s is about a million messages, so
// the book is typed arrays (a byte of flags and a send time each), not a map of ids.
import { Histogram } from '../histogram.ts';

const SENT = 1;
const ACKED = 2;
const REFUSED = 4;
const DELIVERED = 8;
const DOUBLED = 16;

/** Running counts, cumulative since the start. */
export interface MessageCounts {
  sent: number;
  acked: number;
  /** refused by the node (the consultation closed meanwhile): never acked, must never be delivered */
  refused: number;
  delivered: number;
  /** deliveries of a message already delivered once */
  duplicates: number;
  /** deliveries the book cannot place (no number in the body) */
  strays: number;
}

/** The end-of-run check: every acked message delivered to the other party exactly once. */
export interface MessageVerdict {
  acked: number;
  deliveredOnce: number;
  /** acked, never delivered */
  lost: number;
  /** delivered more than once */
  duplicated: number;
  /** refused by the node yet delivered */
  refusedDelivered: number;
  /** neither acked nor refused when the run ended (still in an outbox) */
  pending: number;
}

export class MessageBook {
  private flags = new Uint8Array(1 << 16);
  private sentAt = new Float64Array(1 << 16);
  private count = 0;
  readonly counts: MessageCounts = { sent: 0, acked: 0, refused: 0, delivered: 0, duplicates: 0, strays: 0 };
  /** send -> durable ack, and send -> the other party's app, for the whole run and since the last tick */
  readonly ack = { run: new Histogram(), tick: new Histogram() };
  readonly delivery = { run: new Histogram(), tick: new Histogram() };

  /** A new message's body: its number first, so whoever receives it can find it. */
  send(filler: string): { n: number; body: string } {
    const n = this.count++;
    if (n >= this.flags.length) this.grow();
    this.flags[n] = SENT;
    this.sentAt[n] = performance.now();
    this.counts.sent++;
    return { n, body: `#${n} ${filler}` };
  }

  acked(n: number): void {
    this.flags[n]! |= ACKED;
    this.counts.acked++;
    record(this.ack, (performance.now() - (this.sentAt[n] as number)) * 1000);
  }

  refused(n: number): void {
    this.flags[n]! |= REFUSED;
    this.counts.refused++;
  }

  delivered(body: string): void {
    const n = Number(/^#(\d+) /.exec(body)?.[1] ?? NaN);
    if (!(n >= 0 && n < this.count)) return void this.counts.strays++;
    const f = this.flags[n] as number;
    if (f & DELIVERED) {
      this.flags[n] = f | DOUBLED;
      this.counts.duplicates++;
      return;
    }
    this.flags[n] = f | DELIVERED;
    this.counts.delivered++;
    record(this.delivery, (performance.now() - (this.sentAt[n] as number)) * 1000);
  }

  /** Acked messages not delivered yet: what the end of the run waits for. */
  undelivered(): number {
    let n = 0;
    for (let i = 0; i < this.count; i++) if (((this.flags[i] as number) & (ACKED | DELIVERED)) === ACKED) n++;
    return n;
  }

  verdict(): MessageVerdict {
    const v: MessageVerdict = { acked: 0, deliveredOnce: 0, lost: 0, duplicated: 0, refusedDelivered: 0, pending: 0 };
    for (let i = 0; i < this.count; i++) {
      const f = this.flags[i] as number;
      if (f & DOUBLED) v.duplicated++;
      if (f & REFUSED && f & DELIVERED) v.refusedDelivered++;
      if (!(f & (ACKED | REFUSED))) v.pending++;
      if (!(f & ACKED)) continue;
      v.acked++;
      if (!(f & DELIVERED)) v.lost++;
      else if (!(f & DOUBLED)) v.deliveredOnce++;
    }
    return v;
  }

  private grow(): void {
    const flags = new Uint8Array(this.flags.length * 2);
    flags.set(this.flags);
    const sentAt = new Float64Array(this.sentAt.length * 2);
    sentAt.set(this.sentAt);
    this.flags = flags;
    this.sentAt = sentAt;
  }
}

function record(h: { run: Histogram; tick: Histogram }, us: number): void {
  h.run.record(us);
  h.tick.record(us);
}
