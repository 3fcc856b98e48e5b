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
 * backplane calls, each given up at its deadline; a conversion to a message consultation takes
 * it out of the queue, then writes the record: one store write. PostgreSQL's answer may come
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
  /** Said once that a lawyer's hold keeps it out. */
  reported: boolean;
}

/**
 * Puts back into the live queue what a node that stopped left out of it. Every step that makes
 * a live consultation queued writes the store, then the queue (a request, a lawyer dropping it,
 * a transfer): a node killed in between leaves it queued in the store and in no queue, and no
 * lawyer is offered it (a resent request only finds it). Recovery puts such ones back only when
 * a node starts or Redis forgot everything; this does it within `graceMs` plus two passes.
 *
 * A consultation is put back only once seen out of the queue, with the same write of its record,
 * over `graceMs` (the in-progress steps above, and an accept whose record is being written, last
 * less), and only if the backplane has it nowhere (`enqueueIfAbsent`): one queued, offered or held
 * stays as it is. Its record is read again after, so one taken, ended or converted meanwhile goes
 * back out (`LiveQueue.restore`). A message consultation is the message desk's.
 *
 * Left open: a node killed between writing a requeue and releasing the lawyer's hold leaves the
 * hold, and it is left alone (it cannot be told from an accept being written): logged once.
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
      const missing = before?.updatedAt === c.updatedAt ? before : { since: now, updatedAt: c.updatedAt, reported: false };
      seen.set(c.id, missing);
      if (now - missing.since < graceMs) continue;
      const found = await routing.restore(c);
      if (found === 'added') {
        seen.delete(c.id);
        log.warn({ consultationId: c.id, outOfQueueMs: now - missing.since }, 'queue reconciler: a queued consultation was in no queue (its node stopped between the write and the enqueue): put back');
      } else if (found === 'held' && !missing.reported) {
        missing.reported = true;
        log.warn({ consultationId: c.id, outOfQueueMs: now - missing.since }, 'queue reconciler: a queued consultation is held by a lawyer in the backplane but not in the store: left alone');
      }
    }
    this.missing = seen;
  }
}
