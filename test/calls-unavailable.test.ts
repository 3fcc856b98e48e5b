import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { LawlineClient, LawlineError } from '../clients/sdk/index.ts';
import { ErrorCode } from '../protocol/errors.ts';
import { citizen, lawyer } from './helpers/people.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

// A node without a media engine serves text and says why calls are unavailable; one told to
// have calls (LAWLINE_MEDIA=on) refuses to start without Janus.
let server: TestServer | undefined;
const path = process.env.PATH;
afterEach(async () => {
  process.env.PATH = path;
  await server?.cleanup();
  server = undefined;
});

async function refusal(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 0;
  } catch (e) {
    return e instanceof LawlineError ? e.code : -1;
  }
}

/** A citizen and a lawyer in an active consultation on `server`; the citizen asks for a call. */
async function askForCall(s: TestServer) {
  const cit = new LawlineClient({ url: s.url, token: await s.token(citizen('C1')), WebSocket });
  const law = new LawlineClient({ url: s.url, token: await s.token(lawyer('L1')), WebSocket });
  const hello = await cit.connect();
  await law.connect();
  const { consultation } = await cit.request('consult.request', { category: 'labor', region: '320200', channel: 'text' });
  await law.request('consult.pick', { consultationId: consultation.id });
  await law.request('consult.join', { consultationId: consultation.id });
  const code = await refusal(cit.request('call.start', { consultationId: consultation.id, media: 'video' }));
  // Text goes on.
  const sent = await cit.request('chat.send', { consultationId: consultation.id, clientMsgId: 'm1', body: 'still here' });
  cit.close();
  law.close();
  return { hello, code, seq: sent.seq };
}

describe('a node without calls', () => {
  it('with LAWLINE_MEDIA=off: hello says calls are off, call.start is CALLS_UNAVAILABLE, chat works', async () => {
    server = await startTestServer({ LAWLINE_MEDIA: 'off', LAWLINE_ROUTING: 'manual' });
    const { hello, code, seq } = await askForCall(server);
    expect(hello.calls).toMatchObject({ available: false, reason: expect.stringContaining('LAWLINE_MEDIA=off') });
    expect(code).toBe(ErrorCode.CALLS_UNAVAILABLE);
    expect(seq).toBe(1);
  });

  it('with LAWLINE_MEDIA=auto and no janus on PATH: starts, serves text, says why with the install line', async () => {
    process.env.PATH = '/nonexistent';
    server = await startTestServer({ LAWLINE_MEDIA: 'auto', LAWLINE_ROUTING: 'manual' });
    process.env.PATH = path;
    const { hello, code } = await askForCall(server);
    expect(hello.calls).toEqual({ available: false, reason: 'calls are unavailable: no janus on PATH', hint: 'apt-get install janus' });
    expect(code).toBe(ErrorCode.CALLS_UNAVAILABLE);
  });

  it('with LAWLINE_MEDIA=on and no janus on PATH: refuses to start, saying how to install it', async () => {
    process.env.PATH = '/nonexistent';
    await expect(startTestServer({ LAWLINE_MEDIA: 'on' })).rejects.toThrow(/LAWLINE_MEDIA=on: calls are unavailable: no janus on PATH \(apt-get install janus\)/);
  });
});
