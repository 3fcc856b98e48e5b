import { CloseCode } from '../../protocol/errors.ts';
import type { Logger } from '../log.ts';
import type { DutyService } from '../presence/duty.ts';
import type { RoutingService } from '../routing/service.ts';
import type { SessionRegistry } from '../session/registry.ts';
import type { Store } from '../store/port.ts';
import type { QueuePort } from '../backplane/queue-port.ts';

export interface RecoveryDeps {
  store: Store;
  queue: QueuePort;
  routing: RoutingService;
  duty: DutyService;
  registry: SessionRegistry;
  log: Logger;
}

/**
 * Puts back into the backplane what it lacks, from the store (the truth) and from what this
 * node knows: at start (the embedded node restarted, or the first node of a cluster), and
 * when the backplane forgot this node (Redis restarted empty), after which every session of
 * this node starts over from a snapshot, since pushes meant for it were lost.
 */
export class Recovery {
  private stopped = false;

  constructor(private readonly deps: RecoveryDeps) {}

  /** Holds of active consultations, and queued consultations the backplane does not have. */
  async rebuild(): Promise<void> {
    const { store, queue, routing } = this.deps;
    for (const c of await store.listConsultations({ states: ['picked', 'active'] })) if (c.lawyer && c.channel === 'text') await queue.hold(c.lawyer.id, c.id);
    const queued = new Set((await queue.listQueue()).map((e) => e.consultationId));
    for (const c of (await store.listConsultations({ states: ['queued'] })).reverse()) if (!queued.has(c.id) && c.channel === 'text') await routing.enqueue(c);
  }

  lost(reason: string): void {
    this.deps.log.warn({ reason }, 'pushes to this node were lost: rebuilding shared state from the store; then every session starts over');
    void this.recover();
  }

  stop(): void {
    this.stopped = true;
  }

  private async recover(): Promise<void> {
    // Redis may be back on one connection and not yet on another: try until the rebuild goes through.
    for (let attempt = 0; !this.stopped; attempt++) {
      try {
        await this.rebuild();
        await this.deps.duty.reassert();
        break;
      } catch (e) {
        this.deps.log.warn({ err: e, attempt }, 'rebuilding shared state failed; trying again');
        await new Promise((r) => setTimeout(r, Math.min(2000, 50 * 2 ** attempt)));
      }
    }
    if (!this.stopped) this.deps.registry.startOver(CloseCode.SERVER_ERROR, 'start over: reconnect');
  }
}
