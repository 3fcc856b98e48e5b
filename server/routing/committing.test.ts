import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RecordedPushes } from '../../test/helpers/pushes.ts';
import { overriding, queuedRequest, routingOnFileStore, type routingFixture } from '../../test/helpers/routing.ts';
import type { Backplane } from '../backplane/port.ts';
import type { FileStore } from '../store/file/index.ts';
import { startCreate, type ConsultationRecord, type CreateOptions, type CreateOutcome, type Store } from '../store/port.ts';
import type { Router } from './router.ts';
import type { RoutingService } from './service.ts';

// Routing starts while a request's record commits (enqueueCommitting), once the store has
// decided to take it. The store here holds the create back until the test lets it go: the
// offer must still show it, an accept must wait for the commit, a failed commit must take the
// request out of routing, and one the store refuses must never reach a lawyer.

/**
 * The real file store, except that a create's answer reaches its caller only when `release` or
 * `fail` is called. 'at-commit': the create reaches the store only then (as with PostgreSQL,
 * nothing is there before COMMIT, and a capped create is decided then; one without a cap is
 * decided at once). 'at-once': the store counts, writes and decides at once, as the file store
 * does, and only the answer that it is durable is held.
 */
function heldCreates(real: Store, decides: 'at-commit' | 'at-once') {
  const pending: { go: () => void; fail: (e: Error) => void }[] = [];
  const store = overriding(real, {
    createConsultation: (record: ConsultationRecord, options: CreateOptions = {}) =>
      new Promise<CreateOutcome>((resolve, reject) => {
        if (decides === 'at-once') {
          const created = real.createConsultation(record, options);
          pending.push({ go: () => resolve(created), fail: reject });
          return;
        }
        if (options.maxOpenPerCitizen === undefined) options.decided?.({ ok: true });
        pending.push({ go: () => resolve(real.createConsultation(record, options)), fail: reject });
      }),
  });
  return { store, release: () => pending.shift()?.go(), fail: () => pending.shift()?.fail(new Error('disk gone')) };
}

describe('routing while the request commits', () => {
  let close: () => Promise<void>;
  let real: FileStore;
  let pushes: RecordedPushes;
  let backplane: Backplane;
  let held: ReturnType<typeof heldCreates>;
  let routing: RoutingService;
  let serve: ReturnType<typeof routingFixture>['serve'];
  let router: Router;
  const now = () => 1_700_000_000_000;
  const record = queuedRequest(now());

  beforeEach(async () => {
    const world = await routingOnFileStore(now);
    ({ real, pushes, backplane, router, close } = world);
    held = heldCreates(real, 'at-commit');
    serve = world.serve;
    routing = serve(held.store);
    await world.onDuty('L1');
  });

  const offered = async () => {
    for (let i = 0; i < 100 && pushes.of('offer').length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    await router.idle();
  };

  afterEach(() => close());

  it('offers before the commit, and the accept waits for it', async () => {
    const creating = startCreate(held.store, { ...record });
    const durable = creating.created;
    const routed = routing.enqueueCommitting({ ...record }, creating);
    await offered();
    expect(await real.getConsultation('c1')).toBeUndefined();
    expect(pushes.of('offer').map((p) => p.to)).toEqual(['u:L1']);

    let accepted = false;
    const accept = routing.accept('c1', { id: 'L1', role: 'lawyer', name: 'l' }).then((r) => ((accepted = true), r));
    await new Promise((r) => setTimeout(r, 20));
    expect(accepted).toBe(false);

    held.release();
    await durable;
    const result = await accept;
    await routed;
    expect(result.ok && result.consultation.state).toBe('active');
    expect((await real.getConsultation('c1'))?.lawyer?.id).toBe('L1');
  });

  it('in a cluster (accepts may come to other nodes) waits for the commit before routing', async () => {
    routing = serve(held.store, { routeBeforeCommit: false });
    const creating = startCreate(held.store, { ...record });
    const durable = creating.created;
    const routed = routing.enqueueCommitting({ ...record }, creating);
    await new Promise((r) => setTimeout(r, 30));
    expect(pushes.of('offer')).toEqual([]);
    expect(await backplane.queue.listQueue()).toEqual([]);
    held.release();
    await routed;
    await offered();
    expect(pushes.of('offer').map((p) => p.to)).toEqual(['u:L1']);
  });

  it('a failed commit takes the request out of routing and withdraws its offer', async () => {
    const creating = startCreate(held.store, { ...record });
    const durable = creating.created;
    const routed = routing.enqueueCommitting({ ...record }, creating);
    await offered();
    expect(pushes.of('offer')).toHaveLength(1);

    held.fail();
    await expect(durable).rejects.toThrow('disk gone');
    await routed;
    expect(await backplane.queue.listQueue()).toEqual([]);
    expect(await backplane.queue.listOffers()).toEqual([]);
    expect(pushes.of('offer.ended').map((p) => p.data)).toEqual([{ consultationId: 'c1', outcome: 'withdrawn', expiresAt: now() + 20_000 }]);
    expect((await backplane.presence.getLawyer('L1'))?.load).toBe(0);
    const accept = await routing.accept('c1', { id: 'L1', role: 'lawyer', name: 'l' });
    expect(accept.ok).toBe(false);
  });

  it("a create refused by the citizen's cap never reaches a lawyer, when decided at the commit", async () => {
    await real.createConsultation({ ...record, id: 'c0' });
    const creating = startCreate(held.store, { ...record }, { maxOpenPerCitizen: 1 });
    const routed = routing.enqueueCommitting({ ...record }, creating);
    await new Promise((r) => setTimeout(r, 30));
    await router.idle();
    expect(pushes.of('offer')).toEqual([]);
    held.release();
    expect(await creating.created).toEqual({ ok: false, reason: 'too-many-open', open: 1 });
    await routed;
    await router.idle();
    expect(await backplane.queue.listQueue()).toEqual([]);
    expect(pushes.of('offer')).toEqual([]);
    expect(pushes.of('offer.ended')).toEqual([]);
    expect(await real.getConsultation('c1')).toBeUndefined();
  });

  it("a store that decides at once (the file store) offers a capped request before it is durable, and never one it refused", async () => {
    held = heldCreates(real, 'at-once');
    routing = serve(held.store);
    const cap = { maxOpenPerCitizen: 1 };
    const taken = startCreate(held.store, { ...record }, cap);
    const refused = startCreate(held.store, { ...record, id: 'c2' }, cap);
    const routed = [routing.enqueueCommitting({ ...record }, taken), routing.enqueueCommitting({ ...record, id: 'c2' }, refused)];
    await offered();
    expect(pushes.of('offer').map((p) => [p.to, (p.data as { consultation: { id: string } }).consultation.id])).toEqual([['u:L1', 'c1']]);
    held.release();
    held.release();
    expect(await taken.created).toEqual({ ok: true });
    expect(await refused.created).toEqual({ ok: false, reason: 'too-many-open', open: 1 });
    await Promise.all(routed);
    await router.idle();
    expect(pushes.of('offer')).toHaveLength(1);
    expect(pushes.of('offer.ended')).toEqual([]);
    expect((await routing.accept('c1', { id: 'L1', role: 'lawyer', name: 'l' })).ok).toBe(true);
  });

  it('forgets a request once its commit settles even when queueing it failed (its record could not be read): views then come from the store', async () => {
    // The store's reads time out (a pool with every connection busy, as in a soak's first burst), its writes go through.
    let readsFail = true;
    const store = overriding(real, {
      getConsultation: async (id: string) => {
        if (readsFail) throw new Error('timeout exceeded when trying to connect');
        return real.getConsultation(id);
      },
    });
    routing = serve(store);
    const creating = startCreate(store, { ...record });
    await expect(routing.enqueueCommitting({ ...record }, creating)).rejects.toThrow('timeout exceeded');
    expect(await creating.created).toEqual({ ok: true });
    readsFail = false;
    // The citizen cancels: what routing shows of it from now on is the stored record, not the one it was queued with.
    expect((await real.transition('c1', ['queued'], { state: 'cancelled', updatedAt: now() + 1 })).ok).toBe(true);
    expect((await routing.view('c1'))?.state).toBe('cancelled');
  });
});
