import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LawlineClient, LawlineError } from '../clients/sdk/index.ts';
import { CloseCode, ErrorCode } from '../protocol/errors.ts';
import { citizen } from './helpers/people.ts';
import { RawClient } from './helpers/raw-client.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

// A stopped client used to take a sendChat into its outbox for good (its `acked` never settled),
// let a request wait out its whole timeout for a TIMEOUT that says "retry", and open a new
// socket on connect(). Everything on it must now fail at once, saying it stopped.
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.cleanup());

/** Far longer than "at once": a request that waits for it is the defect. */
const REQUEST_TIMEOUT_MS = 5000;
const client = (token: string) => new LawlineClient({ url: server.url, token, WebSocket, requestTimeoutMs: REQUEST_TIMEOUT_MS, reconnect: { minDelayMs: 20, maxDelayMs: 100 } });

/** How `p` settled within `ms`, or that it did not. */
const within = <T>(p: Promise<T>, ms = 500) =>
  Promise.race([p.then((value) => ({ value }), (error: unknown) => ({ error })), new Promise<{ hung: true }>((r) => setTimeout(() => r({ hung: true }), ms))]);

/** Every way in refuses at once with CLIENT_CLOSED, naming why the client stopped. */
async function expectRefused(c: LawlineClient, consultationId: string, why: RegExp): Promise<void> {
  const refused = { error: expect.objectContaining({ code: ErrorCode.CLIENT_CLOSED, message: expect.stringMatching(why) }) };
  const chat = c.sendChat(consultationId, 'after the end');
  expect(await within(chat.acked)).toEqual(refused);
  expect(await within(c.request('ping', {}))).toEqual(refused);
  expect(await within(c.request('consult.list', {}))).toEqual(refused);
  expect(await within(c.connect())).toEqual(refused);
  expect(c.outboxSize()).toBe(0);
  const outcome = (await within(chat.acked)) as { error: LawlineError };
  expect(outcome.error).toBeInstanceOf(LawlineError);
  expect(outcome.error.retryable).toBe(false);
}

describe('SDK: a client that has stopped', () => {
  it('after close(), refuses sendChat, requests and connect() at once', async () => {
    const c = client(await server.token(citizen('C-closed')));
    await c.connect();
    const { consultation } = await c.request('consult.request', { category: 'labor', region: '320200', channel: 'text' });
    c.close();
    await expectRefused(c, consultation.id, /closed/);
  });

  it('fails at once what it was still waiting for when close() came', async () => {
    const c = client(await server.token(citizen('C-early')));
    const connected = c.connect();
    // Queued until the hello is answered, which close() now never lets happen.
    const queued = c.request('ping', {});
    c.close();
    expect(await within(queued)).toEqual({ error: expect.objectContaining({ code: ErrorCode.CLIENT_CLOSED }) });
    expect(await within(connected)).toEqual({ error: expect.objectContaining({ code: ErrorCode.CLIENT_CLOSED }) });
  });

  it('after the node ended its session with a 44xx close (superseded), refuses at once', async () => {
    const token = await server.token(citizen('C-superseded'));
    const c = client(token);
    const terminated: number[] = [];
    c.on('terminated', (t) => terminated.push(t.code));
    const hello = await c.connect();
    const { consultation } = await c.request('consult.request', { category: 'labor', region: '320200', channel: 'text' });
    // The same person resumes the same session on another socket: this one is told 4409, do not reconnect.
    const other = await RawClient.connect(server.url);
    expect(await other.call('hello', { token, resume: { sessionId: hello.sessionId, lastSeq: 0 } })).toMatchObject({ ok: true });
    await expect.poll(() => terminated).toEqual([CloseCode.SUPERSEDED]);
    await expectRefused(c, consultation.id, /4409/);
    other.ws.close();
  });

  it('after it gave up on a refused token (4403), refuses at once', async () => {
    const c = client('not-a-token');
    const terminated: number[] = [];
    c.on('terminated', (t) => terminated.push(t.code));
    await expect(c.connect()).rejects.toMatchObject({ code: ErrorCode.TOKEN_INVALID });
    await expect.poll(() => terminated).toEqual([CloseCode.AUTH_FAILED]);
    await expectRefused(c, 'c_any', /4403/);
  });
});
