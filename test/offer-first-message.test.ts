import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { citizen, lawyer } from './helpers/people.ts';
import { cast } from './helpers/recorder.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';
import { DATABASE_URL, REDIS_URL } from './helpers/services.ts';

// An offer shows what the citizen asked (their first message) before the lawyer accepts: on the
// embedded node, which offers while the request still commits, and on a cluster node (Redis,
// PostgreSQL), whose router (or another node's) offers it from the store once written.

for (const mode of ['embedded', 'cluster'] as const) {
  describe(`an offer, ${mode}`, () => {
    let server: TestServer;
    const schema = `lawline_first_${randomBytes(5).toString('hex')}`;
    const people = cast(() => server);
    let n = 0;
    const uid = (p: string) => `${p}${++n}${mode[0]}f`;
    beforeAll(async () => {
      const cluster = { REDIS_URL, LAWLINE_REDIS_PREFIX: `lawline-first-${randomBytes(5).toString('hex')}`, DATABASE_URL, LAWLINE_DATABASE_SCHEMA: schema };
      server = await startTestServer({ LAWLINE_WRAP_UP_MS: '0', ...(mode === 'cluster' ? cluster : {}) });
    });
    afterAll(async () => {
      await people.dismiss();
      await server.cleanup();
    });

    it("carries the citizen's first message, none when they wrote none, and after a transfer the first message with the handover note", async () => {
      const l1 = await people.join(lawyer(uid('L'), '王律师', ['labor']));
      await l1.client.request('duty.on', { capacity: 3 });
      const cit = await people.join(citizen(uid('C')));
      const { consultation: asked } = await cit.client.request('consult.request', { category: 'labor', region: '320200', channel: 'text', firstMessage: '公司拖欠我三个月工资，怎么办？' });
      expect((await l1.next('offer', (o) => o.consultation.id === asked.id)).firstMessage).toBe('公司拖欠我三个月工资，怎么办？');

      const { consultation: silent } = await cit.client.request('consult.request', { category: 'labor', region: '320200', channel: 'text' });
      expect((await l1.next('offer', (o) => o.consultation.id === silent.id)).firstMessage).toBeUndefined();

      await l1.client.request('offer.accept', { consultationId: asked.id });
      await l1.client.sendChat(asked.id, '您好').acked;
      const l2 = await people.join(lawyer(uid('L'), '李律师', ['labor']));
      await l2.client.request('duty.on', {});
      await l1.client.request('consult.transfer', { consultationId: asked.id, lawyerId: l2.id, note: '需要起草仲裁申请' });
      const handed = await l2.next('offer', (o) => o.consultation.id === asked.id);
      expect(handed).toMatchObject({ firstMessage: '公司拖欠我三个月工资，怎么办？', handover: { from: { id: l1.id }, note: '需要起草仲裁申请' } });
    });
  });
}
