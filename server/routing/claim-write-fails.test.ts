import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RecordedPushes } from '../../test/helpers/pushes.ts';
import { overriding, queuedRequest, routingOnFileStore } from '../../test/helpers/routing.ts';
import type { ConsultationState } from '../../protocol/vocabulary.ts';
import type { Backplane } from '../backplane/port.ts';
import type { FileStore } from '../store/file/index.ts';
import type { ConsultationPatch, TransitionResult } from '../store/port.ts';
import type { Router } from './router.ts';
import type { RoutingService } from './service.ts';

// A pick or an accept takes the consultation from the queue into the lawyer's hold, then
// writes the record. When that write fails (the database unavailable, a lock waited past the
// deadline), the hold must go and the consultation be queued again before the lawyer hears of
// the failure: held, it was never offered to anyone again. A write given up on may still land
// (a timeout after the commit): then the lawyer keeps it. On the real file store, whose
// transition fails here once, as the test says.

const L1 = { id: 'L1', role: 'lawyer' as const, name: 'l' };
const L2 = { id: 'L2', role: 'lawyer' as const, name: 'm' };

describe('a claim whose record write fails', () => {
  let real: FileStore;
  let backplane: Backplane;
  let pushes: RecordedPushes;
  let router: Router;
  let routing: RoutingService;
  let close: () => Promise<void>;
  let onDuty: (lawyerId: string) => Promise<unknown>;
  /** What the next transition does: fail before writing, or write and then fail (its answer lost). */
  let next: 'fails' | 'lands-then-fails' | undefined;
  const now = () => 1_700_000_000_000;

  beforeEach(async () => {
    next = undefined;
    const world = await routingOnFileStore(now);
    ({ real, backplane, pushes, router, close, onDuty } = world);
    routing = world.serve(
      overriding(real, {
        async transition(id: string, from: readonly ConsultationState[], patch: ConsultationPatch, heldBy?: string): Promise<TransitionResult> {
          const failing = next;
          next = undefined;
          if (failing === 'fails') throw new Error('canceling statement due to statement timeout');
          const result = await real.transition(id, from, patch, heldBy);
          if (failing === 'lands-then-fails') throw new Error('Query read timeout');
          return result;
        },
      }),
    );
    await real.createConsultation(queuedRequest(now()));
    await routing.enqueue(queuedRequest(now()));
    await router.idle();
  });
  afterEach(() => close());

  const queued = async () => (await backplane.queue.listQueue()).map((e) => e.consultationId);

  it('puts a failed pick back in the queue before answering: the next pick gets it', async () => {
    next = 'fails';
    await expect(routing.pick('c1', L1)).rejects.toThrow(/statement timeout/);
    expect(await queued()).toEqual(['c1']);
    expect(await routing.pick('c1', L2)).toMatchObject({ ok: true, consultation: { state: 'picked', lawyer: L2 } });
  });

  it('puts a failed accept back: its offer ends, and the consultation is offered again and taken', async () => {
    await onDuty('L1');
    await router.kick();
    expect(pushes.of('offer').map((p) => p.to)).toEqual(['u:L1']);
    next = 'fails';
    await expect(routing.accept('c1', L1)).rejects.toThrow(/statement timeout/);
    await router.idle();
    expect(pushes.of('offer.ended').map((p) => p.data)).toMatchObject([{ consultationId: 'c1', outcome: 'withdrawn' }]);
    expect(pushes.of('offer').map((p) => p.to)).toEqual(['u:L1', 'u:L1']);
    // The failed claim's unit of load went with its hold: only the new offer counts.
    expect((await backplane.presence.getLawyer('L1'))?.load).toBe(1);
    expect(await routing.accept('c1', L1)).toMatchObject({ ok: true, consultation: { state: 'active', lawyer: L1 } });
    expect((await backplane.presence.getLawyer('L1'))?.load).toBe(1);
  });

  it('leaves with the lawyer one whose write landed although its answer was lost', async () => {
    await onDuty('L1');
    await router.kick();
    next = 'lands-then-fails';
    await expect(routing.accept('c1', L1)).rejects.toThrow(/read timeout/);
    await router.idle();
    expect(await queued()).toEqual([]);
    expect(pushes.of('offer')).toHaveLength(1);
    expect((await backplane.presence.getLawyer('L1'))?.load).toBe(1);
    // Theirs, as the repeat of their accept says.
    expect(await routing.accept('c1', L1)).toMatchObject({ ok: true, again: true, consultation: { state: 'active', lawyer: L1 } });
  });
});
