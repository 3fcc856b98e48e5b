import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RecordedPushes } from '../../test/helpers/pushes.ts';
import { overriding, queuedRequest, routingOnFileStore } from '../../test/helpers/routing.ts';
import type { Backplane } from '../backplane/port.ts';
import { createLogger } from '../log.ts';
import type { FileStore } from '../store/file/index.ts';
import type { ConsultationPatch, ConsultationRecord, Store } from '../store/port.ts';
import { MessageDesk } from './message-desk.ts';
import type { Router } from './router.ts';
import type { RoutingService } from './service.ts';

// A live request becoming a message consultation (the citizen asks, or it waited too long)
// while the lawyer it is offered to accepts, picks or the citizen cancels: on the real memory
// backplane and file store, with the desk's own write to the store held at a chosen point so
// that the other party acts in the gap, whatever order the desk does its two steps in.

type Hold = 'before-write' | 'after-write' | 'fail';

/** The real store, except that the desk's conversion (a transition to the message channel) waits at `hold` until `release`. */
function heldConversions(real: Store) {
  let hold: Hold | undefined;
  let reached: () => void = () => undefined;
  let release: () => void = () => undefined;
  const arrived = new Promise<void>((r) => (reached = r));
  const released = new Promise<void>((r) => (release = r));
  const store = overriding(real, {
    async transition(id: string, from: ConsultationRecord['state'][], patch: ConsultationPatch, heldBy?: string) {
      if (patch.channel !== 'message' || !hold) return real.transition(id, from, patch, heldBy);
      if (hold === 'fail') throw new Error('disk gone');
      if (hold === 'before-write') {
        reached();
        await released;
        return real.transition(id, from, patch, heldBy);
      }
      const result = await real.transition(id, from, patch, heldBy);
      reached();
      await released;
      return result;
    },
  });
  /** The next read of a consultation: its answer is read, then held until `release`. */
  let nextRead: { reached: () => void; released: Promise<void> } | undefined;
  const holdNextRead = () => {
    let readReached: () => void = () => undefined;
    let readRelease: () => void = () => undefined;
    const readArrived = new Promise<void>((r) => (readReached = r));
    nextRead = { reached: () => readReached(), released: new Promise<void>((r) => (readRelease = r)) };
    return { arrived: readArrived, release: () => readRelease() };
  };
  const reading = overriding(store, {
    async getConsultation(id: string) {
      const answer = await real.getConsultation(id);
      const held = nextRead;
      nextRead = undefined;
      if (held) {
        held.reached();
        await held.released;
      }
      return answer;
    },
  });
  return { store: reading, at: (h: Hold) => (hold = h), arrived, release: () => release(), holdNextRead };
}

describe('converting a live request to a message consultation', () => {
  let close: () => Promise<void>;
  let real: FileStore;
  let held: ReturnType<typeof heldConversions>;
  let pushes: RecordedPushes;
  let backplane: Backplane;
  let router: Router;
  let routing: RoutingService;
  let desk: MessageDesk;
  let onDuty: (lawyerId: string) => Promise<unknown>;
  const now = () => 1_700_000_000_000;
  const lawyer = { id: 'L1', role: 'lawyer' as const, name: 'l' };
  const record = queuedRequest(now());

  beforeEach(async () => {
    const world = await routingOnFileStore(now);
    ({ real, pushes, backplane, router, close } = world);
    held = heldConversions(real);
    routing = world.serve(held.store);
    desk = new MessageDesk({ store: held.store, presence: backplane.presence, queue: backplane.queue, pusher: pushes, router, clock: now, log: createLogger('silent'), config: { convertAfterMs: 60_000, slaMs: 86_400_000, tickMs: 1e9 } });
    await world.onDuty('L1');
    onDuty = world.onDuty;
    await real.createConsultation({ ...record });
    await routing.enqueue({ ...record });
    await router.idle();
    expect(pushes.of('offer').map((p) => p.to)).toEqual(['u:L1']);
  });

  afterEach(() => close());

  const lawyerLoad = async () => (await backplane.presence.getLawyer('L1'))?.load;
  /** The citizen cancels, as the consultation service does: the store first, then routing. */
  const cancel = async () => {
    const cancelled = await real.transition('c1', ['queued'], { state: 'cancelled', updatedAt: now() });
    expect(cancelled.ok).toBe(true);
    if (cancelled.ok) await routing.cancelled(cancelled.consultation, record);
  };

  it('an accept in the middle of the conversion is refused: the lawyer never holds a message consultation as a live one', async () => {
    held.at('after-write');
    const converting = desk.convert({ ...record }, 'citizen');
    await held.arrived;
    const accept = await routing.accept('c1', lawyer);
    held.release();
    const converted = await converting;

    expect(accept.ok).toBe(false);
    expect(converted).toMatchObject({ id: 'c1', channel: 'message', state: 'queued' });
    expect(await real.getConsultation('c1')).toMatchObject({ channel: 'message', state: 'queued' });
    expect((await real.getConsultation('c1'))?.lawyer).toBeUndefined();
    expect(await lawyerLoad()).toBe(0);
    expect(await backplane.queue.listQueue()).toEqual([]);
    expect(pushes.of('offer.ended').map((p) => p.data)).toEqual([{ consultationId: 'c1', outcome: 'withdrawn', expiresAt: now() + 20_000 }]);
  });

  it('a manual pick in the middle of the conversion is refused', async () => {
    await backplane.queue.reject('c1', 'L1', 'declined');
    held.at('after-write');
    const converting = desk.convert({ ...record }, 'wait');
    await held.arrived;
    const pick = await routing.pick('c1', { id: 'L2', role: 'lawyer', name: 'm' });
    held.release();
    expect(pick.ok).toBe(false);
    expect(await converting).toMatchObject({ channel: 'message', state: 'queued' });
    expect((await real.getConsultation('c1'))?.lawyer).toBeUndefined();
  });

  it('an offer accepted before the conversion starts stays live, and the conversion is refused', async () => {
    const accept = await routing.accept('c1', lawyer);
    expect(accept.ok).toBe(true);
    expect(await desk.convert({ ...record }, 'citizen')).toBeUndefined();
    expect(await real.getConsultation('c1')).toMatchObject({ channel: 'text', state: 'active', lawyer: { id: 'L1' } });
    expect(await lawyerLoad()).toBe(1);
  });

  it('a cancel in the middle of the conversion wins: nothing converted, nothing back in the queue', async () => {
    held.at('before-write');
    const converting = desk.convert({ ...record }, 'citizen');
    await held.arrived;
    await cancel();
    held.release();
    expect(await converting).toBeUndefined();
    expect(await real.getConsultation('c1')).toMatchObject({ channel: 'text', state: 'cancelled' });
    expect(await backplane.queue.listQueue()).toEqual([]);
    expect(await lawyerLoad()).toBe(0);
  });

  it('a cancel while a failed conversion is put back wins: the cancelled request does not stay in the live queue', async () => {
    await backplane.queue.reject('c1', 'L1', 'declined');
    await onDuty('L2');
    held.at('fail');
    // The desk reads the record for its put-back; the answer (still queued) is held until the citizen has cancelled.
    const read = held.holdNextRead();
    const converting = desk.convert({ ...record }, 'wait');
    await read.arrived;
    await cancel();
    read.release();
    await expect(converting).rejects.toThrow('disk gone');
    await router.idle();
    expect(await real.getConsultation('c1')).toMatchObject({ state: 'cancelled' });
    expect(await backplane.queue.listQueue()).toEqual([]);
    expect(await backplane.queue.listOffers()).toEqual([]);
    expect(await lawyerLoad()).toBe(0);
    expect((await backplane.presence.getLawyer('L2'))?.load).toBe(0);
  });

  it('a conversion the store fails to write puts the request back in the live queue, offered again', async () => {
    await backplane.queue.reject('c1', 'L1', 'declined');
    await onDuty('L2');
    held.at('fail');
    await expect(desk.convert({ ...record }, 'wait')).rejects.toThrow('disk gone');
    await router.idle();
    const [entry] = await backplane.queue.listQueue();
    // Its wait and who declined it are kept.
    expect(entry).toMatchObject({ consultationId: 'c1', enqueuedAt: record.createdAt, declinedBy: ['L1'] });
    expect(pushes.of('offer').map((p) => p.to)).toEqual(['u:L1', 'u:L2']);
    expect(await real.getConsultation('c1')).toMatchObject({ channel: 'text', state: 'queued' });
    expect((await routing.accept('c1', { id: 'L2', role: 'lawyer', name: 'm' })).ok).toBe(true);
  });
});
