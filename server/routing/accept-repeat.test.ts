import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { overriding, queuedRequest, routingOnFileStore } from '../../test/helpers/routing.ts';
import type { FileStore } from '../store/file/index.ts';
import type { ConsultationState } from '../../protocol/vocabulary.ts';
import type { ConsultationPatch, TransitionResult } from '../store/port.ts';
import type { RoutingService } from './service.ts';

// A repeat of an accept or a pick that arrives while the first one's record is still being
// written (on PostgreSQL a read does not see it until it commits): it must wait for the first
// and answer as it did, not read the record too early and answer "offer gone" or "taken". The
// store's writes are held here until the test lets them go.

const L1 = { id: 'L1', role: 'lawyer' as const, name: 'l' };

describe('a repeated accept or pick while the first is being written', () => {
  let real: FileStore;
  let routing: RoutingService;
  let close: () => Promise<void>;
  let release: () => void = () => undefined;
  const now = () => 1_700_000_000_000;

  beforeEach(async () => {
    const world = await routingOnFileStore(now);
    ({ real, close } = world);
    let go: () => void = () => undefined;
    const written = new Promise<void>((r) => (go = r));
    release = go;
    routing = world.serve(
      overriding(real, {
        async transition(id: string, from: readonly ConsultationState[], patch: ConsultationPatch, heldBy?: string): Promise<TransitionResult> {
          await written;
          return real.transition(id, from, patch, heldBy);
        },
      }),
    );
    await world.onDuty('L1');
    await real.createConsultation(queuedRequest(now()));
    await routing.enqueue(queuedRequest(now()));
    await world.router.idle();
  });
  afterEach(() => close());

  it('answers the repeat with the consultation once the first is written, and anyone else with taken', async () => {
    const first = routing.accept('c1', L1);
    const second = routing.accept('c1', L1);
    expect(await routing.accept('c1', { ...L1, id: 'L2' })).toEqual({ ok: false, reason: 'taken' });
    release();
    expect(await first).toMatchObject({ ok: true, consultation: { state: 'active', lawyer: L1 } });
    expect(await second).toMatchObject({ ok: true, again: true, consultation: { state: 'active', lawyer: L1 } });
  });

  it('answers a repeated pick with the consultation once the first is written, and anyone else with taken', async () => {
    // Declined, and nobody else on duty: it waits to be picked.
    expect(await routing.decline('c1', 'L1')).toBe(true);
    const first = routing.pick('c1', L1);
    const second = routing.pick('c1', L1);
    expect(await routing.pick('c1', { ...L1, id: 'L2' })).toEqual({ ok: false, reason: 'taken' });
    release();
    expect(await first).toMatchObject({ ok: true, consultation: { state: 'picked', lawyer: L1 } });
    expect(await second).toMatchObject({ ok: true, again: true, consultation: { state: 'picked', lawyer: L1 } });
  });
});
