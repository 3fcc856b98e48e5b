import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../protocol/errors.ts';
import { LIMITS } from '../protocol/frames.ts';
import { citizen, lawyer } from './helpers/people.ts';
import { cast, type Participant } from './helpers/recorder.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

// What the citizen's app is told at each step over real sockets (SDK clients): an offer ringing
// for their request, the answer to a message consultation, and the record of ended ones.
let server: TestServer;
const people = cast(() => server);
let n = 0;
const uid = (p: string) => `${p}${++n}`;

beforeAll(async () => {
  server = await startTestServer({ LAWLINE_OFFER_TIMEOUT_MS: '5000' });
});
afterAll(() => server.cleanup());
afterEach(() => people.dismiss());

const ask = (c: Participant, over: Record<string, unknown> = {}) =>
  c.client.request('consult.request', { category: 'labor', region: '320200', channel: 'text', ...over } as never);
const code = (p: Promise<unknown>) => p.then(() => 'ok', (e: { code: number }) => e.code);

describe("the citizen's steps", () => {
  it('tells a waiting citizen while their request is offered to a lawyer, and when it waits again, never naming the lawyer', async () => {
    const law = await people.join(lawyer(uid('L')));
    await law.client.request('duty.on', {});
    const cit = await people.join(citizen(uid('C')));
    const { consultation } = await ask(cit);
    await law.next('offer', (o) => o.consultation.id === consultation.id);
    const ringing = await cit.next('queue.position', (p) => p.consultationId === consultation.id && p.offered === true);
    expect(Object.keys(ringing).sort()).toEqual(['consultationId', 'estimatedWaitMs', 'nobodyOnDuty', 'offered', 'position']);
    expect(JSON.stringify(cit.seen)).not.toContain(law.id);
    // Read at once too (a page after a reload, told nothing new while the offer rings).
    expect((await cit.client.request('queue.positions', {})).positions).toEqual([expect.objectContaining({ consultationId: consultation.id, offered: true })]);
    // Declined, with nobody else on duty: it waits again, and is told so.
    await law.client.request('offer.decline', { consultationId: consultation.id });
    const waiting = await cit.next('queue.position', (p) => p.consultationId === consultation.id && p.offered === false);
    expect(waiting.position).toBe(1);
    expect((await cit.client.request('queue.positions', {})).positions).toEqual([expect.objectContaining({ consultationId: consultation.id, offered: false })]);
    const told = cit.pushes('queue.position').map((p) => p.offered);
    expect(told.indexOf(false, told.indexOf(true))).toBeGreaterThan(told.indexOf(true));
  });

  it("tells the citizen when their message consultation's answer is written, with when", async () => {
    const law = await people.join(lawyer(uid('L')));
    await law.client.request('duty.on', {});
    const cit = await people.join(citizen(uid('C')));
    const { consultation } = await ask(cit, { channel: 'message', firstMessage: '公司不给加班费' });
    expect(consultation.answeredAt).toBeUndefined();
    // The message desk assigns it to the lawyer on duty for the category.
    await cit.next('consult.state', (s) => s.consultation.id === consultation.id && s.consultation.lawyer?.id === law.id, 5000);
    const before = Date.now();
    await law.client.sendChat(consultation.id, '可以申请劳动仲裁').acked;
    const answered = await cit.next('consult.state', (s) => s.consultation.id === consultation.id && s.consultation.answeredAt !== undefined);
    expect(answered.consultation.answeredAt).toBeGreaterThanOrEqual(before - 1000);
    expect(answered.consultation.state).toBe('active');
    // Its view in every list says so too.
    const { consultations } = await cit.client.request('consult.list', {});
    expect(consultations.find((c) => c.id === consultation.id)?.answeredAt).toBe(answered.consultation.answeredAt);
    // A second answer is not news.
    await law.client.sendChat(consultation.id, '请保留加班记录').acked;
    await cit.next('chat.message', (m) => m.body === '请保留加班记录');
    expect(cit.pushes('consult.state').filter((s) => s.consultation.answeredAt !== undefined)).toHaveLength(1);
  });

  it("lists a citizen's own ended consultations a page at a time, newest first; a lawyer's list is of those they held", async () => {
    const law = await people.join(lawyer(uid('L')));
    const cit = await people.join(citizen(uid('C')));
    const other = await people.join(citizen(uid('C')));
    const ended: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { consultation } = await ask(cit, { firstMessage: `第${i}次` });
      await law.client.request('consult.pick', { consultationId: consultation.id });
      await law.client.request('consult.join', { consultationId: consultation.id });
      await law.client.request('consult.close', { consultationId: consultation.id, note: '仅律师可见' });
      ended.unshift(consultation.id);
    }
    const { consultation: cancelled } = await ask(cit);
    await cit.client.request('consult.cancel', { consultationId: cancelled.id });
    ended.unshift(cancelled.id);
    const { consultation: open } = await ask(cit);
    const { consultation: theirs } = await ask(other);
    await other.client.request('consult.cancel', { consultationId: theirs.id });

    const first = await cit.client.request('consult.past', { limit: 3 });
    expect(first.consultations.map((c) => c.id)).toEqual(ended.slice(0, 3));
    expect(first.hasMore).toBe(true);
    const last = first.consultations.at(-1);
    const second = await cit.client.request('consult.past', { limit: 3, before: { createdAt: last?.createdAt ?? 0, id: last?.id ?? '' } });
    expect(second).toEqual({ consultations: [expect.objectContaining({ id: ended[3], state: 'closed', lawyer: expect.objectContaining({ id: law.id }) })], hasMore: false });
    // The view, as everywhere: never the lawyer's note; the open one is not past.
    expect(JSON.stringify([first, second])).not.toContain('仅律师可见');
    expect(JSON.stringify([first, second])).not.toContain(open.id);
    expect((await other.client.request('consult.past', {})).consultations.map((c) => c.id)).toEqual([theirs.id]);

    // A lawyer lists the ones they held when they ended (their closed today, in the console): not the cancelled ones they never held, nor another citizen's.
    expect((await law.client.request('consult.past', {})).consultations.map((c) => c.id)).toEqual(ended.slice(1));
    const assistant = await people.join({ sub: uid('A'), role: 'assistant', name: '助理', lawyerId: law.id });
    expect(await code(assistant.client.request('consult.past', {}))).toBe(ErrorCode.FORBIDDEN);
    expect(await code(cit.client.request('consult.past', { limit: LIMITS.pastPageMax + 1 }))).toBe(ErrorCode.SCHEMA_VIOLATION);
  });
});
