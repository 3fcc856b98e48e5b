import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PushFrame, ServerFrame } from '../../protocol/frames.ts';
import { queuedRequest, routingOnFileStore } from '../../test/helpers/routing.ts';
import type { Identity } from '../auth/identity.ts';
import { MemoryBackplane } from '../backplane/memory/index.ts';
import type { PresencePort } from '../backplane/presence-port.ts';
import { createLogger } from '../log.ts';
import { Session } from '../session/session.ts';
import { DutyService } from './duty.ts';

// A lawyer's device leaves node B as another of theirs (or the same device, moving) attaches on
// node C. B counts the devices left elsewhere (none yet), C marks its own and reads the lawyer
// (not reconnecting yet, so nothing to resume), then B marks them reconnecting and withdraws
// their offers. Nobody put them back: they stayed reconnecting, offered nothing, with a device
// connected, until B's resume window ran out (two minutes by default). Seen as the lost re-ring
// of test/cluster-failover.test.ts when a lawyer's connection to a slow node was given up on
// and they went on to a third. Two duty services over one backplane; B's mark waits here for C.

const L1: Identity = { id: 'L1', role: 'lawyer', name: 'l', expiresAt: Number.MAX_SAFE_INTEGER, categories: ['labor'], region: '320200' };

/** A session on an open connection, keeping what it is sent. */
function deviceSession(): { session: Session; frames: PushFrame[] } {
  const frames: PushFrame[] = [];
  const session = new Session(L1, { bufferMax: 100, onOverflow: () => undefined });
  session.attach({ send: (f: ServerFrame) => f.type === 'push' && frames.push(f as PushFrame), close: () => undefined });
  return { session, frames };
}

/** `real`, except that its next `setLawyerState(…, 'reconnecting')` waits until `go` is called. */
function heldMark(real: PresencePort) {
  let reached: () => void = () => undefined;
  let go: () => void = () => undefined;
  const arrived = new Promise<void>((r) => (reached = r));
  const released = new Promise<void>((r) => (go = r));
  let armed = true;
  const presence = new Proxy(real, {
    get(target, key) {
      if (key === 'setLawyerState') {
        return async (...args: Parameters<PresencePort['setLawyerState']>) => {
          if (armed && args[1] === 'reconnecting') {
            armed = false;
            reached();
            await released;
          }
          return target.setLawyerState(...args);
        };
      }
      const value = Reflect.get(target, key) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { presence, arrived, go };
}

describe('a lawyer leaving one node as they attach on another', () => {
  const now = () => 1_700_000_000_000;
  let backplane: MemoryBackplane;
  let world: Awaited<ReturnType<typeof routingOnFileStore>>;
  let held: ReturnType<typeof heldMark>;
  let nodes: DutyService[];

  beforeEach(async () => {
    backplane = new MemoryBackplane();
    world = await routingOnFileStore(now, backplane);
    const routing = world.serve(world.real);
    held = heldMark(backplane.presence);
    const node = (nodeId: string, presence: PresencePort) =>
      new DutyService({ presence, queue: backplane.queue, store: world.real, routing, pusher: world.pushes, log: createLogger('silent'), now, defaultCapacity: 3, resumeWindowMs: 120_000, leaseMs: 30_000, nodeId, utcOffsetMin: 480 });
    nodes = [node('B', held.presence), node('C', backplane.presence)];
    await world.onDuty('L1');
    await world.real.createConsultation(queuedRequest(now()));
    await routing.enqueue(queuedRequest(now()));
    await world.router.idle();
  });
  afterEach(async () => {
    for (const n of nodes) n.stop();
    await world.close();
  });

  it('is not left reconnecting, and is offered the consultation on the node they are on', async () => {
    const [b, c] = nodes as [DutyService, DutyService];
    const onB = deviceSession();
    b.deviceAttached(onB.session, true);
    await expect.poll(() => onB.frames.filter((f) => f.event === 'offer')).toHaveLength(1);

    b.lastDeviceGone(L1);
    await held.arrived;
    const onC = deviceSession();
    c.deviceAttached(onC.session, true);
    await expect.poll(() => onC.frames.some((f) => f.event === 'duty.state')).toBe(true);
    held.go();

    await expect.poll(async () => (await backplane.presence.getLawyer('L1'))?.state).toBe('available');
    await world.router.idle();
    expect((await backplane.queue.listOffers()).map((o) => [o.consultationId, o.lawyerId])).toEqual([['c1', 'L1']]);
  });
});
