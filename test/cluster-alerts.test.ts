import { describe, expect, it } from 'vitest';
import { sharedCluster } from './helpers/cluster.ts';
import { citizen, lawyer, supervisor } from './helpers/people.ts';

// Two node processes sharing Redis and PostgreSQL: an alert raised on one node is on the board
// of a supervisor on the other, and what that supervisor does is what every node sees.

describe('risk alerts in a cluster of two nodes', () => {
  const { on } = sharedCluster(2);

  it('an alert raised where the citizen writes reaches the supervisor and the lawyer on the other node; acknowledged there, it is acknowledged everywhere', async () => {
    const supB = await on(1, supervisor('CA-S1'));
    const supA = await on(0, supervisor('CA-S2'));
    const law = await on(1, lawyer('CA-L1', '林律师', ['labor']));
    await law.client.request('duty.on', {});
    const cit = await on(0, citizen('CA-C1'));
    const { consultation } = await cit.client.request('consult.request', { category: 'labor', region: '320200', channel: 'text' });
    await law.next('offer', (o) => o.consultation.id === consultation.id);
    await law.client.request('offer.accept', { consultationId: consultation.id });
    await cit.next('consult.state', (s) => s.consultation.id === consultation.id && s.consultation.state === 'active');

    await cit.client.sendChat(consultation.id, '我不想活了，今晚就去跳楼').acked;
    const notified = await supB.next('alert.notify', (n) => n.alert.consultationId === consultation.id);
    expect(notified).toMatchObject({ priority: true, alert: { level: 'I', riskType: 'self-harm', state: 'raised' } });
    expect((await law.next('alert.guidance', (g) => g.consultationId === consultation.id)).level).toBe('I');

    const { alert } = await supB.client.request('alert.ack', { alertId: notified.alert.id, note: '已电话联系' });
    expect(alert.state).toBe('acknowledged');
    await supA.next('alert.changed', (c) => c.alert.id === alert.id && c.alert.state === 'acknowledged');
    const onA = (await supA.client.request('alert.list', {})).alerts.find((a) => a.id === alert.id);
    expect(onA).toMatchObject({ state: 'acknowledged', version: alert.version });
    // Raised once, though two nodes run the watch.
    expect(onA?.history.filter((s) => s.action === 'raised')).toHaveLength(1);
  });

  it('counts a collective incident across nodes: five citizens of one region, on either node, on one subject', async () => {
    const sup = await on(0, supervisor('CA-S3'));
    for (let i = 0; i < 5; i++) {
      const cit = await on(i % 2, citizen(`CA-X${i}`));
      await cit.client.request('consult.request', { category: 'property', region: '320900', channel: 'text', firstMessage: `小区拆迁补偿款一直不给 ${i}` });
    }
    const raised = await sup.next('alert.notify', (n) => n.alert.kind === 'collective' && n.alert.region === '320900');
    expect(raised.alert.consultationIds).toHaveLength(5);
  });
});
