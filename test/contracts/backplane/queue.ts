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

    it('enqueues if absent: adds one the backplane has nowhere, and leaves one queued, offered or held as it is', async () => {
      await t.bp.presence.putLawyer(lawyer('L1', { capacity: 3 }));
      await t.bp.presence.putLawyer(lawyer('L2', { capacity: 3 }));
      // Absent: added, by its wait (not in the front), and offerable.
      await t.bp.queue.enqueue(entry('newer', { enqueuedAt: T0 + 50 }));
      expect(await t.bp.queue.enqueueIfAbsent(entry('lost', { enqueuedAt: T0 + 10 }))).toBe('added');
      expect((await t.bp.queue.listQueue()).map((e) => e.consultationId)).toEqual(['lost', 'newer']);
      // Queued, with a decline and an offer out: the offer, the decline and the load stay.
      await t.bp.queue.offer('lost', 'L1', T0 + 20_000, T0);
      await t.bp.queue.reject('lost', 'L1', 'declined');
      expect(await t.bp.queue.offer('lost', 'L2', T0 + 20_000, T0)).toEqual({ ok: true });
      expect(await t.bp.queue.enqueueIfAbsent(entry('lost', { enqueuedAt: T0 + 10 }))).toBe('queued');
      expect(await t.bp.queue.listOffers()).toEqual([{ consultationId: 'lost', lawyerId: 'L2', expiresAt: T0 + 20_000 }]);
      expect((await t.bp.queue.listQueue()).map((e) => [e.consultationId, e.declinedBy])).toEqual([
        ['lost', ['L1']],
        ['newer', []],
      ]);
      expect((await t.bp.presence.getLawyer('L2'))?.load).toBe(1);
      // A front entry (a lawyer dropped it) keeps its place.
      await t.bp.queue.enqueue(entry('dropped', { enqueuedAt: T0 + 90 }), true);
      expect(await t.bp.queue.enqueueIfAbsent(entry('dropped', { enqueuedAt: T0 + 90 }))).toBe('queued');
      expect((await t.bp.queue.listQueue()).map((e) => e.consultationId)).toEqual(['dropped', 'lost', 'newer']);
      // Accepted (its record still being written): held, not queued again.
      expect((await t.bp.queue.accept('lost', 'L2', T0 + 1)).ok).toBe(true);
      expect(await t.bp.queue.enqueueIfAbsent(entry('lost'))).toBe('held');
      // Picked, and a hold rebuilt: held too.
      expect((await t.bp.queue.claim('newer', 'L1', T0)).ok).toBe(true);
      expect(await t.bp.queue.enqueueIfAbsent(entry('newer'))).toBe('held');
      await t.bp.queue.hold('L1', 'rebuilt');
      expect(await t.bp.queue.enqueueIfAbsent(entry('rebuilt'))).toBe('held');
      expect((await t.bp.queue.listQueue()).map((e) => e.consultationId)).toEqual(['dropped']);
      expect(await t.bp.presence.getLawyer('L1')).toMatchObject({ load: 2 });
      expect(await t.bp.presence.getLawyer('L2')).toMatchObject({ load: 1 });
      // Released (requeued, as a lawyer's drop does): absent again, so added.
      await t.bp.queue.release('L2', 'lost');
      expect(await t.bp.queue.enqueueIfAbsent(entry('lost'))).toBe('added');
      expect((await t.bp.queue.listQueue()).map((e) => e.consultationId)).toEqual(['dropped', 'lost']);
    });

    it('counts a consultation held while any lawyer holds it, whichever lets go first', async () => {
      // A hold left over by one lawyer (a requeue cut short) beside a new holder's.
      for (const first of ['L1', 'L2']) {
        const id = `c-${first}`;
        await t.bp.queue.hold('L1', id);
        await t.bp.queue.hold('L2', id);
        await t.bp.queue.hold('L2', id);
        await t.bp.queue.release(first, id);
        await t.bp.queue.release(first, id);
        expect(await t.bp.queue.enqueueIfAbsent(entry(id))).toBe('held');
        await t.bp.queue.release(first === 'L1' ? 'L2' : 'L1', id);
        expect(await t.bp.queue.enqueueIfAbsent(entry(id))).toBe('added');
      }
    });

    it('adds a consultation once when nodes enqueue it if absent at once', async () => {
      const other = await t.h.peer();
      await t.bp.presence.putLawyer(lawyer('L1'));
      const results = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? other : t.bp).queue.enqueueIfAbsent(entry('c1'))));
      expect(results.filter((r) => r === 'added')).toHaveLength(1);
      expect(await t.bp.queue.listQueue()).toHaveLength(1);
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
