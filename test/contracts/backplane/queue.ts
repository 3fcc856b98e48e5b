import { describe, expect, it } from 'vitest';
import { entry, lawyer, perTest, T0, type OpenHarness } from './harness.ts';

/** The queue port: queue order, offers, claims and holds, atomic with the lawyers' load however nodes race (invariant 3). */
export function queueContract(name: string, open: OpenHarness): void {
  describe(`Queue port: ${name}`, () => {
    const t = perTest(open);

    it('offers a queued consultation to one lawyer at a time, within capacity, never twice to a decliner', async () => {
      await t.bp.presence.putLawyer(lawyer('L1', { capacity: 1 }));
      await t.bp.presence.putLawyer(lawyer('L2'));
      await t.bp.presence.putLawyer(lawyer('L3', { state: 'away' }));
      await t.bp.queue.enqueue(entry('c1'));
      await t.bp.queue.enqueue(entry('c2'));
      expect(await t.bp.queue.offer('nope', 'L1', T0, T0)).toEqual({ ok: false, reason: 'not-queued' });
      expect(await t.bp.queue.offer('c1', 'L9', T0, T0)).toEqual({ ok: false, reason: 'not-on-duty' });
      expect(await t.bp.queue.offer('c1', 'L3', T0, T0)).toEqual({ ok: false, reason: 'not-available' });
      expect(await t.bp.queue.offer('c1', 'L1', T0 + 20_000, T0)).toEqual({ ok: true });
      expect(await t.bp.queue.offer('c1', 'L2', T0 + 20_000, T0)).toEqual({ ok: false, reason: 'already-offered' });
      expect(await t.bp.queue.offer('c2', 'L1', T0 + 20_000, T0)).toEqual({ ok: false, reason: 'no-capacity' });
      expect(await t.bp.queue.reject('c1', 'L2', 'declined')).toEqual({ ok: false });
      // With the offer it ended, whose expiresAt names it to the lawyer's devices.
      expect(await t.bp.queue.reject('c1', 'L1', 'declined')).toMatchObject({ ok: true, offer: { consultationId: 'c1', lawyerId: 'L1', expiresAt: T0 + 20_000 } });
      expect((await t.bp.presence.getLawyer('L1'))?.load).toBe(0);
      expect(await t.bp.queue.offer('c1', 'L1', T0 + 20_000, T0)).toEqual({ ok: false, reason: 'declined-before' });
      expect((await t.bp.queue.listQueue()).find((e) => e.consultationId === 'c1')?.declinedBy).toEqual(['L1']);
    });

    it('accepts only the offered lawyer; the consultation leaves the queue and stays in their load', async () => {
      await t.bp.presence.putLawyer(lawyer('L1'));
      await t.bp.presence.putLawyer(lawyer('L2'));
      await t.bp.queue.enqueue(entry('c1'));
      await t.bp.queue.offer('c1', 'L1', T0 + 20_000, T0);
      expect(await t.bp.queue.accept('c1', 'L2', T0 + 1)).toEqual({ ok: false, reason: 'no-offer' });
      const accepted = await t.bp.queue.accept('c1', 'L1', T0 + 5);
      expect(accepted).toMatchObject({ ok: true, offer: { consultationId: 'c1', lawyerId: 'L1', expiresAt: T0 + 20_000 } });
      expect(accepted.entry?.consultationId).toBe('c1');
      expect(await t.bp.queue.listQueue()).toEqual([]);
      expect(await t.bp.queue.listOffers()).toEqual([]);
      expect(await t.bp.presence.getLawyer('L1')).toMatchObject({ load: 1, lastAssignedAt: T0 + 5 });
      await t.bp.queue.release('L1', 'c1');
      await t.bp.queue.release('L1', 'c1');
      expect((await t.bp.presence.getLawyer('L1'))?.load).toBe(0);
    });

    it('keeps what a lawyer holds across going off and on duty; release is idempotent', async () => {
      await t.bp.presence.putLawyer(lawyer('L1'));
      await t.bp.queue.enqueue(entry('c1'));
      expect((await t.bp.queue.claim('c1', 'L1', T0)).ok).toBe(true);
      await t.bp.presence.removeLawyer('L1');
      await t.bp.queue.hold('L1', 'c2');
      expect((await t.bp.presence.putLawyer(lawyer('L1'))).load).toBe(2);
      await t.bp.queue.hold('L1', 'c2');
      await t.bp.queue.release('L1', 'c1');
      await t.bp.queue.release('L1', 'c1');
      expect((await t.bp.presence.getLawyer('L1'))?.load).toBe(1);
      await t.bp.presence.removeLawyer('L1');
      await t.bp.queue.release('L1', 'c2');
      expect((await t.bp.presence.putLawyer(lawyer('L1'))).load).toBe(0);
    });

    it('counts a consultation once in a load when a hold of it lingers as it is taken again', async () => {
      // A hold left over (a recovery racing a close, a requeue) is in the set when the same lawyer picks or accepts it.
      await t.bp.presence.putLawyer(lawyer('L1', { capacity: 3 }));
      await t.bp.queue.hold('L1', 'c1');
      await t.bp.queue.enqueue(entry('c1'));
      expect((await t.bp.queue.claim('c1', 'L1', T0)).ok).toBe(true);
      expect((await t.bp.presence.getLawyer('L1'))?.load).toBe(1);
      await t.bp.queue.hold('L1', 'c2');
      await t.bp.queue.enqueue(entry('c2'));
      expect(await t.bp.queue.offer('c2', 'L1', T0 + 20_000, T0)).toEqual({ ok: true });
      expect((await t.bp.presence.getLawyer('L1'))?.load).toBe(3);
      expect((await t.bp.queue.accept('c2', 'L1', T0 + 1)).ok).toBe(true);
      expect((await t.bp.presence.getLawyer('L1'))?.load).toBe(2);
      await t.bp.queue.release('L1', 'c1');
      await t.bp.queue.release('L1', 'c2');
      expect((await t.bp.presence.getLawyer('L1'))?.load).toBe(0);
    });

    it('counts offers that time out in a row, and resets the count on an answer', async () => {
      await t.bp.presence.putLawyer(lawyer('L1'));
      for (const id of ['c1', 'c2']) {
        await t.bp.queue.enqueue(entry(id));
        await t.bp.queue.offer(id, 'L1', T0 + 10, T0);
      }
      expect((await t.bp.queue.expiredOffers(T0 + 9)).length).toBe(0);
      expect((await t.bp.queue.expiredOffers(T0 + 10)).map((o) => o.consultationId).sort()).toEqual(['c1', 'c2']);
      await t.bp.queue.reject('c1', 'L1', 'timeout');
      expect((await t.bp.queue.reject('c2', 'L1', 'timeout')).presence?.missedOffers).toBe(2);
      await t.bp.queue.enqueue(entry('c3'));
      await t.bp.queue.offer('c3', 'L1', T0 + 10, T0);
      expect((await t.bp.queue.reject('c3', 'L1', 'declined')).presence?.missedOffers).toBe(0);
    });

    it('lets a manual pick win only when no offer is out, within capacity', async () => {
      await t.bp.presence.putLawyer(lawyer('L1', { capacity: 1 }));
      await t.bp.presence.putLawyer(lawyer('L2'));
      await t.bp.queue.enqueue(entry('c1'));
      await t.bp.queue.enqueue(entry('c2'));
      await t.bp.queue.offer('c1', 'L2', T0 + 20_000, T0);
      expect(await t.bp.queue.claim('c1', 'L1', T0)).toEqual({ ok: false, reason: 'already-offered' });
      expect((await t.bp.queue.claim('c2', 'L1', T0)).ok).toBe(true);
      expect(await t.bp.queue.claim('c2', 'L2', T0)).toEqual({ ok: false, reason: 'not-queued' });
      await t.bp.queue.enqueue(entry('c3'));
      expect(await t.bp.queue.claim('c3', 'L1', T0)).toEqual({ ok: false, reason: 'no-capacity' });
      // A lawyer who is not on duty may still pick; nothing to count against.
      expect((await t.bp.queue.claim('c3', 'L7', T0)).ok).toBe(true);
    });

    it('serves priority first, FIFO within a priority, and puts a returned consultation at the front', async () => {
      await t.bp.queue.enqueue(entry('late', { enqueuedAt: T0 + 30 }));
      await t.bp.queue.enqueue(entry('early', { enqueuedAt: T0 + 10 }));
      await t.bp.queue.enqueue(entry('elderly', { enqueuedAt: T0 + 40, priority: 2 }));
      await t.bp.queue.enqueue(entry('aid', { enqueuedAt: T0 + 20, priority: 1 }));
      await t.bp.queue.enqueue(entry('returned', { enqueuedAt: T0 + 50 }), true);
      expect((await t.bp.queue.listQueue()).map((e) => e.consultationId)).toEqual(['elderly', 'aid', 'returned', 'early', 'late']);
    });

    it('withdraws offers on dequeue and when a lawyer leaves, giving capacity back', async () => {
      await t.bp.presence.putLawyer(lawyer('L1'));
      await t.bp.queue.enqueue(entry('c1'));
      await t.bp.queue.enqueue(entry('c2'));
      await t.bp.queue.offer('c1', 'L1', T0 + 20_000, T0);
      await t.bp.queue.offer('c2', 'L1', T0 + 20_000, T0);
      const gone = await t.bp.queue.dequeue('c1');
      expect(gone.entry?.consultationId).toBe('c1');
      expect(gone.withdrawn?.lawyerId).toBe('L1');
      expect((await t.bp.presence.getLawyer('L1'))?.load).toBe(1);
      expect(await t.bp.queue.dequeue('c1')).toEqual({});
      const left = await t.bp.presence.removeLawyer('L1');
      expect(left.withdrawn.map((o) => o.consultationId)).toEqual(['c2']);
      expect(await t.bp.queue.listOffers()).toEqual([]);
      expect((await t.bp.queue.listQueue()).map((e) => e.consultationId)).toEqual(['c2']);
      expect(await t.bp.presence.getLawyer('L1')).toBeUndefined();
    });

    it("withdraws a reconnecting lawyer's offers, not counted against them, and only while they are reconnecting", async () => {
      await t.bp.presence.putLawyer(lawyer('L1'));
      await t.bp.presence.putLawyer(lawyer('L2'));
      for (const id of ['c1', 'c2', 'c3']) await t.bp.queue.enqueue(entry(id));
      await t.bp.queue.offer('c1', 'L1', T0 + 20_000, T0);
      await t.bp.queue.offer('c2', 'L1', T0 + 20_000, T0);
      await t.bp.queue.offer('c3', 'L2', T0 + 20_000, T0);
      // On duty with a device: their offers stay.
      expect(await t.bp.queue.withdrawOffers('L1')).toEqual([]);
      await t.bp.presence.setLawyerState('L1', 'reconnecting');
      expect((await t.bp.queue.withdrawOffers('L1')).map((o) => o.consultationId).sort()).toEqual(['c1', 'c2']);
      expect(await t.bp.presence.getLawyer('L1')).toMatchObject({ load: 0, missedOffers: 0, state: 'reconnecting' });
      expect((await t.bp.queue.listOffers()).map((o) => o.consultationId)).toEqual(['c3']);
      // Still queued, and not declined by them: they may be offered it again once back.
      expect((await t.bp.queue.listQueue()).map((e) => [e.consultationId, e.declinedBy])).toEqual([
        ['c1', []],
        ['c2', []],
        ['c3', []],
      ]);
      expect(await t.bp.queue.withdrawOffers('L1')).toEqual([]);
      expect(await t.bp.queue.withdrawOffers('nobody')).toEqual([]);
      await t.bp.presence.setLawyerState('L1', 'available');
      expect(await t.bp.queue.offer('c1', 'L1', T0 + 20_000, T0)).toEqual({ ok: true });
    });

    it('unclaims a consultation held by two lawyers, whichever of them let go before', async () => {
      // A hold left over by one lawyer (a requeue cut short) beside a new holder's.
      for (const [first, other] of [
        ['L1', 'L2'],
        ['L2', 'L1'],
      ] as const) {
        const id = `c-${first}`;
        await t.bp.queue.hold('L1', id);
        await t.bp.queue.hold('L2', id);
        await t.bp.queue.hold('L2', id);
        await t.bp.queue.release(first, id);
        await t.bp.queue.release(first, id);
        expect(await t.bp.queue.unclaim(entry(id))).toEqual({ released: [other], added: true });
        expect(await t.bp.queue.unclaim(entry(id))).toEqual({ released: [], added: false });
      }
    });

    it('unclaims: every hold of the consultation goes with its unit of load, and it is queued again by its wait unless queued already', async () => {
      await t.bp.presence.putLawyer(lawyer('L1', { capacity: 3 }));
      await t.bp.presence.putLawyer(lawyer('L2', { capacity: 3 }));
      await t.bp.queue.enqueue(entry('picked', { enqueuedAt: T0 + 10 }));
      await t.bp.queue.enqueue(entry('accepted', { enqueuedAt: T0 + 20 }));
      await t.bp.queue.enqueue(entry('later', { enqueuedAt: T0 + 30 }));
      // A pick and an accept whose records were never written, and a hold of the pick left by another lawyer.
      expect((await t.bp.queue.claim('picked', 'L1', T0)).ok).toBe(true);
      expect(await t.bp.queue.offer('accepted', 'L2', T0 + 20_000, T0)).toEqual({ ok: true });
      expect((await t.bp.queue.accept('accepted', 'L2', T0 + 1)).ok).toBe(true);
      await t.bp.queue.hold('L2', 'picked');
      expect(await t.bp.presence.getLawyer('L1')).toMatchObject({ load: 1 });
      expect(await t.bp.presence.getLawyer('L2')).toMatchObject({ load: 2 });

      const unpicked = await t.bp.queue.unclaim(entry('picked', { enqueuedAt: T0 + 10 }));
      expect({ ...unpicked, released: [...unpicked.released].sort() }).toEqual({ released: ['L1', 'L2'], added: true });
      expect(await t.bp.queue.unclaim(entry('accepted', { enqueuedAt: T0 + 20 }))).toEqual({ released: ['L2'], added: true });
      expect(await t.bp.presence.getLawyer('L1')).toMatchObject({ load: 0 });
      expect(await t.bp.presence.getLawyer('L2')).toMatchObject({ load: 0 });
      // In their places by their waits, offerable again, and no longer held.
      expect((await t.bp.queue.listQueue()).map((e) => e.consultationId)).toEqual(['picked', 'accepted', 'later']);
      expect(await t.bp.queue.unclaim(entry('picked'))).toEqual({ released: [], added: false });
      await t.bp.queue.release('L1', 'picked');
      expect(await t.bp.presence.getLawyer('L1')).toMatchObject({ load: 0 });
      expect(await t.bp.queue.offer('accepted', 'L1', T0 + 20_000, T0)).toEqual({ ok: true });

      // Queued already (put back before): its offer, its declines and the load stay.
      await t.bp.queue.offer('later', 'L2', T0 + 20_000, T0);
      await t.bp.queue.reject('later', 'L2', 'declined');
      await t.bp.queue.offer('later', 'L1', T0 + 20_000, T0);
      expect(await t.bp.queue.unclaim(entry('later', { enqueuedAt: T0 + 30 }))).toEqual({ released: [], added: false });
      expect((await t.bp.queue.listOffers()).map((o) => [o.consultationId, o.lawyerId]).sort()).toEqual([
        ['accepted', 'L1'],
        ['later', 'L1'],
      ]);
      expect((await t.bp.queue.listQueue()).find((e) => e.consultationId === 'later')?.declinedBy).toEqual(['L2']);
      expect(await t.bp.presence.getLawyer('L1')).toMatchObject({ load: 2 });
      // Put at the front (a lawyer dropped it): it keeps its place.
      await t.bp.queue.enqueue(entry('dropped', { enqueuedAt: T0 + 90 }), true);
      expect(await t.bp.queue.unclaim(entry('dropped', { enqueuedAt: T0 + 90 }))).toEqual({ released: [], added: false });
      expect((await t.bp.queue.listQueue()).map((e) => e.consultationId)).toEqual(['dropped', 'picked', 'accepted', 'later']);

      // Held by a lawyer off duty: the hold goes, and they come back on duty without it.
      await t.bp.queue.hold('L9', 'off');
      expect(await t.bp.queue.unclaim(entry('off'))).toEqual({ released: ['L9'], added: true });
      expect(await t.bp.presence.putLawyer(lawyer('L9'))).toMatchObject({ load: 0 });
    });

    it('queues an unclaimed consultation once and releases each hold once when nodes unclaim it at once', async () => {
      const other = await t.h.peer();
      await t.bp.presence.putLawyer(lawyer('L1'));
      await t.bp.queue.enqueue(entry('c1'));
      expect((await t.bp.queue.claim('c1', 'L1', T0)).ok).toBe(true);
      const results = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? other : t.bp).queue.unclaim(entry('c1'))));
      expect(results.filter((r) => r.added)).toHaveLength(1);
      expect(results.flatMap((r) => r.released)).toEqual(['L1']);
      expect(await t.bp.queue.listQueue()).toHaveLength(1);
      expect(await t.bp.presence.getLawyer('L1')).toMatchObject({ load: 0 });
    });

    it('never fills a lawyer past capacity when nodes offer different consultations at once', async () => {
      const other = await t.h.peer();
      await t.bp.presence.putLawyer(lawyer('L1', { capacity: 2 }));
      const ids = Array.from({ length: 8 }, (_, i) => `c${i}`);
      for (const id of ids) await t.bp.queue.enqueue(entry(id));
      const results = await Promise.all(ids.map((id, i) => (i % 2 ? other : t.bp).queue.offer(id, 'L1', T0 + 20_000, T0)));
      expect(results.filter((r) => r.ok)).toHaveLength(2);
      expect(results.filter((r) => !r.ok).every((r) => r.reason === 'no-capacity')).toBe(true);
      expect((await t.bp.presence.getLawyer('L1'))?.load).toBe(2);
    });

    it('lets exactly one of many racing offers and picks win', async () => {
      const other = await t.h.peer();
      const ids = Array.from({ length: 8 }, (_, i) => `L${i}`);
      for (const id of ids) await t.bp.presence.putLawyer(lawyer(id, { capacity: 1 }));
      await t.bp.queue.enqueue(entry('c1'));
      const results = await Promise.all(
        ids.map((id, i) => (i % 2 ? other.queue.offer('c1', id, T0 + 20_000, T0) : t.bp.queue.claim('c1', id, T0))),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      const loads = (await t.bp.presence.listLawyers()).map((l) => l.load);
      expect(loads.reduce((a, b) => a + b, 0)).toBe(1);
    });
  });
}
