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
    await this.rebuildHolds();
    const queued = new Set((await queue.listQueue()).map((e) => e.consultationId));
    for (const c of (await store.listConsultations({ states: ['queued'] })).reverse()) if (!queued.has(c.id) && c.channel === 'text') await routing.enqueue(c);
  }

  /**
   * Each lawyer's holds, from the store: held, then listed again, and a hold the second listing
   * no longer shows that lawyer holding is released. A consultation closed (or handed on) on
   * another node between the first listing and its hold had nothing to release there yet, and
   * the hold would have kept its lawyer's load up for good; the other node writes the store
   * before it releases, so either the second listing misses it or that release comes after the
   * hold. Two listings, not a read per consultation: a node starts beside thousands of them.
   * Left open: a consultation handed on and taken back by the same lawyer between the second
   * listing and the release loses its hold (a window of one backplane round trip).
   */
  private async rebuildHolds(): Promise<void> {
    const { store, queue } = this.deps;
    const holders = async () => {
      const byId = new Map<string, string>();
      for (const c of await store.listConsultations({ states: ['picked', 'active'] })) if (c.lawyer && c.channel === 'text') byId.set(c.id, c.lawyer.id);
      return byId;
    };
    const held = await holders();
    for (const [id, lawyerId] of held) await queue.hold(lawyerId, id);
    const still = await holders();
    for (const [id, lawyerId] of held) if (still.get(id) !== lawyerId) await queue.release(lawyerId, id);
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
