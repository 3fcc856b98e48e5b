import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../protocol/errors.ts';
import type { ChatMessageT } from '../protocol/frames.ts';
import { LawlineClient, LawlineError } from '../clients/sdk/index.ts';
import { citizen, lawyer } from './helpers/people.ts';
import { FaultyProxy } from './helpers/proxy.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

let server: TestServer;
let proxy: FaultyProxy;
beforeAll(async () => {
  server = await startTestServer({ LAWLINE_RATE_PER_SEC: '1000', LAWLINE_RATE_BURST: '1000' });
  proxy = await FaultyProxy.start(server.port);
});
afterAll(async () => {
  await proxy.close();
  await server.cleanup();
});

const viaProxy = async (claims: Parameters<TestServer['token']>[0], options: Partial<ConstructorParameters<typeof LawlineClient>[0]> = {}) =>
  new LawlineClient({ url: `ws://127.0.0.1:${proxy.port}/ws`, token: await server.token(claims), WebSocket, requestTimeoutMs: 1000, reconnect: { minDelayMs: 20, maxDelayMs: 100 }, ...options });

describe('SDK against a real node through a faulty network', () => {
  it('reconnects after the network drops, resumes its session and gets what it missed once, in order', async () => {
    const cit = await viaProxy(citizen('C-sdk'));
    const law = new LawlineClient({ url: server.url, token: await server.token(lawyer('L-sdk')), WebSocket });
    const helloReply = await cit.connect();
    await law.connect();
    const got: ChatMessageT[] = [];
    const resumed: string[] = [];
    cit.on('chat.message', (m) => got.push(m));
    cit.on('resumed', (r) => resumed.push(r.sessionId));

    const { consultation } = await cit.request('consult.request', { category: 'labor', region: '320200', channel: 'text' });
    await law.request('consult.pick', { consultationId: consultation.id });
    await law.request('consult.join', { consultationId: consultation.id });
    for (let i = 0; i < 3; i++) await law.sendChat(consultation.id, `before ${i}`).acked;
    await expect.poll(() => got.length).toBe(3);

    proxy.cut();
    for (let i = 0; i < 5; i++) await law.sendChat(consultation.id, `during ${i}`).acked;
    await expect.poll(() => got.length, { timeout: 5000 }).toBe(8);
    expect(resumed).toEqual([helloReply.sessionId]);
    expect(got.map((m) => m.body)).toEqual(['before 0', 'before 1', 'before 2', 'during 0', 'during 1', 'during 2', 'during 3', 'during 4']);
    cit.close();
    law.close();
  });

  it('times out a request the network swallowed, with a retryable code', async () => {
    const c = await viaProxy(citizen('C-stall'));
    await c.connect();
    proxy.stall();
    const error = await c.request('ping', {}).catch((e: unknown) => e);
    proxy.resume();
    expect(error).toBeInstanceOf(LawlineError);
    expect((error as LawlineError).code).toBe(ErrorCode.TIMEOUT);
    expect((error as LawlineError).retryable).toBe(true);
    c.close();
  });

  it('gives up a socket the node went silent on within two heartbeats, and resumes once the path is back', async () => {
    const quick = await startTestServer({ LAWLINE_HEARTBEAT_MS: '200' });
    const path = await FaultyProxy.start(quick.port);
    try {
      const c = new LawlineClient({ url: `ws://127.0.0.1:${path.port}/ws`, token: await quick.token(citizen('C-hole')), WebSocket, requestTimeoutMs: 1000, reconnect: { minDelayMs: 20, maxDelayMs: 100 } });
      const first = await c.connect();
      const states: string[] = [];
      const resumed: string[] = [];
      c.on('state', (s) => states.push(s));
      c.on('resumed', (r) => resumed.push(r.sessionId));
      path.blackhole();
      // Nothing reaches the client, not even the node's close: only its own watch can tell.
      await expect.poll(() => states.includes('reconnecting'), { timeout: 2000, interval: 20 }).toBe(true);
      path.resume();
      await expect.poll(() => resumed, { timeout: 5000 }).toEqual([first.sessionId]);
      c.close();
    } finally {
      await path.close();
      await quick.cleanup();
    }
  });

  it('gives up for good on a refused token, without retrying', async () => {
    const c = new LawlineClient({ url: server.url, token: 'not-a-token', WebSocket, reconnect: { minDelayMs: 10, maxDelayMs: 20 } });
    const states: string[] = [];
    const terminated: number[] = [];
    c.on('state', (s) => states.push(s));
    c.on('terminated', (t) => terminated.push(t.code));
    await expect(c.connect()).rejects.toMatchObject({ code: ErrorCode.TOKEN_INVALID });
    await expect.poll(() => terminated).toEqual([4403]);
    await new Promise((r) => setTimeout(r, 200));
    expect(states.filter((s) => s === 'reconnecting')).toEqual([]);
  });

  it('types requests and replies (compile-time) and rejects a refused one with its code', async () => {
    const c = new LawlineClient({ url: server.url, token: await server.token(citizen('C-typed')), WebSocket, encoding: 'json' });
    await c.connect();
    const pong = await c.request('ping', {});
    expect(typeof pong.at).toBe('number');
    await expect(c.request('consult.pick', { consultationId: 'c_x' })).rejects.toMatchObject({ code: ErrorCode.FORBIDDEN, advice: 'reauthenticate' });
    c.close();
  });
});
