import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecordedPushes } from '../../test/helpers/pushes.ts';
import { MemoryBackplane } from '../backplane/memory.ts';
import { createLogger } from '../log.ts';
import { openFileStore, type FileStore } from '../store/file/index.ts';
import type { ConsultationRecord, CreateOutcome, Store } from '../store/port.ts';
import { Router } from './router.ts';
import { RoutingService } from './service.ts';

// Routing starts while a request's record commits (enqueueCommitting). The store here holds
// the create back until the test lets it go, and until then the record is not there at all,
// as with PostgreSQL before COMMIT: the offer must still show it, an accept must wait for
// the commit, and a failed commit must take the request out of routing.

/** The real file store, except that a create reaches it only when `release` or `fail` is called. */
function heldCreates(real: Store) {
  const pending: { go: () => void; fail: (e: Error) => void }[] = [];
  const store = new Proxy(real, {
    get(target, key) {
      if (key === 'createConsultation') {
        return (record: ConsultationRecord, limits?: { maxOpenPerCitizen?: number }) =>
          new Promise<CreateOutcome>((resolve, reject) => pending.push({ go: () => resolve(target.createConsultation(record, limits)), fail: reject }));
      }
      const value = Reflect.get(target, key) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { store, release: () => pending.shift()?.go(), fail: () => pending.shift()?.fail(new Error('disk gone')) };
}

describe('routing while the request commits', () => {
  let dir: string;
  let real: FileStore;
  let pushes: RecordedPushes;
  let backplane: MemoryBackplane;
  let held: ReturnType<typeof heldCreates>;
  let routing: RoutingService;
  let router: Router;
  const now = () => 1_700_000_000_000;
  const record: ConsultationRecord = { id: 'c1', state: 'queued', category: 'labor', region: '320200', channel: 'text', citizen: { id: 'C1', role: 'citizen', name: 'c' }, createdAt: now(), updatedAt: now(), lastSeq: 0 };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lawline-committing-'));
    real = await openFileStore({ dir });
    held = heldCreates(real);
    pushes = new RecordedPushes();
    backplane = new MemoryBackplane();
    router = new Router({
      backplane,
      pusher: pushes,
      now,
      log: createLogger('silent'),
      config: { mode: 'auto', strategy: 'longest-idle', offerTimeoutMs: 20_000, maxMissedOffers: 3, preferredWaitMs: 1000, widening: { provinceAfterMs: 1e9, nationalAfterMs: 1e9 }, tickMs: 1e9 },
      offerView: async (id) => {
        const c = await routing.view(id);
        return c && { consultation: { ...c, lastSeq: 0 } };
      },
      onPresenceChanged: () => undefined,
      onLeaseExpired: async () => undefined,
    });
    routing = new RoutingService(backplane, held.store, router, now);
    await backplane.putLawyer({ lawyerId: 'L1', name: 'l', categories: ['labor'], region: '320200', capacity: 3, state: 'available', lastAssignedAt: 0, conflicts: [], leaseUntil: Number.MAX_SAFE_INTEGER });
  });

  const offered = async () => {
    for (let i = 0; i < 100 && pushes.of('offer').length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    await router.idle();
  };

  afterEach(async () => {
    router.stop();
    await real.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('offers before the commit, and the accept waits for it', async () => {
    const durable = held.store.createConsultation({ ...record });
    const routed = routing.enqueueCommitting({ ...record }, durable);
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
    routing = new RoutingService(backplane, held.store, router, now, { routeBeforeCommit: false });
    const durable = held.store.createConsultation({ ...record });
    const routed = routing.enqueueCommitting({ ...record }, durable);
    await new Promise((r) => setTimeout(r, 30));
    expect(pushes.of('offer')).toEqual([]);
    expect(await backplane.listQueue()).toEqual([]);
    held.release();
    await routed;
    await offered();
    expect(pushes.of('offer').map((p) => p.to)).toEqual(['u:L1']);
  });

  it('a failed commit takes the request out of routing and withdraws its offer', async () => {
    const durable = held.store.createConsultation({ ...record });
    const routed = routing.enqueueCommitting({ ...record }, durable);
    await offered();
    expect(pushes.of('offer')).toHaveLength(1);

    held.fail();
    await expect(durable).rejects.toThrow('disk gone');
    await routed;
    expect(await backplane.listQueue()).toEqual([]);
    expect(await backplane.listOffers()).toEqual([]);
    expect(pushes.of('offer.ended').map((p) => p.data)).toEqual([{ consultationId: 'c1', outcome: 'withdrawn' }]);
    expect((await backplane.getLawyer('L1'))?.load).toBe(0);
    const accept = await routing.accept('c1', { id: 'L1', role: 'lawyer', name: 'l' });
    expect(accept.ok).toBe(false);
  });

  it("a create refused by the citizen's cap takes the request out of routing and withdraws its offer", async () => {
    await real.createConsultation({ ...record, id: 'c0' });
    const created = held.store.createConsultation({ ...record }, { maxOpenPerCitizen: 1 });
    const routed = routing.enqueueCommitting({ ...record }, created);
    await offered();
    held.release();
    expect(await created).toEqual({ ok: false, reason: 'too-many-open', open: 1 });
    await routed;
    expect(await backplane.listQueue()).toEqual([]);
    expect(pushes.of('offer.ended').map((p) => p.data)).toEqual([{ consultationId: 'c1', outcome: 'withdrawn' }]);
    expect((await backplane.getLawyer('L1'))?.load).toBe(0);
    expect(await real.getConsultation('c1')).toBeUndefined();
  });
});
