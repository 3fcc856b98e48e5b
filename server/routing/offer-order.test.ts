import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { overriding, queuedRequest, routingOnFileStore } from '../../test/helpers/routing.ts';
import { createLogger } from '../log.ts';
import type { Store } from '../store/port.ts';
import { MessageDesk } from './message-desk.ts';
import type { RoutingService } from './service.ts';

// An offer shows the consultation's record, read from the store. A request cancelled or
// converted while that read is under way has its offer withdrawn (offer.ended to the lawyer):
// the offer must then never reach the lawyer after it, or their console rings for a request
// that is gone until the offer times out. On the real memory backplane and file store, with
// the read held until the other party has acted.

/** The real store, except that the next read of a consultation after `hold` waits until `release`. */
function heldReads(real: Store) {
  let armed = false;
  let reached: () => void = () => undefined;
  let release: () => void = () => undefined;
  const arrived = new Promise<void>((r) => (reached = r));
  const released = new Promise<void>((r) => (release = r));
  const store = overriding(real, {
    async getConsultation(id: string) {
      if (armed) {
        armed = false;
        reached();
        await released;
      }
      return real.getConsultation(id);
    },
  });
  return { store, hold: () => (armed = true), arrived, release: () => release() };
}

describe('an offer and its withdrawal reach the lawyer in the order they happened', () => {
  let world: Awaited<ReturnType<typeof routingOnFileStore>>;
  let held: ReturnType<typeof heldReads>;
  let routing: RoutingService;
  const now = () => 1_700_000_000_000;
  const record = queuedRequest(now());

  beforeEach(async () => {
    world = await routingOnFileStore(now);
    held = heldReads(world.real);
    routing = world.serve(held.store);
    await world.real.createConsultation({ ...record });
  });

  afterEach(() => world.close());

  /** The offers L1's console shows, replaying what it was pushed in order. */
  const shown = () => {
    const ringing = new Set<string>();
    for (const { to, event, data } of world.pushes.seen) {
      if (to !== 'u:L1') continue;
      if (event === 'offer') ringing.add((data as { consultation: { id: string } }).consultation.id);
      if (event === 'offer.ended') ringing.delete((data as { consultationId: string }).consultationId);
    }
    return [...ringing];
  };
  const outToL1 = async () => (await world.backplane.queue.listOffers()).filter((o) => o.lawyerId === 'L1').map((o) => o.consultationId);

  const cancel = async () => {
    const cancelled = await world.real.transition('c1', ['queued'], { state: 'cancelled', updatedAt: now() });
    expect(cancelled.ok).toBe(true);
    if (cancelled.ok) await routing.cancelled(cancelled.consultation, record);
  };

  /** The request waits; L1 comes on duty, and `act` runs while the router reads the request's record to offer it to them. */
  async function whileRouting(act: () => Promise<void>): Promise<void> {
    await routing.enqueue({ ...record });
    held.hold();
    await world.onDuty('L1');
    void world.router.kick();
    await held.arrived;
    await act();
    held.release();
    await world.router.idle();
    expect(shown()).toEqual(await outToL1());
    expect(shown()).toEqual([]);
    expect((await world.backplane.presence.getLawyer('L1'))?.load).toBe(0);
  }

  it('a request cancelled while the router reads it for the offer is never shown to the lawyer after its withdrawal', async () => {
    await whileRouting(cancel);
  });

  it('a request converted to a message consultation in the same gap: the same', async () => {
    const { backplane, pushes, router } = world;
    const desk = new MessageDesk({ store: world.real, presence: backplane.presence, queue: backplane.queue, pusher: pushes, router, clock: now, log: createLogger('silent'), config: { convertAfterMs: 60_000, slaMs: 86_400_000, tickMs: 1e9 } });
    await whileRouting(async () => {
      expect(await desk.convert({ ...record }, 'citizen')).toMatchObject({ channel: 'message' });
    });
  });

  it('an offer left alone still rings, once', async () => {
    await world.onDuty('L1');
    await routing.enqueue({ ...record });
    await world.router.idle();
    expect(shown()).toEqual(['c1']);
    expect(await outToL1()).toEqual(['c1']);
    expect(world.pushes.of('offer')).toHaveLength(1);
  });

  it('a device attaching while the offer is withdrawn is not given it to ring', async () => {
    await world.onDuty('L1');
    await routing.enqueue({ ...record });
    await world.router.idle();
    expect(shown()).toEqual(['c1']);
    held.hold();
    const listing = world.router.offersFor('L1');
    await held.arrived;
    await cancel();
    held.release();
    // Its devices, this one among them, already had the offer.ended: the offer must not follow it.
    expect(world.pushes.of('offer.ended').map((p) => p.data)).toEqual([{ consultationId: 'c1', outcome: 'withdrawn', expiresAt: now() + 20_000 }]);
    expect(await listing).toEqual([]);
  });
});
