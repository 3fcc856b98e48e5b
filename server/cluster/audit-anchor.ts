import type { Logger } from '../log.ts';
import type { AuditAnchor, Store } from '../store/port.ts';

export interface AuditAnchorDeps {
  store: Pick<Store, 'auditHead'>;
  log: Logger;
  /** Called with each new head, for the metric. */
  published: (head: AuditAnchor) => void;
  everyMs: number;
}

/**
 * Publishes the audit chain's head outside the store, in the log (which ships elsewhere) and
 * as a metric (which a monitoring system keeps), whenever it moved. A chain verifies however
 * many records were cut from its tail; a head published before the cut names a record the cut
 * chain lacks, so `npm run audit:verify -- --anchors-from <log>` catches it. Every node of a
 * cluster publishes the same head: more copies, nothing to coordinate.
 */
export class AuditAnchorPublisher {
  private timer: NodeJS.Timeout | undefined;
  private last: AuditAnchor | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly deps: AuditAnchorDeps) {}

  start(): void {
    void this.tick();
    this.timer = setInterval(() => void this.tick(), this.deps.everyMs);
    this.timer.unref();
  }

  /** One last publication at shutdown, so a node's log ends with the head it saw. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.tick();
  }

  tick(): Promise<void> {
    this.running ??= this.publish()
      .catch((e) => this.deps.log.warn({ err: e }, 'audit anchor: could not read the chain head; trying again next time'))
      .finally(() => (this.running = undefined));
    return this.running;
  }

  private async publish(): Promise<void> {
    const head = await this.deps.store.auditHead();
    if (!head || (head.index === this.last?.index && head.hash === this.last.hash)) return;
    this.last = head;
    this.deps.published(head);
    this.deps.log.info({ auditHead: head }, 'audit chain head');
  }
}
