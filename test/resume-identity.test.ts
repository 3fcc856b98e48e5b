import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode, ErrorCode } from '../protocol/errors.ts';
import { assistant, citizen, lawyer } from './helpers/people.ts';
import { isPush, RawClient } from './helpers/raw-client.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

// A session resumed with a token that binds its user differently: an assistant now working for another lawyer.
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ LAWLINE_RATE_PER_SEC: '1000', LAWLINE_RATE_BURST: '1000' });
});
afterAll(() => server.cleanup());

const signIn = async (claims: Parameters<TestServer['token']>[0]) => {
  const c = await RawClient.connect(server.url);
  return { c, hello: await c.hello(await server.token(claims)) };
};

/** A citizen in an active consultation with `lawyerId`. */
async function consultationWith(lawyerId: string, tag: string) {
  const { c: cit } = await signIn(citizen(`C-${tag}`));
  const { c: law } = await signIn(lawyer(lawyerId));
  const req = await cit.call('consult.request', { category: 'labor', region: '320200', channel: 'text' });
  if (!req.ok) throw new Error('request failed');
  const id = (req.data as { consultation: { id: string } }).consultation.id;
  await law.call('consult.pick', { consultationId: id });
  await law.call('consult.join', { consultationId: id });
  return { cit, law, id };
}

/** Signs in, leaves, and comes back resuming with another token. */
async function resumeAs(first: Parameters<TestServer['token']>[0], then: Parameters<TestServer['token']>[0]) {
  const { c, hello } = await signIn(first);
  c.close();
  await c.closed;
  const back = await RawClient.connect(server.url);
  const reply = await back.call('hello', { token: await server.token(then), resume: { sessionId: hello.sessionId, lastSeq: hello.seq } });
  return { back, reply };
}

describe('a resume with a token that binds the user differently', () => {
  it('starts the assistant afresh on the new lawyer’s consultations, out of the old one’s', async () => {
    const old = await consultationWith('L-old', 'old');
    const now = await consultationWith('L-new', 'new');
    const { back, reply } = await resumeAs(assistant('A-moved', 'L-old'), assistant('A-moved', 'L-new'));
    // A new session: its snapshot is the new lawyer's consultations.
    expect(reply).toMatchObject({ ok: true, data: { resumed: false } });
    const snapshot = (reply as { data: { snapshot: { consultations: { id: string }[] } } }).data.snapshot.consultations.map((c) => c.id);
    expect(snapshot).toContain(now.id);
    expect(snapshot).not.toContain(old.id);

    await old.cit.call('chat.send', { consultationId: old.id, clientMsgId: 'o1', body: '旧律师的案子' });
    await now.cit.call('chat.send', { consultationId: now.id, clientMsgId: 'n1', body: '新律师的案子' });
    const seen = await back.waitFor(isPush('chat.message'));
    expect((seen.data as { consultationId: string }).consultationId).toBe(now.id);
    await new Promise((r) => setTimeout(r, 200));
    expect(back.frames.filter(isPush('chat.message'))).toEqual([]);
  });

  it('checks the new lawyer’s assistant seats: a fourth assistant is refused', async () => {
    const three = await Promise.all(['A-1', 'A-2', 'A-3'].map((id) => signIn(assistant(id, 'L-full'))));
    const { back, reply } = await resumeAs(assistant('A-4', 'L-free'), assistant('A-4', 'L-full'));
    expect(reply).toMatchObject({ ok: false, error: { code: ErrorCode.ASSISTANT_LIMIT } });
    expect(await back.waitClose()).toBe(CloseCode.AUTH_FAILED);
    for (const { c } of three) c.close();
  });

  it('frees the old lawyer’s seat once the assistant moved', async () => {
    const { back } = await resumeAs(assistant('A-leaving', 'L-was-full'), assistant('A-leaving', 'L-elsewhere'));
    const others = await Promise.all(['A-5', 'A-6', 'A-7'].map(async (id) => (await RawClient.connect(server.url)).call('hello', { token: await server.token(assistant(id, 'L-was-full')) })));
    expect(others.map((r) => r.ok)).toEqual([true, true, true]);
    back.close();
  });
});
