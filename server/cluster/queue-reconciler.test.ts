import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { overriding, queuedRequest, routingOnFileStore } from '../../test/helpers/routing.ts';
import type { RecordedPushes } from '../../test/helpers/pushes.ts';
import type { Backplane } from '../backplane/port.ts';
import { createLogger } from '../log.ts';
import type { Router } from '../routing/router.ts';
import type { RoutingService } from '../routing/service.ts';
import type { FileStore } from '../store/file/index.ts';
import type { Store } from '../store/port.ts';
import { QueueReconciler } from './queue-reconciler.ts';

// What a node killed between writing a consultation and queueing it leaves: queued in the
// store, in no queue. The reconciler puts it back once seen so for its grace, and leaves
// alone what is in the queue, offered or held, and what is not waiting for a live lawyer.
// On the real file store and the memory backplane; the reconciler's clock is the test's.

const GRACE = 3000;
const L1 = { id: 'L1', role: 'lawyer' as const, name: 'l' };

describe('QueueReconciler', () => {
  let store: FileStore;
  let backplane: Backplane;
  let pushes: RecordedPushes;
  let router: Router;
  let routing: RoutingService;
  let close: () => Promise<void>;
  let clock = 0;
  let leading = true;
  const now = () => 1_700_000_000_000 + clock;
  const record = queuedRequest(now());

  const reconciler = (over: Store = store) => new QueueReconciler({ store: over, queue: backplane.queue, routing, log: createLogger('silent'), now, graceMs: GRACE, leads: () => leading });
  const queued = async () => (await backplane.queue.listQueue()).map((e) => e.consultationId);
  const passAt = async (r: QueueReconciler, ms: number) => {
    clock = ms;
    await r.tick();
    await router.idle();
  };

  /** Out of the queue at the first pass and just before the grace; back at the grace. */
  const putBackAtGrace = async (r: QueueReconciler) => {
    await passAt(r, 0);
    await passAt(r, GRACE - 1);
    expect(await queued()).toEqual([]);
    await passAt(r, GRACE);
    expect(await queued()).toEqual(['c1']);
  };

  beforeEach(async () => {
    clock = 0;
    leading = true;
    const world = await routingOnFileStore(now);
    ({ real: store, backplane, pushes, router, close } = world);
    routing = world.serve(store);
    await world.onDuty('L1');
  });
  afterEach(() => close());

  it('puts back a stored queued consultation that is in no queue once seen so for the grace, and it is offered', async () => {
    await store.createConsultation({ ...record });
    const r = reconciler();
    await putBackAtGrace(r);
    expect(pushes.of('offer').map((p) => p.to)).toEqual(['u:L1']);
    // Offered now: later passes leave the offer as it is.
    await passAt(r, 3 * GRACE);
    expect(await backplane.queue.listOffers()).toMatchObject([{ consultationId: 'c1', lawyerId: 'L1' }]);
    expect(pushes.of('offer')).toHaveLength(1);
    expect((await backplane.presence.getLawyer('L1'))?.load).toBe(1);
  });

  it('counts the grace again from a new write of the record (a requeue in progress)', async () => {
    await store.createConsultation({ ...record });
    const r = reconciler();
    await passAt(r, 0);
    clock = GRACE - 10;
    await store.transition('c1', ['queued'], { state: 'queued', updatedAt: now() });
    await passAt(r, GRACE);
    expect(await queued()).toEqual([]);
    await passAt(r, 2 * GRACE);
    expect(await queued()).toEqual(['c1']);
  });

  it('never queues a message consultation, nor within the grace one held by a lawyer whose claim is being written', async () => {
    await store.createConsultation({ ...record, id: 'm1', channel: 'message' });
    await store.createConsultation({ ...record });
    await routing.enqueue({ ...record });
    await router.idle();
    // Accepted in the backplane; the record's write has not landed yet.
    expect((await backplane.queue.accept('c1', 'L1', now())).ok).toBe(true);
    const r = reconciler();
    await passAt(r, 0);
    await passAt(r, GRACE - 1);
    expect(await queued()).toEqual([]);
    expect((await backplane.presence.getLawyer('L1'))?.load).toBe(1);
    expect((await store.transition('c1', ['queued'], { state: 'active', lawyer: L1, updatedAt: now() })).ok).toBe(true);
    await passAt(r, 3 * GRACE);
    expect(await queued()).toEqual([]);
    expect((await backplane.presence.getLawyer('L1'))?.load).toBe(1);
  });

  it('releases a hold whose claim never reached the record once past the grace (its node stopped), and the consultation is offered again', async () => {
    await store.createConsultation({ ...record });
    await routing.enqueue({ ...record });
    await router.idle();
    // L1 declined it; L2 picks it on a node that then stops: held in the backplane, queued in the store.
    await backplane.queue.reject('c1', 'L1', 'declined');
    expect((await backplane.queue.claim('c1', 'L2', now())).ok).toBe(true);
    await putBackAtGrace(reconciler());
    // Offered to L1 again: the declines went with the queue entry the pick took.
    expect(pushes.of('offer').map((p) => p.to)).toEqual(['u:L1', 'u:L1']);
    expect((await backplane.presence.getLawyer('L1'))?.load).toBe(1);
    expect(await backplane.queue.unclaim({ consultationId: 'c1', citizenId: 'C1', category: 'labor', region: '320200', priority: 0, enqueuedAt: 0, declinedBy: [] })).toEqual({ released: [], added: false });
  });

  it('gives back to its lawyer one whose claim was written just after the grace ran out', async () => {
    await store.createConsultation({ ...record });
    await routing.enqueue({ ...record });
    await router.idle();
    expect((await backplane.queue.accept('c1', 'L1', now())).ok).toBe(true);
    // The accept's write lands between the listing and the read after the hold went.
    let listed = 0;
    const landing = overriding(store, {
      async listConsultations(filter) {
        const answer = await store.listConsultations(filter);
        if (++listed === 2) await store.transition('c1', ['queued'], { state: 'active', lawyer: L1, updatedAt: now() });
        return answer;
      },
    });
    const r = reconciler(landing);
    await passAt(r, 0);
    await passAt(r, GRACE);
    expect(await queued()).toEqual([]);
    expect(await backplane.queue.listOffers()).toEqual([]);
    expect((await backplane.presence.getLawyer('L1'))?.load).toBe(1);
    expect(await backplane.queue.unclaim({ consultationId: 'c1', citizenId: 'C1', category: 'labor', region: '320200', priority: 0, enqueuedAt: 0, declinedBy: [] })).toMatchObject({ released: ['L1'] });
  });

  it('takes back out one that stopped waiting between the listing and the enqueue (converted to a message consultation)', async () => {
    await store.createConsultation({ ...record });
    // The conversion's write lands after the listing: the listing answers as before it.
    let listed = false;
    const converting = overriding(store, {
      async listConsultations(filter) {
        const answer = await store.listConsultations(filter);
        if (listed) await store.transition('c1', ['queued'], { state: 'queued', channel: 'message', updatedAt: record.updatedAt });
        listed = true;
        return answer;
      },
    });
    const r = reconciler(converting);
    await passAt(r, 0);
    await passAt(r, GRACE);
    expect(await queued()).toEqual([]);
    expect(pushes.of('offer')).toEqual([]);
  });

  it('does nothing on a node that does not lead, and counts from its own first sight once it does', async () => {
    await store.createConsultation({ ...record });
    const r = reconciler();
    leading = false;
    await passAt(r, 0);
    await passAt(r, 2 * GRACE);
    expect(await queued()).toEqual([]);
    leading = true;
    await passAt(r, 2 * GRACE + 1);
    expect(await queued()).toEqual([]);
    await passAt(r, 3 * GRACE + 1);
    expect(await queued()).toEqual(['c1']);
  });
});
