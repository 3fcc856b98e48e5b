import { describe, expect, it } from 'vitest';
import { sharedCluster, type TestCluster } from './helpers/cluster.ts';
import { citizen, lawyer } from './helpers/people.ts';
import type { Participant } from './helpers/recorder.ts';

// A lawyer's devices (desk and phone) may reach different nodes through the load balancer:
// their duty follows the union of them, across nodes.

const RESUME_WINDOW_MS = 1000;
/** What a node logs when Redis has forgotten it and it rebuilds (`cluster/recovery.ts`). */
const REBUILDING = 'pushes to this node were lost';

describe('a lawyer with devices on two nodes', () => {
  const { cluster, on } = sharedCluster(2, { LAWLINE_RESUME_WINDOW_MS: String(RESUME_WINDOW_MS) });
  /**
   * As if Redis restarted empty: waits until every node has noticed (its renewal finds it
   * forgotten) and rebuilt from the store and from what it knows; its sessions start over.
   */
  const forgetEverything = async () => {
    const rebuilds = (node: TestCluster['nodes'][number]) => node.output().split(REBUILDING).length;
    const before = cluster().nodes.map(rebuilds);
    await cluster().forgetRedisState();
    for (const [i, node] of cluster().nodes.entries()) await expect.poll(() => rebuilds(node), { timeout: 10_000, interval: 100 }).toBeGreaterThan(before[i] as number);
    await new Promise((r) => setTimeout(r, 1000));
  };
  /** What other people see: reconnecting lawyers are not listed. */
  const stateOf = async (asker: Participant, lawyerId: string) =>
    (await asker.client.request('directory.list', { category: 'labor' })).lawyers.find((l) => l.lawyerId === lawyerId)?.status ?? 'offline';

  it('keeps them on duty while a device is left on either node, stays out of the live queue on both, and drops them when the last one goes', async () => {
    const desk = await on(0, lawyer('DV-L1', '邓律师', ['labor']));
    await desk.client.request('duty.on', { capacity: 2 });
    const phone = await on(1, lawyer('DV-L1', '邓律师', ['labor']));
    expect((await phone.next('duty.state')).presence.state).toBe('available');
    // Off duty on the phone's node: follows the live queue, as the phone must not.
    const colleague = await on(1, lawyer('DV-L2', '杜律师', ['labor']));
    const asker = await on(1, citizen('DV-C1'));

    const first = (await asker.client.request('consult.request', { category: 'labor', region: '320200', channel: 'text' })).consultation;
    await colleague.next('queue.changed', (q) => q.consultation.id === first.id);
    await phone.next('offer', (o) => o.consultation.id === first.id);
    expect(phone.pushes('queue.changed')).toEqual([]);
    expect(desk.pushes('queue.changed')).toEqual([]);
    await phone.client.request('offer.accept', { consultationId: first.id });

    // The desk goes; the phone on the other node is still there, past the resume window.
    desk.close();
    await new Promise((r) => setTimeout(r, RESUME_WINDOW_MS + 700));
    expect(await stateOf(asker, 'DV-L1')).toBe('available');
    expect(phone.pushes('duty.state').at(-1)?.presence.state).toBe('available');
    const second = (await asker.client.request('consult.request', { category: 'labor', region: '320200', channel: 'text' })).consultation;
    await phone.next('offer', (o) => o.consultation.id === second.id);
    await phone.client.request('offer.decline', { consultationId: second.id });

    // The last device goes: out of the directory at once (reconnecting), off duty after the
    // window, and the consultation they held back in the queue.
    const gone = Date.now();
    phone.close();
    await expect.poll(() => stateOf(asker, 'DV-L1'), { timeout: 3000, interval: 50 }).toBe('offline');
    await asker.next('consult.state', (s) => s.consultation.id === first.id && s.reason === 'lawyer-disconnected', 5000);
    expect(Date.now() - gone).toBeGreaterThanOrEqual(RESUME_WINDOW_MS);
  });

  it('keeps them on duty when their only device comes back on the other node within the resume window', async () => {
    const desk = await on(0, lawyer('DV-L3', '丁律师', ['labor']));
    await desk.client.request('duty.on', {});
    const asker = await on(1, citizen('DV-C3'));
    desk.close();
    await expect.poll(() => stateOf(asker, 'DV-L3'), { timeout: 3000, interval: 50 }).toBe('offline');
    const back = await on(1, lawyer('DV-L3', '丁律师', ['labor']));
    expect((await back.next('duty.state')).presence.state).toBe('available');
    // Past the window the first node's timer has run out: it must not take them off duty.
    await new Promise((r) => setTimeout(r, RESUME_WINDOW_MS + 500));
    expect(await stateOf(asker, 'DV-L3')).toBe('available');
    expect(back.pushes('duty.state').at(-1)?.presence.state).toBe('available');
  });

  it('does not put them back on duty when Redis forgets everything, after they left through a device on the other node', async () => {
    const desk = await on(0, lawyer('DV-L4', '董律师', ['labor']));
    await desk.client.request('duty.on', {});
    const phone = await on(1, lawyer('DV-L4', '董律师', ['labor']));
    await phone.next('duty.state');
    desk.close();
    await new Promise((r) => setTimeout(r, 300));
    await phone.client.request('duty.off', {});
    const asker = await on(1, citizen('DV-C4'));
    expect(await stateOf(asker, 'DV-L4')).toBe('offline');

    await forgetEverything();
    await expect.poll(() => stateOf(asker, 'DV-L4').catch(() => 'error'), { timeout: 5000, interval: 100 }).toBe('offline');
  }, 20_000);

  it('does not put them back on duty when Redis forgets everything, after they went off duty through the other node with a device still here', async () => {
    const desk = await on(0, lawyer('DV-L5', '段律师', ['labor']));
    await desk.client.request('duty.on', {});
    const phone = await on(1, lawyer('DV-L5', '段律师', ['labor']));
    await phone.next('duty.state');
    await phone.client.request('duty.off', {});
    await desk.next('duty.state', (d) => d.presence.state === 'offline');
    const asker = await on(1, citizen('DV-C5'));
    expect(await stateOf(asker, 'DV-L5')).toBe('offline');

    await forgetEverything();
    await expect.poll(() => stateOf(asker, 'DV-L5').catch(() => 'error'), { timeout: 5000, interval: 100 }).toBe('offline');
  }, 20_000);
});

