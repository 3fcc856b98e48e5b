import type { QueuePort } from '../backplane/queue-port.ts';
import { isLive } from '../kernel/notify.ts';
import type { Logger } from '../log.ts';
import type { RoutingService } from '../routing/service.ts';
import type { Store } from '../store/port.ts';

/**
 * How often the leading node compares the store's queued consultations with the queue: each
 * pass is one indexed listing of the queued ones (a handful: those waiting now) and one read of
 * the queue, what the message desk already does on each of its ticks.
 */
export const RECONCILE_EVERY_MS = 1000;

/**
 * How long a stored queued live consultation may be out of the queue before it is put back: the
 * longest a write in progress leaves it so. A requeue (a lawyer dropped it, a transfer) writes
 * the record, then releases the lawyer's hold and enqueues: up to the store's answer and two
 * backplane calls, each given up at its deadline; a pick or an accept takes it into the lawyer's
 * hold, then writes the record, and puts it back if the write fails: one store write and one
 * backplane call; a conversion to a message consultation takes it out of the queue, then writes
 * the record: one store write. PostgreSQL's answer may come
 * half a second after its statement deadline (the pool's client margin) and an event loop busy
 * with a burst of requests adds to each: one second covers both. Defaults: 2 s + 2 × 1 s + 1 s
 * = 5 s. The file store has no deadline; its writes are given PostgreSQL's default one.
 */
export function reconcileGraceMs(deadlines: { storeWriteMs: number; backplaneCallMs: number }): number {
  return deadlines.storeWriteMs + 2 * deadlines.backplaneCallMs + 1000;
}

export interface QueueReconcilerDeps {
  store: Store;
  queue: QueuePort;
  routing: RoutingService;
  log: Logger;
  now: () => number;
  /** A consultation seen out of the queue this long is put back (`reconcileGraceMs`). */
  graceMs: number;
  periodMs?: number;
  /** In a cluster only the node leading the deployment's jobs runs it (one listing, not one per node). */
  leads?: () => boolean;
}

/** A consultation seen stored as queued and out of the queue: since when, and which write of it. */
interface Missing {
  since: number;
  updatedAt: number;
}

/**
 * Puts back into the live queue what a node that stopped, or a write that failed, left out of
 * it. Every step that makes a live consultation queued writes the store, then the queue (a
 * request, a lawyer dropping it, a transfer): a node killed in between leaves it queued in the
 * store and in no queue, and no lawyer is offered it (a resent request only finds it). A pick
 * or an accept takes it from the queue into the lawyer's hold, then writes the record: a node
 * killed in between, or a write that failed when putting it back failed too, leaves it queued
 * in the store and held in the backplane, and a held one is never offered. Recovery puts such
 * ones back only when a node starts or Redis forgot everything; this does it within `graceMs`
 * plus two passes.
 *
 * A consultation is put back only once seen out of the queue, with the same write of its record,
 * over `graceMs`: longer than any of the steps above takes while its node lives, each bounded by
 * the deadlines of the store and the backplane. Then every hold of it goes and it is queued
 * unless it is already (`QueuePort.unclaim`). Its record is read again after, so one taken,
 * ended or converted meanwhile goes back out, and one taken goes back to its lawyer's hold
 * (`LiveQueue.unclaim`). A message consultation is the message desk's.
 */
export class QueueReconciler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private missing = new Map<string, Missing>();

  constructor(private readonly deps: QueueReconcilerDeps) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.deps.periodMs ?? RECONCILE_EVERY_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One pass; passes never overlap. */
  tick(): Promise<void> {
    this.running ??= this.pass()
      .catch((e) => this.deps.log.error({ err: e }, 'queue reconciler: pass failed; trying again next pass'))
      .finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<void> {
    const { store, queue, routing, log, graceMs } = this.deps;
    if (this.deps.leads?.() === false) {
      // Another node counts from its own first sight; ours is stale by the time the role returns.
      this.missing.clear();
      return;
    }
    const stored = await store.listConsultations({ states: ['queued'] });
    const queued = new Set((await queue.listQueue()).map((e) => e.consultationId));
    const now = this.deps.now();
    const seen = new Map<string, Missing>();
    // Oldest first: put back in the order they were asked for.
    for (const c of stored.reverse()) {
      if (!isLive(c) || queued.has(c.id)) continue;
      const before = this.missing.get(c.id);
      const missing = before?.updatedAt === c.updatedAt ? before : { since: now, updatedAt: c.updatedAt };
      seen.set(c.id, missing);
      if (now - missing.since < graceMs) continue;
      const { released, added, gone } = await routing.unclaim(c);
      if (gone) continue;
      seen.delete(c.id);
      const outOfQueueMs = now - missing.since;
      if (released.length) {
        log.warn({ consultationId: c.id, heldBy: released, outOfQueueMs }, 'queue reconciler: a queued consultation was held by a lawyer whose claim never reached the record (its node stopped, or its write failed): released and put back');
      } else if (added) {
        log.warn({ consultationId: c.id, outOfQueueMs }, 'queue reconciler: a queued consultation was in no queue (its node stopped between the write and the enqueue): put back');
      }
    }
    this.missing = seen;
  }
}
