import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { REDIS_URL } from '../../test/helpers/services.ts';
import { overriding, queuedRequest, routingOnFileStore } from '../../test/helpers/routing.ts';
import { MemoryBackplane } from '../backplane/memory/index.ts';
import type { Backplane } from '../backplane/port.ts';
import { RedisBackplane } from '../backplane/redis/index.ts';
import { createLogger } from '../log.ts';
import { DutyService } from '../presence/duty.ts';
import { SessionRegistry } from '../session/registry.ts';
import type { ConsultationFilter, ConsultationRecord, Store } from '../store/port.ts';
import { Recovery } from './recovery.ts';

// Recovery puts back the holds of the consultations lawyers hold, from the store, when the
// backplane lacks them (a node starting; Redis restarted empty while other nodes serve). A
// consultation another node closes between recovery's listing and its hold had nothing to
// release yet: the hold must not outlive it, or its lawyer's capacity is one less for good.
// On the real file store and each backplane, the listing's answer held until the close is done.

/** The real store, except that the next listing of held consultations answers only once `release` is called. */
function heldListing(real: Store) {
  let reached: () => void = () => undefined;
  let release: () => void = () => undefined;
  const arrived = new Promise<void>((r) => (reached = r));
  const released = new Promise<void>((r) => (release = r));
  let armed = true;
  const store = overriding(real, {
    async listConsultations(filter: ConsultationFilter) {
      const answer = await real.listConsultations(filter);
      if (armed && filter.states?.includes('active')) {
        armed = false;
        reached();
        await released;
      }
      return answer;
    },
  });
  return { store, arrived, release: () => release() };
}

const backplanes: [string, () => Promise<{ backplane: Backplane; cleanup: () => Promise<void> }>][] = [
  ['memory', async () => ({ backplane: new MemoryBackplane(), cleanup: async () => undefined })],
  [
    'redis',
    async () => {
      const backplane = await RedisBackplane.open({ url: REDIS_URL, prefix: `lawline-recovery-${randomBytes(6).toString('hex')}` });
      return {
        backplane,
        async cleanup() {
          await backplane.destroy();
          await backplane.close();
        },
      };
    },
  ],
];

describe.each(backplanes)('recovery on the %s backplane', (_, open) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('a consultation closed on another node while recovery lists what lawyers hold leaves no hold behind', async () => {
    const now = () => 1_700_000_000_000;
    const { backplane, cleanup } = await open();
    cleanups.push(cleanup);
    const world = await routingOnFileStore(now, backplane);
    cleanups.push(world.close);
    const held = heldListing(world.real);
    const routing = world.serve(held.store);
    const log = createLogger('silent');
    const duty = new DutyService({ presence: backplane.presence, queue: backplane.queue, store: held.store, routing, pusher: world.pushes, log, now, defaultCapacity: 3, resumeWindowMs: 60_000, leaseMs: 30_000, nodeId: 'n1', utcOffsetMin: 480 });
    const registry = new SessionRegistry(60_000, { bufferMax: 100, onOverflow: () => undefined });
    const recovery = new Recovery({ store: held.store, queue: backplane.queue, routing, duty, registry, log });

    // L1 holds c1 and c2 in the store; the backplane has forgotten both (it restarted empty).
    const lawyer = { id: 'L1', role: 'lawyer' as const, name: 'L1' };
    const active = (id: string): ConsultationRecord => ({ ...queuedRequest(now()), id, state: 'active', lawyer });
    await world.real.createConsultation(active('c1'));
    await world.real.createConsultation(active('c2'));
    await world.onDuty('L1');
    const load = async () => (await backplane.presence.getLawyer('L1'))?.load;
    expect(await load()).toBe(0);

    const rebuilding = recovery.rebuild();
    await held.arrived;
    // Another node closes c1: the store first, then the lawyer's hold, which is not there yet.
    const closed = await world.real.transition('c1', ['active'], { state: 'closed', updatedAt: now() }, 'L1');
    expect(closed.ok).toBe(true);
    if (closed.ok) await routing.closed(closed.consultation, active('c1'));
    held.release();
    await rebuilding;

    // c2 is held; c1 is not, whoever comes last.
    expect(await load()).toBe(1);
    await backplane.queue.release('L1', 'c2');
    expect(await load()).toBe(0);
  });
});
