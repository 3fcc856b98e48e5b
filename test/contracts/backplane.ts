import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Category } from '../../protocol/vocabulary.ts';
import { scanLawyers, STRATEGIES, type Reach } from '../../server/backplane/eligibility.ts';
import type { Backplane, QueueEntry } from '../../server/backplane/port.ts';

export interface BackplaneHarness {
  backplane: Backplane;
  /** A second client of the same shared state (another node); the memory one returns itself. */
  peer(): Promise<Backplane>;
  cleanup(): Promise<void>;
}

const T0 = 1_700_000_000_000;

export function entry(consultationId: string, over: Partial<QueueEntry> = {}): QueueEntry {
  return { consultationId, citizenId: `cit-${consultationId}`, category: 'labor', region: '320200', priority: 0, enqueuedAt: T0, declinedBy: [], ...over };
}

export function lawyer(lawyerId: string, over: Partial<Parameters<Backplane['putLawyer']>[0]> = {}): Parameters<Backplane['putLawyer']>[0] {
  return { lawyerId, name: lawyerId, categories: ['labor'], region: '320200', capacity: 2, state: 'available', lastAssignedAt: T0, conflicts: [], leaseUntil: T0 + 60_000, ...over };
}

/** The Backplane port's semantics, for every implementation: memory, Redis and Redis Cluster (the `*.test.ts` beside each in `server/backplane/`). */
export function backplaneContract(name: string, open: () => Promise<BackplaneHarness>): void {
  describe(`Backplane contract: ${name}`, () => {
    let h: BackplaneHarness;
    let bp: Backplane;
    beforeEach(async () => {
      h = await open();
      bp = h.backplane;
    });
    afterEach(() => h.cleanup());

    it('keeps presence, and a second putLawyer keeps load and counters', async () => {
      await bp.putLawyer(lawyer('L1'));
      await bp.enqueue(entry('c1'));
      expect((await bp.offer('c1', 'L1', T0 + 20_000, T0)).ok).toBe(true);
      const again = await bp.putLawyer(lawyer('L1', { capacity: 5, categories: ['labor', 'family'] }));
      expect(again).toMatchObject({ load: 1, capacity: 5, lastOfferAt: T0, categories: ['labor', 'family'] });
      expect((await bp.listLawyers()).map((l) => l.lawyerId)).toEqual(['L1']);
      expect(await bp.getLawyer('nobody')).toBeUndefined();
    });

    it('offers a queued consultation to one lawyer at a time, within capacity, never twice to a decliner', async () => {
      await bp.putLawyer(lawyer('L1', { capacity: 1 }));
      await bp.putLawyer(lawyer('L2'));
      await bp.putLawyer(lawyer('L3', { state: 'away' }));
      await bp.enqueue(entry('c1'));
      await bp.enqueue(entry('c2'));
      expect(await bp.offer('nope', 'L1', T0, T0)).toEqual({ ok: false, reason: 'not-queued' });
      expect(await bp.offer('c1', 'L9', T0, T0)).toEqual({ ok: false, reason: 'not-on-duty' });
      expect(await bp.offer('c1', 'L3', T0, T0)).toEqual({ ok: false, reason: 'not-available' });
      expect(await bp.offer('c1', 'L1', T0 + 20_000, T0)).toEqual({ ok: true });
      expect(await bp.offer('c1', 'L2', T0 + 20_000, T0)).toEqual({ ok: false, reason: 'already-offered' });
      expect(await bp.offer('c2', 'L1', T0 + 20_000, T0)).toEqual({ ok: false, reason: 'no-capacity' });
      expect(await bp.reject('c1', 'L2', 'declined')).toEqual({ ok: false });
      expect((await bp.reject('c1', 'L1', 'declined')).ok).toBe(true);
      expect((await bp.getLawyer('L1'))?.load).toBe(0);
      expect(await bp.offer('c1', 'L1', T0 + 20_000, T0)).toEqual({ ok: false, reason: 'declined-before' });
      expect((await bp.listQueue()).find((e) => e.consultationId === 'c1')?.declinedBy).toEqual(['L1']);
    });

    it('accepts only the offered lawyer; the consultation leaves the queue and stays in their load', async () => {
      await bp.putLawyer(lawyer('L1'));
      await bp.putLawyer(lawyer('L2'));
      await bp.enqueue(entry('c1'));
      await bp.offer('c1', 'L1', T0 + 20_000, T0);
      expect(await bp.accept('c1', 'L2', T0 + 1)).toEqual({ ok: false, reason: 'no-offer' });
      const accepted = await bp.accept('c1', 'L1', T0 + 5);
      expect(accepted.ok).toBe(true);
      expect(accepted.entry?.consultationId).toBe('c1');
      expect(await bp.listQueue()).toEqual([]);
      expect(await bp.listOffers()).toEqual([]);
      expect(await bp.getLawyer('L1')).toMatchObject({ load: 1, lastAssignedAt: T0 + 5 });
      await bp.release('L1', 'c1');
      await bp.release('L1', 'c1');
      expect((await bp.getLawyer('L1'))?.load).toBe(0);
    });

    it('keeps what a lawyer holds across going off and on duty; release is idempotent', async () => {
      await bp.putLawyer(lawyer('L1'));
      await bp.enqueue(entry('c1'));
      expect((await bp.claim('c1', 'L1', T0)).ok).toBe(true);
      await bp.removeLawyer('L1');
      await bp.hold('L1', 'c2');
      expect((await bp.putLawyer(lawyer('L1'))).load).toBe(2);
      await bp.hold('L1', 'c2');
      await bp.release('L1', 'c1');
      await bp.release('L1', 'c1');
      expect((await bp.getLawyer('L1'))?.load).toBe(1);
      await bp.removeLawyer('L1');
      await bp.release('L1', 'c2');
      expect((await bp.putLawyer(lawyer('L1'))).load).toBe(0);
    });

    it('counts offers that time out in a row, and resets the count on an answer', async () => {
      await bp.putLawyer(lawyer('L1'));
      for (const id of ['c1', 'c2']) {
        await bp.enqueue(entry(id));
        await bp.offer(id, 'L1', T0 + 10, T0);
      }
      expect((await bp.expiredOffers(T0 + 9)).length).toBe(0);
      expect((await bp.expiredOffers(T0 + 10)).map((o) => o.consultationId).sort()).toEqual(['c1', 'c2']);
      await bp.reject('c1', 'L1', 'timeout');
      expect((await bp.reject('c2', 'L1', 'timeout')).presence?.missedOffers).toBe(2);
      await bp.enqueue(entry('c3'));
      await bp.offer('c3', 'L1', T0 + 10, T0);
      expect((await bp.reject('c3', 'L1', 'declined')).presence?.missedOffers).toBe(0);
    });

    it('lets a manual pick win only when no offer is out, within capacity', async () => {
      await bp.putLawyer(lawyer('L1', { capacity: 1 }));
      await bp.putLawyer(lawyer('L2'));
      await bp.enqueue(entry('c1'));
      await bp.enqueue(entry('c2'));
      await bp.offer('c1', 'L2', T0 + 20_000, T0);
      expect(await bp.claim('c1', 'L1', T0)).toEqual({ ok: false, reason: 'already-offered' });
      expect((await bp.claim('c2', 'L1', T0)).ok).toBe(true);
      expect(await bp.claim('c2', 'L2', T0)).toEqual({ ok: false, reason: 'not-queued' });
      await bp.enqueue(entry('c3'));
      expect(await bp.claim('c3', 'L1', T0)).toEqual({ ok: false, reason: 'no-capacity' });
      // A lawyer who is not on duty may still pick; nothing to count against.
      expect((await bp.claim('c3', 'L7', T0)).ok).toBe(true);
    });

    it('serves priority first, FIFO within a priority, and puts a returned consultation at the front', async () => {
      await bp.enqueue(entry('late', { enqueuedAt: T0 + 30 }));
      await bp.enqueue(entry('early', { enqueuedAt: T0 + 10 }));
      await bp.enqueue(entry('elderly', { enqueuedAt: T0 + 40, priority: 2 }));
      await bp.enqueue(entry('aid', { enqueuedAt: T0 + 20, priority: 1 }));
      await bp.enqueue(entry('returned', { enqueuedAt: T0 + 50 }), true);
      expect((await bp.listQueue()).map((e) => e.consultationId)).toEqual(['elderly', 'aid', 'returned', 'early', 'late']);
    });

    it('withdraws offers on dequeue and when a lawyer leaves, giving capacity back', async () => {
      await bp.putLawyer(lawyer('L1'));
      await bp.enqueue(entry('c1'));
      await bp.enqueue(entry('c2'));
      await bp.offer('c1', 'L1', T0 + 20_000, T0);
      await bp.offer('c2', 'L1', T0 + 20_000, T0);
      const gone = await bp.dequeue('c1');
      expect(gone.entry?.consultationId).toBe('c1');
      expect(gone.withdrawn?.lawyerId).toBe('L1');
      expect((await bp.getLawyer('L1'))?.load).toBe(1);
      expect(await bp.dequeue('c1')).toEqual({});
      const left = await bp.removeLawyer('L1');
      expect(left.withdrawn.map((o) => o.consultationId)).toEqual(['c2']);
      expect(await bp.listOffers()).toEqual([]);
      expect((await bp.listQueue()).map((e) => e.consultationId)).toEqual(['c2']);
      expect(await bp.getLawyer('L1')).toBeUndefined();
    });

    it("withdraws a reconnecting lawyer's offers, not counted against them, and only while they are reconnecting", async () => {
      await bp.putLawyer(lawyer('L1'));
      await bp.putLawyer(lawyer('L2'));
      for (const id of ['c1', 'c2', 'c3']) await bp.enqueue(entry(id));
      await bp.offer('c1', 'L1', T0 + 20_000, T0);
      await bp.offer('c2', 'L1', T0 + 20_000, T0);
      await bp.offer('c3', 'L2', T0 + 20_000, T0);
      // On duty with a device: their offers stay.
      expect(await bp.withdrawOffers('L1')).toEqual([]);
      await bp.setLawyerState('L1', 'reconnecting');
      expect((await bp.withdrawOffers('L1')).map((o) => o.consultationId).sort()).toEqual(['c1', 'c2']);
      expect(await bp.getLawyer('L1')).toMatchObject({ load: 0, missedOffers: 0, state: 'reconnecting' });
      expect((await bp.listOffers()).map((o) => o.consultationId)).toEqual(['c3']);
      // Still queued, and not declined by them: they may be offered it again once back.
      expect((await bp.listQueue()).map((e) => [e.consultationId, e.declinedBy])).toEqual([
        ['c1', []],
        ['c2', []],
        ['c3', []],
      ]);
      expect(await bp.withdrawOffers('L1')).toEqual([]);
      expect(await bp.withdrawOffers('nobody')).toEqual([]);
      await bp.setLawyerState('L1', 'available');
      expect(await bp.offer('c1', 'L1', T0 + 20_000, T0)).toEqual({ ok: true });
    });

    it('expires leases that are not renewed', async () => {
      await bp.putLawyer(lawyer('L1', { leaseUntil: T0 + 100 }));
      await bp.putLawyer(lawyer('L2', { leaseUntil: T0 + 100 }));
      await bp.renewLeases(['L2', 'ghost'], T0 + 1000);
      expect(await bp.expiredLeases(T0 + 500)).toEqual(['L1']);
    });

    it('remembers the state to resume after reconnecting', async () => {
      await bp.putLawyer(lawyer('L1'));
      await bp.setLawyerState('L1', 'away');
      const reconnecting = await bp.setLawyerState('L1', 'reconnecting');
      expect(reconnecting).toMatchObject({ state: 'reconnecting', resumeState: 'away' });
      expect((await bp.setLawyerState('L1', 'reconnecting'))?.resumeState).toBe('away');
      expect(await bp.setLawyerState('nobody', 'away')).toBeUndefined();
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
              await b.putLawyer(lawyer(id, { categories: l.before.categories, region: l.before.region, capacity: l.capacity }));
              for (let k = 0; k < l.offers; k++) {
                await b.enqueue(entry(`o${i}-${k}`, { category: l.before.categories[0] as Category, region: l.before.region || '320200', enqueuedAt: T0 }));
                await b.offer(`o${i}-${k}`, id, T0 + 1e6, T0);
              }
              // Moving region and categories must move the lawyer in any index too.
              await b.putLawyer(lawyer(id, { categories: l.categories, region: l.region, capacity: l.capacity, state: l.state as 'available', lastAssignedAt: l.lastAssignedAt, conflicts: l.conflicts }));
            }
            const everyone = await b.listLawyers();
            for (const q of queries) {
              const e = entry('q', { category: q.category, region: q.region, declinedBy: q.declined, ...(q.party ? { opposingParty: q.party } : {}) });
              const lq = { entry: e, reach: q.reach, strategy: q.strategy, limit: 3, ...(q.only ? { only: q.only } : {}) };
              expect(await b.findLawyers(lq)).toEqual(scanLawyers(everyone, lq).map((l) => l.lawyerId));
            }
            for (const c of categories) expect(await b.servesCategory(c)).toBe(everyone.some((l) => l.categories.includes(c)));
            const summary = await b.summary();
            expect(Object.values(summary.byState).reduce((a, n) => a + n, 0)).toBe(lawyers.length);
          } finally {
            await fresh.cleanup();
          }
        }),
        { numRuns: 150 },
      );
    });

    it('never fills a lawyer past capacity when nodes offer different consultations at once', async () => {
      const other = await h.peer();
      await bp.putLawyer(lawyer('L1', { capacity: 2 }));
      const ids = Array.from({ length: 8 }, (_, i) => `c${i}`);
      for (const id of ids) await bp.enqueue(entry(id));
      const results = await Promise.all(ids.map((id, i) => (i % 2 ? other : bp).offer(id, 'L1', T0 + 20_000, T0)));
      expect(results.filter((r) => r.ok)).toHaveLength(2);
      expect(results.filter((r) => !r.ok).every((r) => r.reason === 'no-capacity')).toBe(true);
      expect((await bp.getLawyer('L1'))?.load).toBe(2);
    });

    it('lets exactly one of many racing offers and picks win', async () => {
      const other = await h.peer();
      const ids = Array.from({ length: 8 }, (_, i) => `L${i}`);
      for (const id of ids) await bp.putLawyer(lawyer(id, { capacity: 1 }));
      await bp.enqueue(entry('c1'));
      const results = await Promise.all(
        ids.map((id, i) => (i % 2 ? other.offer('c1', id, T0 + 20_000, T0) : bp.claim('c1', id, T0))),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      const loads = (await bp.listLawyers()).map((l) => l.load);
      expect(loads.reduce((a, b) => a + b, 0)).toBe(1);
    });

    it('gives a lawyer one call at a time, apart from text capacity; renewable, and it lapses', async () => {
      await bp.putLawyer(lawyer('L1', { capacity: 1 }));
      expect(await bp.claimCall('L1', 'c1', T0 + 60_000, T0)).toEqual({ ok: true });
      expect(await bp.claimCall('L1', 'c2', T0 + 60_000, T0 + 1)).toEqual({ ok: false, reason: 'in-call', holder: 'c1' });
      expect(await bp.claimCall('L1', 'c1', T0 + 120_000, T0 + 2)).toEqual({ ok: true });
      // Text capacity is its own: the call took none of it.
      await bp.enqueue(entry('t1'));
      expect((await bp.offer('t1', 'L1', T0 + 20_000, T0)).ok).toBe(true);
      // Only the holder ends it.
      await bp.endCall('L1', 'c2');
      expect((await bp.claimCall('L1', 'c2', T0 + 60_000, T0 + 3)).ok).toBe(false);
      await bp.endCall('L1', 'c1');
      expect((await bp.claimCall('L1', 'c2', T0 + 60_000, T0 + 4)).ok).toBe(true);
      // A holder that stops renewing (its node died) frees the lawyer at `until`.
      expect((await bp.claimCall('L1', 'c3', T0 + 70_000, T0 + 59_999)).ok).toBe(false);
      expect((await bp.claimCall('L1', 'c3', T0 + 70_000, T0 + 60_000)).ok).toBe(true);
    });

    it('gives a role to one holder at a time, kept while renewed, free once it lapses', async () => {
      const other = await h.peer();
      const now = Date.now();
      const racing = await Promise.all(['n1', 'n2', 'n3'].map((n, i) => (i % 2 ? other : bp).lead('jobs', n, 150, now)));
      expect(racing.filter(Boolean)).toHaveLength(1);
      const holder = ['n1', 'n2', 'n3'][racing.indexOf(true)] as string;
      const rival = holder === 'n1' ? 'n2' : 'n1';
      expect(await bp.lead('jobs', holder, 150, now + 100)).toBe(true);
      expect(await other.lead('jobs', rival, 150, now + 100)).toBe(false);
      expect(await other.lead('other-role', rival, 150, now + 100)).toBe(true);
      // Lapsed: the memory one reads the clock it is given, Redis its own (the key's PX).
      await new Promise((r) => setTimeout(r, 300));
      expect(await other.lead('jobs', rival, 150, Date.now())).toBe(true);
    });

    it('seats at most three assistants of a lawyer, however many nodes race for it', async () => {
      const other = await h.peer();
      const racing = await Promise.all(['A1', 'A2', 'A3', 'A4', 'A5'].map((a, i) => (i % 2 ? other : bp).claimAssistantSeat('L1', a, i % 2 ? 'n2' : 'n1', 3, T0 + 30_000, T0)));
      expect(racing.filter(Boolean)).toHaveLength(3);
    });

    it('counts an assistant once on several nodes, frees a seat when all are released, and lets seats a node stops renewing lapse', async () => {
      const claim = (a: string, node: string, now = T0) => bp.claimAssistantSeat('L1', a, node, 3, now + 30_000, now);
      expect([await claim('A1', 'n1'), await claim('A2', 'n2'), await claim('A3', 'n1'), await claim('A1', 'n3')]).toEqual([true, true, true, true]);
      expect(await claim('A4', 'n1')).toBe(false);
      await bp.releaseAssistantSeat('L1', 'A1', 'n1');
      expect(await claim('A4', 'n1')).toBe(false); // A1 is still on n3
      await bp.releaseAssistantSeat('L1', 'A1', 'n3');
      expect(await claim('A4', 'n1')).toBe(true);
      // n1 renews, n2 is gone: at +40 s A2's seat has lapsed and only one more fits.
      const lost = await bp.renewAssistantSeats('n1', [{ lawyerId: 'L1', assistantId: 'A3' }, { lawyerId: 'L1', assistantId: 'A4' }, { lawyerId: 'L1', assistantId: 'A9' }], T0 + 60_000);
      expect(lost).toEqual([{ lawyerId: 'L1', assistantId: 'A9' }]);
      expect([await claim('A5', 'n1', T0 + 40_000), await claim('A6', 'n1', T0 + 40_000)]).toEqual([true, false]);
    });

    it('counts a lawyer\'s devices across nodes: gone only when no node has one, and a node that stops renewing lapses', async () => {
      const other = await h.peer();
      const until = T0 + 30_000;
      expect(await bp.markDevice('L1', 'n1', true, until, T0)).toBe(0);
      expect(await other.markDevice('L1', 'n2', true, until, T0)).toBe(1);
      expect(await other.markDevice('L2', 'n2', true, until, T0)).toBe(0);
      // The two nodes' last devices leave at once: exactly one of them sees none left.
      const leaving = await Promise.all([bp.markDevice('L1', 'n1', false, 0, T0 + 1), other.markDevice('L1', 'n2', false, 0, T0 + 1)]);
      expect(leaving.sort()).toEqual([0, 1]);
      // n1 renews, n3 does not: at +40 s only n1 still counts for L2's other devices.
      expect(await bp.markDevice('L2', 'n1', true, until, T0)).toBe(1);
      expect(await bp.markDevice('L2', 'n3', true, until, T0)).toBe(2);
      await bp.renewDevices('n1', ['L2', 'L9'], T0 + 60_000);
      expect(await other.markDevice('L2', 'n2', false, 0, T0 + 40_000)).toBe(1);
      expect(await other.markDevice('L2', 'n1', false, 0, T0 + 40_000)).toBe(0);
      expect(await other.markDevice('L9', 'n2', false, 0, T0)).toBe(0);
    });

    it('lets exactly one of many racing call claims win', async () => {
      const other = await h.peer();
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? other : bp).claimCall('L1', `c${i}`, T0 + 60_000, T0)));
      expect(results.filter((r) => r.ok)).toHaveLength(1);
    });
  });
}
