import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../protocol/errors.ts';
import { assistant, citizen, lawyer, supervisor } from './helpers/people.ts';
import { isPush, RawClient } from './helpers/raw-client.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.cleanup());

async function signedIn(claims: Parameters<TestServer['token']>[0], encoding: 'msgpack' | 'json' = 'msgpack') {
  const client = await RawClient.connect(server.url, encoding);
  await client.hello(await server.token(claims));
  return client;
}

type Reply = Awaited<ReturnType<RawClient['call']>>;
function data<T>(reply: Reply): T {
  if (!reply.ok) throw new Error(`error ${reply.error.code}: ${reply.error.message}`);
  return reply.data as T;
}

describe('a text consultation, end to end over real sockets', () => {
  it('queues, is picked, joined, chatted in, read and closed, and the citizen hears every step', async () => {
    const cit = await signedIn(citizen('C-flow'));
    const law = await signedIn(lawyer('L-flow'));
    const other = await signedIn(lawyer('L-other'));
    const familyOnly = await signedIn(lawyer('L-family', '李律师', ['family']));

    const { consultation } = data<{ consultation: { id: string; state: string; lastSeq: number } }>(
      await cit.call('consult.request', { category: 'labor', region: '320200', channel: 'text', firstMessage: '老板拖欠工资三个月' }),
    );
    expect(consultation).toMatchObject({ state: 'queued', lastSeq: 1 });
    await cit.waitFor((f) => f.type === 'push' && f.event === 'consult.state' && (f.data as { consultation: { state: string } }).consultation.state === 'queued');

    // Lawyers serving labor are told; the family-only lawyer is not.
    await law.waitFor(isPush('queue.changed'));
    const queue = data<{ consultations: { id: string }[] }>(await law.call('queue.list', {}));
    expect(queue.consultations.map((c) => c.id)).toContain(consultation.id);
    expect(data<{ consultations: unknown[] }>(await familyOnly.call('queue.list', {})).consultations).toHaveLength(0);

    const picked = data<{ consultation: { state: string; lawyer: { id: string } } }>(await law.call('consult.pick', { consultationId: consultation.id }));
    expect(picked.consultation).toMatchObject({ state: 'picked', lawyer: { id: 'L-flow' } });
    const lost = await other.call('consult.pick', { consultationId: consultation.id });
    expect(lost).toMatchObject({ ok: false, error: { code: ErrorCode.CONSULTATION_TAKEN } });

    data(await law.call('consult.join', { consultationId: consultation.id }));
    const states: string[] = [];
    for (const s of ['picked', 'active']) {
      const push = await cit.waitFor((f) => f.type === 'push' && f.event === 'consult.state' && (f.data as { consultation: { state: string } }).consultation.state === s);
      states.push((push as { data: { consultation: { state: string } } }).data.consultation.state);
    }
    expect(states).toEqual(['picked', 'active']);

    // Chat: ack after store, push to the other side, duplicate clientMsgId answered with the first ack.
    const ack = data<{ clientMsgId: string; seq: number }>(await law.call('chat.send', { consultationId: consultation.id, clientMsgId: 'l-1', body: '请提供劳动合同' }));
    expect(ack).toMatchObject({ clientMsgId: 'l-1', seq: 2 });
    const msg = await cit.waitFor(isPush('chat.message'));
    expect(msg.data).toMatchObject({ seq: 2, body: '请提供劳动合同', from: { id: 'L-flow', role: 'lawyer' } });
    const again = data<{ seq: number }>(await law.call('chat.send', { consultationId: consultation.id, clientMsgId: 'l-1', body: '请提供劳动合同' }));
    expect(again.seq).toBe(2);
    // Pushed again, at the same seq (the first attempt's push may never have left): the reader drops it.
    expect((await cit.waitFor(isPush('chat.message'))).data).toMatchObject({ seq: 2, body: '请提供劳动合同' });

    data(await cit.call('chat.typing', { consultationId: consultation.id, typing: true }));
    expect((await law.waitFor(isPush('chat.typing'))).data).toMatchObject({ typing: true, from: { id: 'C-flow' } });
    data(await cit.call('chat.read', { consultationId: consultation.id, upToSeq: 2 }));
    expect((await law.waitFor(isPush('chat.read'))).data).toMatchObject({ upToSeq: 2 });
    data(await cit.call('chat.send', { consultationId: consultation.id, clientMsgId: 'c-1', body: '好的，马上发' }));

    const history = data<{ messages: { seq: number; body: string }[]; hasMore: boolean }>(await cit.call('consult.history', { consultationId: consultation.id }));
    expect(history.messages.map((m) => m.seq)).toEqual([1, 2, 3]);
    const page = data<{ messages: { seq: number }[]; hasMore: boolean }>(
      await cit.call('consult.history', { consultationId: consultation.id, beforeSeq: 3, limit: 1 }),
    );
    expect(page).toMatchObject({ messages: [{ seq: 2 }], hasMore: true });

    // The duplicate was pushed once more, not again and again.
    expect(cit.frames.filter((f) => f.type === 'push' && f.event === 'chat.message')).toHaveLength(0);

    const closed = data<{ consultation: { state: string } }>(await law.call('consult.close', { consultationId: consultation.id, note: '已告知仲裁程序' }));
    expect(closed.consultation.state).toBe('closed');
    const closing = await cit.waitFor((f) => f.type === 'push' && f.event === 'consult.state' && (f.data as { consultation: { state: string } }).consultation.state === 'closed');
    expect(JSON.stringify(closing)).not.toContain('已告知仲裁程序');
    expect(await cit.call('chat.send', { consultationId: consultation.id, clientMsgId: 'c-2', body: 'x' })).toMatchObject({
      ok: false,
      error: { code: ErrorCode.CONSULTATION_STATE },
    });
    for (const c of [cit, law, other, familyOnly]) c.close();
  });

  it('keeps strangers out and audits delegated and supervisory reads', async () => {
    const cit = await signedIn(citizen('C-priv'));
    const stranger = await signedIn(citizen('C-stranger'));
    const law = await signedIn(lawyer('L-priv'));
    const { consultation } = data<{ consultation: { id: string } }>(
      await cit.call('consult.request', { category: 'family', region: '320200', channel: 'text', firstMessage: '离婚财产分割' }),
    );
    expect(await stranger.call('consult.history', { consultationId: consultation.id })).toMatchObject({ ok: false, error: { code: ErrorCode.NOT_A_MEMBER } });
    expect(await cit.call('consult.pick', { consultationId: consultation.id })).toMatchObject({ ok: false, error: { code: ErrorCode.FORBIDDEN } });
    expect(await stranger.call('consult.cancel', { consultationId: consultation.id })).toMatchObject({ ok: false, error: { code: ErrorCode.NOT_A_MEMBER } });
    data(await law.call('consult.pick', { consultationId: consultation.id }));

    const aide = await signedIn(assistant('A-priv', 'L-priv'));
    const sup = await signedIn(supervisor('S-priv'));
    expect(data<{ messages: unknown[] }>(await aide.call('consult.history', { consultationId: consultation.id })).messages).toHaveLength(1);
    expect(data<{ messages: unknown[] }>(await sup.call('consult.history', { consultationId: consultation.id })).messages).toHaveLength(1);
    const audit = await server.node.store.verifyAudit();
    expect(audit).toEqual({ records: 2, firstBroken: -1 });
    for (const c of [cit, stranger, law, aide, sup]) c.close();
  });

  it('lets a lawyer have at most three active assistants', async () => {
    const aides = [];
    for (const id of ['A1', 'A2', 'A3']) aides.push(await signedIn(assistant(id, 'L-team')));
    // The same assistant on a second device does not count twice.
    aides.push(await signedIn(assistant('A1', 'L-team')));
    const fourth = await RawClient.connect(server.url);
    const reply = await fourth.call('hello', { token: await server.token(assistant('A4', 'L-team')) });
    expect(reply).toMatchObject({ ok: false, error: { code: ErrorCode.ASSISTANT_LIMIT } });
    expect(await fourth.waitClose()).toBe(4403);
    aides[1]?.close();
    await aides[1]?.closed;
    // A2 left, but its session waits for a resume: the slot frees only when the session ends.
    for (const a of aides) a.close();
  });

  it('works the same over JSON text frames', async () => {
    const cit = await signedIn(citizen('C-json'), 'json');
    const reply = data<{ consultation: { state: string } }>(await cit.call('consult.request', { category: 'debt', region: '320000', channel: 'text' }));
    expect(reply.consultation.state).toBe('queued');
    cit.close();
  });
});
