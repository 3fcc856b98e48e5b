import { TokenBucket } from '../../protocol/rate.ts';

/**
 * Sends frames no faster than the server's token bucket refills (the limits its hello reply
 * advertised), so none is dropped for going over the rate: the server drops such frames unread
 * and answers none of them. Half the server's burst is used, leaving the rest for frames that
 * the network delivers bunched together.
 */
export class Pacer {
  private bucket: TokenBucket | undefined;
  private queue: (() => void)[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;

  /** From the hello reply; until then (and against a server that does not say) frames go at once. */
  configure(limits: { ratePerSec: number; rateBurst: number } | undefined): void {
    this.bucket = limits && new TokenBucket(limits.ratePerSec, Math.max(1, Math.floor(limits.rateBurst / 2)), Date.now());
  }

  /** Runs `send` now if the budget allows, else once it does, after those queued before it. */
  run(send: () => void): void {
    if (!this.bucket || (this.queue.length === 0 && this.bucket.take(Date.now()))) return send();
    this.queue.push(send);
    this.schedule();
  }

  /** The connection is gone: what was waiting is dropped (requests are failed, the outbox resends). */
  clear(): void {
    this.queue = [];
    clearTimeout(this.timer);
    this.timer = undefined;
    this.bucket = undefined;
  }

  private schedule(): void {
    if (this.timer || !this.bucket) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      while (this.queue.length > 0 && this.bucket?.take(Date.now())) this.queue.shift()?.();
      if (this.queue.length > 0) this.schedule();
    }, this.bucket.waitMs(Date.now()));
  }
}
