import { describe, expect, it } from 'vitest';
import { perTest, T0, type OpenHarness } from './harness.ts';

/** The coordination port: one holder of a role, and at most N assistant seats per lawyer, across nodes. */
export function coordinationContract(name: string, open: OpenHarness): void {
  describe(`Coordination port: ${name}`, () => {
    const t = perTest(open);

    it('gives a role to one holder at a time, kept while renewed, free once it lapses', async () => {
      const other = await t.h.peer();
      const now = Date.now();
      const racing = await Promise.all(['n1', 'n2', 'n3'].map((n, i) => (i % 2 ? other : t.bp).coordination.lead('jobs', n, 150, now)));
      expect(racing.filter(Boolean)).toHaveLength(1);
      const holder = ['n1', 'n2', 'n3'][racing.indexOf(true)] as string;
      const rival = holder === 'n1' ? 'n2' : 'n1';
      expect(await t.bp.coordination.lead('jobs', holder, 150, now + 100)).toBe(true);
      expect(await other.coordination.lead('jobs', rival, 150, now + 100)).toBe(false);
      expect(await other.coordination.lead('other-role', rival, 150, now + 100)).toBe(true);
      // Lapsed: the memory one reads the clock it is given, Redis its own (the key's PX).
      await new Promise((r) => setTimeout(r, 300));
      expect(await other.coordination.lead('jobs', rival, 150, Date.now())).toBe(true);
    });

    it('seats at most three assistants of a lawyer, however many nodes race for it', async () => {
      const other = await t.h.peer();
      const racing = await Promise.all(['A1', 'A2', 'A3', 'A4', 'A5'].map((a, i) => (i % 2 ? other : t.bp).coordination.claimAssistantSeat('L1', a, i % 2 ? 'n2' : 'n1', 3, T0 + 30_000, T0)));
      expect(racing.filter(Boolean)).toHaveLength(3);
    });

    it('counts an assistant once on several nodes, frees a seat when all are released, and lets seats a node stops renewing lapse', async () => {
      const claim = (a: string, node: string, now = T0) => t.bp.coordination.claimAssistantSeat('L1', a, node, 3, now + 30_000, now);
      expect([await claim('A1', 'n1'), await claim('A2', 'n2'), await claim('A3', 'n1'), await claim('A1', 'n3')]).toEqual([true, true, true, true]);
      expect(await claim('A4', 'n1')).toBe(false);
      await t.bp.coordination.releaseAssistantSeat('L1', 'A1', 'n1');
      expect(await claim('A4', 'n1')).toBe(false); // A1 is still on n3
      await t.bp.coordination.releaseAssistantSeat('L1', 'A1', 'n3');
      expect(await claim('A4', 'n1')).toBe(true);
      // n1 renews, n2 is gone: at +40 s A2's seat has lapsed and only one more fits.
      const lost = await t.bp.coordination.renewAssistantSeats('n1', [{ lawyerId: 'L1', assistantId: 'A3' }, { lawyerId: 'L1', assistantId: 'A4' }, { lawyerId: 'L1', assistantId: 'A9' }], T0 + 60_000);
      expect(lost).toEqual([{ lawyerId: 'L1', assistantId: 'A9' }]);
      expect([await claim('A5', 'n1', T0 + 40_000), await claim('A6', 'n1', T0 + 40_000)]).toEqual([true, false]);
    });

    it('counts the members who mentioned a subject within the window, across nodes, newest last', async () => {
      const other = await t.h.peer();
      const W = 60_000;
      const at = (ms: number) => T0 + ms;
      await Promise.all([t.bp.coordination.mention('labor|320500|欠薪', 'C1|c1', at(0), W, 10), other.coordination.mention('labor|320500|欠薪', 'C2|c2', at(10), W, 10)]);
      expect(await other.coordination.mention('labor|320500|欠薪', 'C1|c1', at(20), W, 10)).toEqual({ count: 2, members: ['C2|c2', 'C1|c1'] });
      expect((await t.bp.coordination.mention('labor|320600|欠薪', 'C3|c3', at(30), W, 10)).count).toBe(1);
      expect(await t.bp.coordination.mention('labor|320500|欠薪', 'C4|c4', at(40), W, 2)).toEqual({ count: 3, members: ['C1|c1', 'C4|c4'] });
      // A window later C2's mention (at 10) has gone; C1 (at 20) and C4 (at 40) remain.
      expect(await other.coordination.mention('labor|320500|欠薪', 'C5|c5', at(W + 15), W, 10)).toEqual({ count: 3, members: ['C1|c1', 'C4|c4', 'C5|c5'] });
    });
  });
}
