import { describe, expect, it } from 'vitest';
import { sharedCluster } from './helpers/cluster.ts';
import { citizen, lawyer } from './helpers/people.ts';
import type { Participant } from './helpers/recorder.ts';

// Three node processes sharing the machine's Redis and PostgreSQL (their own prefix and
// schema): people on different nodes reach each other as if on one.

describe('a cluster of three nodes', () => {
  const { cluster, on } = sharedCluster(3);

  it('shows a lawyer going on duty on node C to nodes A and B within 100 ms', async () => {
    const law = await on(2, lawyer('CL-L1', '陈律师', ['labor']));
    const [a, b] = [await on(0, citizen('CL-C0')), await on(1, citizen('CL-C1'))];
    const onDuty = async (who: Participant) => (await who.client.request('directory.list', { category: 'labor' })).lawyers.some((l) => l.lawyerId === 'CL-L1');
    expect(await onDuty(a)).toBe(false);

    await law.client.request('duty.on', { capacity: 2 });
    const after = performance.now();
    const seenAfter = await Promise.all(
      [a, b].map(async (who) => {
        while (!(await onDuty(who))) if (performance.now() - after > 2000) throw new Error('never seen');
        return performance.now() - after;
      }),
    );
    expect(Math.max(...seenAfter)).toBeLessThan(100);

    await law.client.request('duty.off', {});
    expect(await onDuty(a)).toBe(false);
  });

  it('routes a citizen on node A to a lawyer on node C, and their chat crosses nodes both ways', async () => {
    const law = await on(2, lawyer('CL-L2', '林律师', ['family']));
    await law.client.request('duty.on', {});
    const cit = await on(0, citizen('CL-C2'));

    const { consultation } = await cit.client.request('consult.request', { category: 'family', region: '320200', channel: 'text' });
    const offer = await law.next('offer', (o) => o.consultation.id === consultation.id);
    expect(offer.consultation.citizen.id).toBe('CL-C2');
    await law.client.request('offer.accept', { consultationId: consultation.id });
    await cit.next('consult.state', (s) => s.consultation.id === consultation.id && s.consultation.state === 'active');

    await cit.client.sendChat(consultation.id, '孩子抚养权怎么判').acked;
    await law.next('chat.message', (m) => m.body === '孩子抚养权怎么判');
    await law.client.sendChat(consultation.id, '看双方条件和孩子意愿').acked;
    await cit.next('chat.message', (m) => m.body === '看双方条件和孩子意愿');

    await law.client.request('consult.close', { consultationId: consultation.id });
    await cit.next('consult.state', (s) => s.consultation.id === consultation.id && s.consultation.state === 'closed');
  });

  it('tells a waiting citizen their place once, not once per node', async () => {
    const cit = await on(1, citizen('CL-C3'));
    const { consultation } = await cit.client.request('consult.request', { category: 'medical', region: '320200', channel: 'text' });
    await cit.next('queue.position', (p) => p.consultationId === consultation.id);
    // Every node's router runs a round within a tick; only the leading node tells.
    await new Promise((r) => setTimeout(r, 1500));
    expect(cit.pushes('queue.position').filter((p) => p.consultationId === consultation.id)).toHaveLength(1);
    await cit.client.request('consult.cancel', { consultationId: consultation.id });
  });

  it('reports ready on every node', async () => {
    for (const node of cluster().nodes) expect((await fetch(`http://127.0.0.1:${node.port}/readyz`)).status).toBe(200);
  });
});
