import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { citizen, lawyer, supervisor } from './helpers/people.ts';
import { cast } from './helpers/recorder.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

// Message consultations (留言) and their 24-hour SLA, over real sockets. The message desk's
// clock is injected, so a day passes in a few calls instead of a day.
const HOUR = 3600_000;
let offset = 0;
const clock = () => Date.now() + offset;
let server: TestServer;
const people = cast(() => server);
const join = people.join;
let n = 0;
const uid = (p: string) => `${p}${++n}m`;

beforeAll(async () => {
  server = await startTestServer({ LAWLINE_OFFER_TIMEOUT_MS: '400', LAWLINE_MESSAGE_AFTER_MS: '60000' }, undefined, { clock });
});
afterAll(() => server.cleanup());
afterEach(() => people.dismiss());
const metric = async (name: string) => Number(new RegExp(`^${name.replace(/[{}]/g, '\\$&')} (\\d+)$`, 'm').exec(await (await fetch(`http://127.0.0.1:${server.opsPort}/metrics`)).text())?.[1] ?? 0);

describe('message consultations', () => {
  it('is suggested when nobody is on duty, keeps its id and transcript when converted, and is assigned when a lawyer comes', async () => {
    const cit = await join(citizen(uid('C')));
    const { consultation } = await cit.client.request('consult.request', { category: 'ip', region: '320200', channel: 'text', firstMessage: '商标被抢注了' });
    expect((await cit.next('consult.suggest', (s) => s.consultationId === consultation.id)).reason).toBe('nobody-on-duty');
    const { consultation: left } = await cit.client.request('consult.convert', { consultationId: consultation.id });
    expect(left).toMatchObject({ id: consultation.id, channel: 'message', state: 'queued', category: 'ip' });
    expect(left.dueAt).toBeGreaterThanOrEqual(clock() + 24 * HOUR - 5000);
    expect((await cit.next('consult.state', (s) => s.reason === 'converted')).consultation.channel).toBe('message');

    const law = await join(lawyer(uid('L'), '周律师', ['ip']));
    await law.client.request('duty.on', {});
    const assigned = await cit.next('consult.state', (s) => s.consultation.id === consultation.id && s.consultation.state === 'active');
    expect(assigned.consultation.lawyer?.id).toBe(law.id);
    expect(law.pushes('offer')).toHaveLength(0);
    const { messages } = await law.client.request('consult.history', { consultationId: consultation.id });
    expect(messages.map((m) => m.body)).toEqual(['商标被抢注了']);
    await law.client.sendChat(consultation.id, '请提供注册证明').acked;
    offset += 25 * HOUR;
    await new Promise((r) => setTimeout(r, 300));
    expect(law.pushes('sla.breach')).toHaveLength(0);
    offset = 0;
  });

  it('turns a live request that waited too long into a message consultation by itself', async () => {
    const law = await join(lawyer(uid('L'), '钱律师', ['debt']));
    await law.client.request('duty.on', {});
    await law.client.request('duty.away', {});
    const cit = await join(citizen(uid('C')));
    const { consultation } = await cit.client.request('consult.request', { category: 'debt', region: '320200', channel: 'text' });
    await new Promise((r) => setTimeout(r, 200));
    expect(cit.pushes('consult.state').some((s) => s.reason === 'converted')).toBe(false);
    const before = await metric('lawline_message_consultations_total{origin="converted-after-wait"}');
    offset += 61_000;
    const converted = await cit.next('consult.state', (s) => s.consultation.id === consultation.id && s.reason === 'converted');
    expect(converted.consultation.channel).toBe('message');
    expect(await metric('lawline_message_consultations_total{origin="converted-after-wait"}')).toBe(before + 1);
    // Away lawyers are still on duty: the desk assigns it to them to answer when they can.
    expect((await cit.next('consult.state', (s) => s.consultation.id === consultation.id && s.consultation.state === 'active')).consultation.lawyer?.id).toBe(law.id);
    offset = 0;
  });

  it('re-routes an unanswered one at half time, reminds the lawyer, and escalates a breach to supervisors', async () => {
    const a = await join(lawyer(uid('L'), '孙律师', ['medical']));
    await a.client.request('duty.on', {});
    const sup = await join(supervisor(uid('S')));
    const cit = await join(citizen(uid('C')));
    const { consultation } = await cit.client.request('consult.request', { category: 'medical', region: '320200', channel: 'message', firstMessage: '手术后感染' });
    expect(consultation.dueAt).toBeGreaterThan(clock() + 23 * HOUR);
    await a.next('consult.state', (s) => s.consultation.id === consultation.id && s.consultation.lawyer?.id === a.id);
    const b = await join(lawyer(uid('L'), '吴律师', ['medical']));
    await b.client.request('duty.on', {});
    const before = { rerouted: await metric('lawline_sla_events_total{event="rerouted"}'), breached: await metric('lawline_sla_events_total{event="breached"}') };

    offset += 12 * HOUR + 60_000;
    const moved = await cit.next('consult.state', (s) => s.consultation.id === consultation.id && s.reason === 'rerouted');
    expect(moved.consultation.lawyer?.id).toBe(b.id);
    await a.next('consult.state', (s) => s.reason === 'rerouted');

    offset += 6 * HOUR;
    expect((await b.next('sla.reminder', (r) => r.consultation.id === consultation.id)).consultation.dueAt).toBe(consultation.dueAt);
    offset += 6 * HOUR;
    await sup.next('sla.breach', (r) => r.consultation.id === consultation.id);
    // The breach is a service alert too (server/alerts): level III, so supervisors are notified.
    const alert = await sup.next('alert.notify', (r) => r.alert.consultationId === consultation.id);
    expect(alert.alert).toMatchObject({ id: `sv.sla.${consultation.id}`, kind: 'service', riskType: 'sla-breach', level: 'III' });
    await b.next('sla.breach', (r) => r.consultation.id === consultation.id);
    expect(await metric('lawline_sla_events_total{event="rerouted"}')).toBe(before.rerouted + 1);
    expect(await metric('lawline_sla_events_total{event="breached"}')).toBe(before.breached + 1);
    expect(await metric('lawline_sla_events_total{event="reminded"}')).toBeGreaterThanOrEqual(1);
    offset = 0;
  });

  it('a citizen converting a request while the lawyer it is offered to accepts: one of them wins, never both', async () => {
    const law = await join(lawyer(uid('L'), '郑律师', ['traffic']));
    await law.client.request('duty.on', { capacity: 10 });
    const cit = await join(citizen(uid('C')));
    // Sent back to back, the accept reaches the server while the conversion is being written.
    for (let round = 0; round < 8; round++) {
      const { consultation } = await cit.client.request('consult.request', { category: 'traffic', region: '320200', channel: 'text' });
      await law.next('offer', (o) => o.consultation.id === consultation.id);
      const [converted, accepted] = await Promise.allSettled([
        cit.client.request('consult.convert', { consultationId: consultation.id }),
        law.client.request('offer.accept', { consultationId: consultation.id }),
      ]);
      expect([converted.status, accepted.status].sort()).toEqual(['fulfilled', 'rejected']);
      const [now] = (await cit.client.request('consult.list', {})).consultations.filter((c) => c.id === consultation.id);
      if (accepted.status === 'fulfilled') expect(now).toMatchObject({ channel: 'text', state: 'active', lawyer: { id: law.id } });
      else expect(now).toMatchObject({ channel: 'message' });
      // Converted, it is the message desk's, which assigns it to the lawyer on its next pass
      // (every 20 ms here), perhaps between the list and the cancel: then the lawyer closes it.
      if (now?.state === 'active') await law.client.request('consult.close', { consultationId: consultation.id });
      else await cit.client.request('consult.cancel', { consultationId: consultation.id }).catch(() => law.client.request('consult.close', { consultationId: consultation.id }));
    }
  });
});
