import { describe, expect, it } from 'vitest';
import { entry, lawyer, perTest, T0, type OpenHarness } from './harness.ts';

/** The call port: one call per lawyer at a time, apart from text capacity. */
export function callContract(name: string, open: OpenHarness): void {
  describe(`Call port: ${name}`, () => {
    const t = perTest(open);

    it('gives a lawyer one call at a time, apart from text capacity; renewable, and it lapses', async () => {
      await t.bp.presence.putLawyer(lawyer('L1', { capacity: 1 }));
      expect(await t.bp.calls.claimCall('L1', 'c1', T0 + 60_000, T0)).toEqual({ ok: true });
      expect(await t.bp.calls.claimCall('L1', 'c2', T0 + 60_000, T0 + 1)).toEqual({ ok: false, reason: 'in-call', holder: 'c1' });
      expect(await t.bp.calls.claimCall('L1', 'c1', T0 + 120_000, T0 + 2)).toEqual({ ok: true });
      // Text capacity is its own: the call took none of it.
      await t.bp.queue.enqueue(entry('t1'));
      expect((await t.bp.queue.offer('t1', 'L1', T0 + 20_000, T0)).ok).toBe(true);
      // Only the holder ends it.
      await t.bp.calls.endCall('L1', 'c2');
      expect((await t.bp.calls.claimCall('L1', 'c2', T0 + 60_000, T0 + 3)).ok).toBe(false);
      await t.bp.calls.endCall('L1', 'c1');
      expect((await t.bp.calls.claimCall('L1', 'c2', T0 + 60_000, T0 + 4)).ok).toBe(true);
      // A holder that stops renewing (its node died) frees the lawyer at `until`.
      expect((await t.bp.calls.claimCall('L1', 'c3', T0 + 70_000, T0 + 59_999)).ok).toBe(false);
      expect((await t.bp.calls.claimCall('L1', 'c3', T0 + 70_000, T0 + 60_000)).ok).toBe(true);
    });

    it('lets exactly one of many racing call claims win', async () => {
      const other = await t.h.peer();
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? other : t.bp).calls.claimCall('L1', `c${i}`, T0 + 60_000, T0)));
      expect(results.filter((r) => r.ok)).toHaveLength(1);
    });
  });
}
