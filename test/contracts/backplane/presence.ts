import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Category } from '../../../protocol/vocabulary.ts';
import { scanLawyers, STRATEGIES, type Reach } from '../../../server/backplane/eligibility.ts';
import { entry, lawyer, perTest, T0, type OpenHarness } from './harness.ts';

/** The presence port: duty, leases, the lawyer index and devices across nodes. */
export function presenceContract(name: string, open: OpenHarness): void {
  describe(`Presence port: ${name}`, () => {
    const t = perTest(open);

    it('keeps presence, and a second putLawyer keeps load and counters', async () => {
      await t.bp.presence.putLawyer(lawyer('L1'));
      await t.bp.queue.enqueue(entry('c1'));
      expect((await t.bp.queue.offer('c1', 'L1', T0 + 20_000, T0)).ok).toBe(true);
      const again = await t.bp.presence.putLawyer(lawyer('L1', { capacity: 5, categories: ['labor', 'family'] }));
      expect(again).toMatchObject({ load: 1, capacity: 5, lastOfferAt: T0, categories: ['labor', 'family'] });
      expect((await t.bp.presence.listLawyers()).map((l) => l.lawyerId)).toEqual(['L1']);
      expect(await t.bp.presence.getLawyer('nobody')).toBeUndefined();
    });

    it('expires leases that are not renewed', async () => {
      await t.bp.presence.putLawyer(lawyer('L1', { leaseUntil: T0 + 100 }));
      await t.bp.presence.putLawyer(lawyer('L2', { leaseUntil: T0 + 100 }));
      await t.bp.presence.renewLeases(['L2', 'ghost'], T0 + 1000);
      expect(await t.bp.presence.expiredLeases(T0 + 500)).toEqual(['L1']);
    });

    it('remembers the state to resume after reconnecting', async () => {
      await t.bp.presence.putLawyer(lawyer('L1'));
      await t.bp.presence.setLawyerState('L1', 'away');
      const reconnecting = await t.bp.presence.setLawyerState('L1', 'reconnecting');
      expect(reconnecting).toMatchObject({ state: 'reconnecting', resumeState: 'away' });
      expect((await t.bp.presence.setLawyerState('L1', 'reconnecting'))?.resumeState).toBe('away');
      expect(await t.bp.presence.setLawyerState('nobody', 'away')).toBeUndefined();
    });

    it('puts an available lawyer in wrap-up after a close (not one away), moves its end on a later close, and ends it when due, once', async () => {
      const p = t.bp.presence;
      await p.putLawyer(lawyer('L1'));
      await p.putLawyer(lawyer('L2'));
      expect(await p.beginWrapUp('L1', T0 + 30_000, T0)).toMatchObject({ state: 'wrap-up', wrapUpSince: T0, wrapUpUntil: T0 + 30_000 });
      expect(await p.beginWrapUp('L2', T0 + 35_000, T0)).toMatchObject({ state: 'wrap-up' });
      // No offer while wrapping up: the offer checks the state in the same step.
      await t.bp.queue.enqueue(entry('c1'));
      expect(await t.bp.queue.offer('c1', 'L1', T0 + 20_000, T0)).toMatchObject({ ok: false, reason: 'not-available' });
      // A second close moves the end, not the start; an earlier end does not shorten it.
      expect(await p.beginWrapUp('L1', T0 + 40_000, T0 + 10_000)).toMatchObject({ state: 'wrap-up', wrapUpSince: T0, wrapUpUntil: T0 + 40_000 });
      expect(await p.beginWrapUp('L1', T0 + 35_000, T0 + 5_000)).toMatchObject({ wrapUpUntil: T0 + 40_000 });
      // Due by T0 + 35 s: L2 only, told to one caller (another node asking at once gets nothing).
      const peer = await t.h.peer();
      const [mine, theirs] = await Promise.all([p.endDueWrapUps(T0 + 35_000), peer.presence.endDueWrapUps(T0 + 35_000)]);
      expect([...mine, ...theirs].map((x) => [x.lawyerId, x.state])).toEqual([['L2', 'available']]);
      expect((await p.getLawyer('L1'))?.state).toBe('wrap-up');
      const [ended] = await p.endDueWrapUps(T0 + 40_000);
      expect(ended).toMatchObject({ lawyerId: 'L1', state: 'available', resumeState: 'available' });
      expect(ended?.wrapUpUntil).toBeUndefined();
      expect(await p.endDueWrapUps(T0 + 100_000)).toEqual([]);
      expect(await p.endWrapUp('L1')).toBeUndefined();
      expect((await t.bp.queue.offer('c1', 'L1', T0 + 20_000, T0)).ok).toBe(true);

      await p.setLawyerState('L2', 'away');
      expect(await p.beginWrapUp('L2', T0 + 30_000, T0)).toBeUndefined();
      expect((await p.getLawyer('L2'))?.state).toBe('away');
      expect(await p.beginWrapUp('nobody', T0 + 30_000, T0)).toBeUndefined();
    });

    it('ends a wrap-up early when the lawyer is ready, keeps one through reconnecting, and drops it with a break, a new duty or going off duty', async () => {
      const p = t.bp.presence;
      await p.putLawyer(lawyer('L1'));
      await p.beginWrapUp('L1', T0 + 30_000, T0);
      expect(await p.endWrapUp('L1')).toMatchObject({ state: 'available' });
      expect(await p.endDueWrapUps(T0 + 30_000)).toEqual([]);

      await p.beginWrapUp('L1', T0 + 30_000, T0);
      expect(await p.setLawyerState('L1', 'reconnecting')).toMatchObject({ state: 'reconnecting', resumeState: 'wrap-up', wrapUpUntil: T0 + 30_000 });
      expect(await p.setLawyerState('L1', 'wrap-up')).toMatchObject({ state: 'wrap-up', wrapUpUntil: T0 + 30_000, wrapUpSince: T0 });
      await p.setLawyerState('L1', 'reconnecting');
      expect(await p.endDueWrapUps(T0 + 30_000)).toMatchObject([{ state: 'reconnecting', resumeState: 'available' }]);

      await p.setLawyerState('L1', 'available');
      await p.beginWrapUp('L1', T0 + 30_000, T0);
      expect((await p.setLawyerState('L1', 'away'))?.wrapUpUntil).toBeUndefined();
      expect(await p.endDueWrapUps(T0 + 30_000)).toEqual([]);
      await p.setLawyerState('L1', 'available');
      await p.beginWrapUp('L1', T0 + 30_000, T0);
      const again = await p.putLawyer(lawyer('L1'));
      expect(again).toMatchObject({ state: 'available' });
      expect(again.wrapUpSince).toBeUndefined();
      expect(await p.endDueWrapUps(T0 + 30_000)).toEqual([]);
      await p.beginWrapUp('L1', T0 + 30_000, T0);
      await p.removeLawyer('L1');
      expect(await p.endDueWrapUps(T0 + 30_000)).toEqual([]);
      // Put back as it was (a backplane that lost its state): the wrap-up is kept and still ends.
      await p.putLawyer(lawyer('L1', { state: 'wrap-up', wrapUpUntil: T0 + 30_000, wrapUpSince: T0 }));
      expect(await p.endDueWrapUps(T0 + 30_000)).toMatchObject([{ lawyerId: 'L1', state: 'available' }]);
    });

    it('finds the same lawyers, in the same order, as a scan over everyone', async () => {
      const categories: Category[] = ['labor', 'family', 'debt'];
      const regions = ['320200', '320211', '320500', '110000', ''];
      const presence = fc.record({
        categories: fc.subarray(categories, { minLength: 1 }),
        region: fc.constantFrom(...regions),
        capacity: fc.integer({ min: 1, max: 3 }),
        state: fc.constantFrom('available', 'away', 'reconnecting'),
        lastAssignedAt: fc.integer({ min: 0, max: 50 }),
        conflicts: fc.subarray(['甲公司', '乙公司']),
        offers: fc.nat({ max: 3 }),
        /** Where the lawyer was on duty before moving to `region`/`categories`. */
        before: fc.record({ categories: fc.subarray(categories, { minLength: 1 }), region: fc.constantFrom(...regions) }),
      });
      const query = fc.record({
        category: fc.constantFrom(...categories),
        region: fc.constantFrom(...regions.slice(0, 4)),
        reach: fc.constantFrom<Reach>('city', 'province', 'national'),
        strategy: fc.constantFrom(...STRATEGIES),
        declined: fc.subarray(['L0', 'L1', 'L2', 'L3']),
        party: fc.option(fc.constantFrom('甲公司', '丙公司'), { nil: undefined }),
        only: fc.option(fc.constantFrom('L0', 'L5'), { nil: undefined }),
      });
      await fc.assert(
        fc.asyncProperty(fc.array(presence, { maxLength: 12 }), fc.array(query, { minLength: 1, maxLength: 5 }), async (lawyers, queries) => {
          const fresh = await open();
          try {
            const b = fresh.backplane;
            for (const [i, l] of lawyers.entries()) {
              const id = `L${i}`;
              await b.presence.putLawyer(lawyer(id, { categories: l.before.categories, region: l.before.region, capacity: l.capacity }));
              for (let k = 0; k < l.offers; k++) {
                await b.queue.enqueue(entry(`o${i}-${k}`, { category: l.before.categories[0] as Category, region: l.before.region || '320200', enqueuedAt: T0 }));
                await b.queue.offer(`o${i}-${k}`, id, T0 + 1e6, T0);
              }
              // Moving region and categories must move the lawyer in any index too.
              await b.presence.putLawyer(lawyer(id, { categories: l.categories, region: l.region, capacity: l.capacity, state: l.state as 'available', lastAssignedAt: l.lastAssignedAt, conflicts: l.conflicts }));
            }
            const everyone = await b.presence.listLawyers();
            for (const q of queries) {
              const e = entry('q', { category: q.category, region: q.region, declinedBy: q.declined, ...(q.party ? { opposingParty: q.party } : {}) });
              const lq = { entry: e, reach: q.reach, strategy: q.strategy, limit: 3, ...(q.only ? { only: q.only } : {}) };
              expect(await b.presence.findLawyers(lq)).toEqual(scanLawyers(everyone, lq).map((l) => l.lawyerId));
            }
            for (const c of categories) expect(await b.presence.servesCategory(c)).toBe(everyone.some((l) => l.categories.includes(c)));
            const summary = await b.presence.summary();
            expect(Object.values(summary.byState).reduce((a, n) => a + n, 0)).toBe(lawyers.length);
          } finally {
            await fresh.cleanup();
          }
        }),
        { numRuns: 150 },
      );
    });

    it('counts a lawyer\'s devices across nodes: gone only when no node has one, and a node that stops renewing lapses', async () => {
      const other = await t.h.peer();
      const until = T0 + 30_000;
      expect(await t.bp.presence.markDevice('L1', 'n1', true, until, T0)).toBe(0);
      expect(await other.presence.markDevice('L1', 'n2', true, until, T0)).toBe(1);
      expect(await other.presence.markDevice('L2', 'n2', true, until, T0)).toBe(0);
      // The two nodes' last devices leave at once: exactly one of them sees none left.
      const leaving = await Promise.all([t.bp.presence.markDevice('L1', 'n1', false, 0, T0 + 1), other.presence.markDevice('L1', 'n2', false, 0, T0 + 1)]);
      expect(leaving.sort()).toEqual([0, 1]);
      // n1 renews, n3 does not: at +40 s only n1 still counts for L2's other devices.
      expect(await t.bp.presence.markDevice('L2', 'n1', true, until, T0)).toBe(1);
      expect(await t.bp.presence.markDevice('L2', 'n3', true, until, T0)).toBe(2);
      await t.bp.presence.renewDevices('n1', ['L2', 'L9'], T0 + 60_000);
      expect(await other.presence.markDevice('L2', 'n2', false, 0, T0 + 40_000)).toBe(1);
      expect(await other.presence.markDevice('L2', 'n1', false, 0, T0 + 40_000)).toBe(0);
      expect(await other.presence.markDevice('L9', 'n2', false, 0, T0)).toBe(0);
    });
  });
}
