import { createHmac } from 'node:crypto';
import type { Logger } from '../log.ts';
import type { Counter } from '../metrics.ts';

export interface WebhookConfig {
  url: string;
  /** HMAC-SHA256 key: the receiver checks `X-Lawline-Signature: sha256=<hex of HMAC(secret, body)>`. */
  secret: string;
  /** Deliveries waiting at most (oldest dropped, logged, beyond it). */
  maxQueued?: number;
  /** Attempts per delivery, the first included. */
  attempts?: number;
  /** Wait before the first retry; doubles each time (plus up to 20% jitter). */
  backoffMs?: number;
  timeoutMs?: number;
  /** Deliveries by outcome (`lawline_alert_webhook_total`). */
  outcomes?: Counter;
}

/** Signs a body the way the receiver checks it. */
export function signature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

interface Delivery {
  body: string;
  priority: boolean;
  attempt: number;
  id: string;
}

/**
 * POSTs alert events (JSON) to the province's system or an SMS gateway: one at a time in order,
 * a priority one (level I) ahead of the rest, retried with exponential backoff on a network
 * error or a status other than 2xx, the queue bounded so a receiver down for hours cannot grow
 * the node's memory (1,000 events: a day of level III+ alerts several times over).
 */
export class WebhookSender {
  private readonly queue: Delivery[] = [];
  private running = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  delivered = 0;
  dropped = 0;
  failed = 0;

  constructor(
    private readonly config: WebhookConfig,
    private readonly log: Logger,
  ) {}

  send(id: string, payload: object, priority: boolean): void {
    if (this.stopped) return;
    const body = JSON.stringify(payload);
    const max = this.config.maxQueued ?? 1000;
    if (this.queue.length >= max) {
      const dropped = this.queue.shift() as Delivery;
      this.dropped++;
      this.config.outcomes?.inc({ outcome: 'dropped' });
      this.log.warn({ alertId: dropped.id, queued: max }, 'alert webhook: queue full, dropped the oldest delivery');
    }
    const d: Delivery = { body, priority, attempt: 0, id };
    if (priority) {
      const at = this.queue.findIndex((q) => !q.priority);
      this.queue.splice(at === -1 ? this.queue.length : at, 0, d);
    } else this.queue.push(d);
    void this.pump();
  }

  /** Deliveries still waiting. */
  get waiting(): number {
    return this.queue.length;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.queue.length = 0;
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (!this.stopped && this.queue.length > 0) {
        const d = this.queue[0] as Delivery;
        d.attempt++;
        const problem = await this.post(d);
        if (problem === undefined) {
          this.queue.shift();
          this.delivered++;
          this.config.outcomes?.inc({ outcome: 'delivered' });
          continue;
        }
        if (d.attempt >= (this.config.attempts ?? 6)) {
          this.queue.shift();
          this.failed++;
          this.config.outcomes?.inc({ outcome: 'failed' });
          this.log.error({ alertId: d.id, attempts: d.attempt, problem }, 'alert webhook: gave up on a delivery');
          continue;
        }
        this.config.outcomes?.inc({ outcome: 'retried' });
        const wait = (this.config.backoffMs ?? 500) * 2 ** (d.attempt - 1) * (1 + Math.random() * 0.2);
        this.log.warn({ alertId: d.id, attempt: d.attempt, problem, retryInMs: Math.round(wait) }, 'alert webhook: delivery failed, will retry');
        await new Promise<void>((resolve) => {
          this.timer = setTimeout(resolve, wait);
          this.timer.unref();
        });
      }
    } finally {
      this.running = false;
    }
  }

  /** undefined when delivered, else what went wrong. */
  private async post(d: Delivery): Promise<string | undefined> {
    try {
      const res = await fetch(this.config.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-lawline-signature': signature(this.config.secret, d.body),
          ...(d.priority ? { 'x-lawline-priority': 'high' } : {}),
        },
        body: d.body,
        signal: AbortSignal.timeout(this.config.timeoutMs ?? 5000),
      });
      await res.arrayBuffer();
      return res.ok ? undefined : `status ${res.status}`;
    } catch (e) {
      return (e as Error).message;
    }
  }
}
