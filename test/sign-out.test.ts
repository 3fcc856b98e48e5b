import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode, ErrorCode } from '../protocol/errors.ts';
import { assistant, citizen } from './helpers/people.ts';
import { RawClient } from './helpers/raw-client.ts';
import { Participant } from './helpers/recorder.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

// Sign-out ends the session on the server at once, not after the resume window (a minute here,
// as in production): a shared computer's next user cannot take it up, and what it held is free.
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ LAWLINE_RESUME_WINDOW_MS: '60000' });
});
afterAll(() => server.cleanup());

describe('signing out', () => {
  it('answers session.end, closes with 1000, and the session cannot be resumed', async () => {
    const token = await server.token(citizen('C-out'));
    const c = await RawClient.connect(server.url);
    const hello = await c.hello(token);
    expect(await c.call('session.end', {})).toMatchObject({ ok: true, data: {} });
    expect(await c.closed).toBe(CloseCode.NORMAL);

    const again = await RawClient.connect(server.url);
    const reply = await again.hello(token, { sessionId: hello.sessionId, lastSeq: hello.seq });
    expect(reply.resumed).toBe(false);
    expect(reply.sessionId).not.toBe(hello.sessionId);
    again.close();
  });

  it("frees an assistant's seat at once when they sign out, and not when they only leave the page", async () => {
    const fourth = async (lawyerId: string) => {
      const c = await RawClient.connect(server.url);
      const reply = await c.call('hello', { token: await server.token(assistant(`A-4-${lawyerId}`, lawyerId)) });
      c.close();
      return reply;
    };
    const atOnce = () => ({ timeout: 5000, interval: 200 });

    // Through the SDK, as the page's sign-out button does.
    const seated = await Promise.all([1, 2, 3].map((n) => Participant.connect(server, assistant(`A-sdk-${n}`, 'L-sdk'))));
    expect(await fourth('L-sdk')).toMatchObject({ ok: false, error: { code: ErrorCode.ASSISTANT_LIMIT } });
    seated[2]?.client.close({ forget: true });
    await expect.poll(async () => (await fourth('L-sdk')).ok, atOnce()).toBe(true);

    // A page left without signing out: the session (and its seat) waits for the page to come back.
    const token = await server.token(assistant('A-raw-3', 'L-raw'));
    const others = await Promise.all([1, 2].map((n) => Participant.connect(server, assistant(`A-raw-${n}`, 'L-raw'))));
    const third = await RawClient.connect(server.url);
    const hello = await third.hello(token);
    third.close();
    await third.closed;
    expect(await fourth('L-raw')).toMatchObject({ ok: false, error: { code: ErrorCode.ASSISTANT_LIMIT } });
    // It comes back, and signs out: free.
    const back = await RawClient.connect(server.url);
    expect(await back.hello(token, { sessionId: hello.sessionId, lastSeq: hello.seq })).toMatchObject({ resumed: true });
    expect(await back.call('session.end', {})).toMatchObject({ ok: true });
    await expect.poll(async () => (await fourth('L-raw')).ok, atOnce()).toBe(true);
    for (const p of [...seated, ...others]) p.close();
  });
});
