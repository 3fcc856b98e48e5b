import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode, ErrorCode } from '../protocol/errors.ts';
import type { ServerFrame } from '../protocol/frames.ts';
import { citizen, lawyer } from './helpers/people.ts';
import { RawClient } from './helpers/raw-client.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({
    LAWLINE_HELLO_TIMEOUT_MS: '300',
    LAWLINE_RESUME_WINDOW_MS: '1500',
    LAWLINE_HEARTBEAT_MS: '300',
    LAWLINE_CLOCK_TOLERANCE_S: '0',
    LAWLINE_SESSION_BUFFER: '50',
    LAWLINE_MAX_BACKPRESSURE_BYTES: '16384',
    LAWLINE_RATE_PER_SEC: '1000',
    LAWLINE_RATE_BURST: '1000',
  });
});
afterAll(() => server.cleanup());

const pushSeqs = (frames: ServerFrame[]) => frames.flatMap((f) => (f.type === 'push' ? [f.seq] : []));

/** A citizen with an active consultation and its lawyer, both signed in. */
async function activePair(tag: string) {
  const cit = await RawClient.connect(server.url);
  const helloReply = await cit.hello(await server.token(citizen(`C-${tag}`)));
  const law = await RawClient.connect(server.url);
  await law.hello(await server.token(lawyer(`L-${tag}`)));
  const req = await cit.call('consult.request', { category: 'labor', region: '320200', channel: 'text' });
  if (!req.ok) throw new Error('request failed');
  const id = (req.data as { consultation: { id: string } }).consultation.id;
  await law.call('consult.pick', { consultationId: id });
  await law.call('consult.join', { consultationId: id });
  return { cit, law, id, sessionId: helloReply.sessionId };
}

async function lawyerSays(law: RawClient, id: string, n: number, prefix: string) {
  for (let i = 0; i < n; i++) {
    const r = await law.call('chat.send', { consultationId: id, clientMsgId: `${prefix}-${i}`, body: `${prefix} ${i}` });
    expect(r.ok).toBe(true);
  }
}

describe('session', () => {
  it('closes a connection that never says hello with "never authenticated"', async () => {
    const c = await RawClient.connect(server.url);
    const started = Date.now();
    expect(await c.waitClose(2000)).toBe(CloseCode.NOT_AUTHENTICATED);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('answers requests before hello with HELLO_REQUIRED', async () => {
    const c = await RawClient.connect(server.url);
    expect(await c.call('consult.list', {})).toMatchObject({ ok: false, error: { code: ErrorCode.HELLO_REQUIRED } });
    c.close();
  });

  it('replays exactly the missed pushes, in order, once, on resume', async () => {
    const { cit, law, id, sessionId } = await activePair('resume');
    await lawyerSays(law, id, 3, 'before');
    const last = await cit.waitFor((f) => f.type === 'push' && f.event === 'chat.message' && (f.data as { body: string }).body === 'before 2');
    const seen = pushSeqs([last, ...cit.frames.splice(0)]);
    const lastSeq = Math.max(...seen, 0);
    cit.send({ type: 'ack', seq: lastSeq - 1 }); // acked one less than processed: must not matter
    cit.close();
    await cit.closed;

    await lawyerSays(law, id, 4, 'while-away');
    const back = await RawClient.connect(server.url);
    const reply = await back.hello(await server.token(citizen('C-resume')), { sessionId, lastSeq });
    expect(reply).toMatchObject({ resumed: true, sessionId, seq: lastSeq + 4 });
    const lastReplayed = await back.waitFor((f) => f.type === 'push' && (f.data as { body?: string }).body === 'while-away 3');
    await new Promise((r) => setTimeout(r, 100));
    const replayed = [...back.frames.filter((f) => f.type === 'push'), lastReplayed].sort((a, b) => (a as { seq: number }).seq - (b as { seq: number }).seq);
    expect(pushSeqs(replayed)).toEqual([lastSeq + 1, lastSeq + 2, lastSeq + 3, lastSeq + 4]);
    expect(replayed.map((f) => (f as { data: { body: string } }).data.body)).toEqual(['while-away 0', 'while-away 1', 'while-away 2', 'while-away 3']);
    back.close();
    law.close();
  });

  it('gives a snapshot instead after the resume window', async () => {
    const { cit, law, id, sessionId } = await activePair('window');
    cit.close();
    await cit.closed;
    await new Promise((r) => setTimeout(r, 1800));
    const back = await RawClient.connect(server.url);
    const reply = await back.hello(await server.token(citizen('C-window')), { sessionId, lastSeq: 2 });
    expect(reply.resumed).toBe(false);
    expect(reply.sessionId).not.toBe(sessionId);
    expect(reply.snapshot?.consultations.map((c) => c.id)).toEqual([id]);
    back.close();
    law.close();
  });

  it('refuses to resume another user’s session', async () => {
    const { cit, law, sessionId } = await activePair('thief');
    const thief = await RawClient.connect(server.url);
    const reply = await thief.hello(await server.token(citizen('C-thief-2')), { sessionId, lastSeq: 0 });
    expect(reply.resumed).toBe(false);
    expect(reply.sessionId).not.toBe(sessionId);
    for (const c of [cit, law, thief]) c.close();
  });

  it('closes the older connection with "superseded" when a second one resumes the session', async () => {
    const { cit, law, sessionId } = await activePair('super');
    const second = await RawClient.connect(server.url);
    const reply = await second.hello(await server.token(citizen('C-super')), { sessionId, lastSeq: 2 });
    expect(reply.resumed).toBe(true);
    expect(await cit.waitClose()).toBe(CloseCode.SUPERSEDED);
    second.close();
    law.close();
  });

  it('notices a dead peer within two heartbeat intervals', async () => {
    const c = await RawClient.connect(server.url, 'msgpack', { autoPong: false });
    await c.hello(await server.token(citizen('C-dead')));
    const started = Date.now();
    await c.waitClose(3000);
    // two 300 ms intervals plus the sweep's granularity (half an interval)
    expect(Date.now() - started).toBeLessThan(300 * 2 + 150 + 300);
  });

  it('keeps a live peer that answers pings', async () => {
    const c = await RawClient.connect(server.url);
    await c.hello(await server.token(citizen('C-alive')));
    await new Promise((r) => setTimeout(r, 1200));
    expect(c.closeCode).toBeUndefined();
    c.close();
  });

  it('closes an open session when its token expires, within the tolerance plus a second', async () => {
    const c = await RawClient.connect(server.url);
    await c.hello(await server.token(citizen('C-expiring'), 2));
    const code = await c.waitClose(4000);
    expect(code).toBe(CloseCode.TOKEN_EXPIRED);
  });

  it('refuses an expired token at hello with TOKEN_EXPIRED and the reauthenticate close code', async () => {
    const c = await RawClient.connect(server.url);
    const reply = await c.call('hello', { token: await server.token(citizen('C-old'), -10) });
    expect(reply).toMatchObject({ ok: false, error: { code: ErrorCode.TOKEN_EXPIRED } });
    expect(await c.waitClose()).toBe(CloseCode.TOKEN_EXPIRED);
  });

  it('cuts a client that never acks once its resume buffer is full', async () => {
    const { cit, law, id } = await activePair('noack');
    await lawyerSays(law, id, 60, 'flood');
    expect(await cit.waitClose()).toBe(CloseCode.TOO_SLOW);
    law.close();
  });

  it('caps what all disconnected sessions hold together: the longest gone start over, the latest still resumes', async () => {
    const own = await startTestServer({ LAWLINE_RESUME_HOLD_MAX: '100', LAWLINE_SESSION_BUFFER: '1000', LAWLINE_RESUME_WINDOW_MS: '60000', LAWLINE_RATE_PER_SEC: '1000', LAWLINE_RATE_BURST: '1000' });
    try {
      const law = await RawClient.connect(own.url);
      await law.hello(await own.token(lawyer('L-hold')));
      // Three devices of the citizen come and go without resuming (reloads): each session stays for the window.
      const left: { sessionId: string; seq: number }[] = [];
      let id = '';
      for (let i = 0; i < 3; i++) {
        const dev = await RawClient.connect(own.url);
        const hello = await dev.hello(await own.token(citizen('C-hold')));
        if (i === 0) {
          const req = await dev.call('consult.request', { category: 'labor', region: '320200', channel: 'text' });
          if (!req.ok) throw new Error('request failed');
          id = (req.data as { consultation: { id: string } }).consultation.id;
          await law.call('consult.pick', { consultationId: id });
          await law.call('consult.join', { consultationId: id });
          await new Promise((r) => setTimeout(r, 50));
        }
        left.push({ sessionId: hello.sessionId, seq: Math.max(0, ...pushSeqs(dev.frames)) });
        dev.close();
        await dev.closed;
      }
      await lawyerSays(law, id, 60, 'held');
      const metrics = await (await fetch(`http://127.0.0.1:${own.opsPort}/metrics`)).text();
      expect(Number(/^lawline_resume_held_pushes (\d+)$/m.exec(metrics)?.[1])).toBe(60);
      const [oldest, , newest] = left as [(typeof left)[number], unknown, (typeof left)[number]];
      const back = await RawClient.connect(own.url);
      expect(await back.hello(await own.token(citizen('C-hold')), { sessionId: oldest.sessionId, lastSeq: oldest.seq })).toMatchObject({ resumed: false });
      back.close();
      const latest = await RawClient.connect(own.url);
      expect(await latest.hello(await own.token(citizen('C-hold')), { sessionId: newest.sessionId, lastSeq: newest.seq })).toMatchObject({ resumed: true, seq: newest.seq + 60 });
      latest.close();
      law.close();
    } finally {
      await own.cleanup();
    }
  });

  it('cuts a client that stops reading before its outbound buffer grows unbounded', async () => {
    // Its own node with a huge resume buffer, so only the socket's backpressure can trip.
    const roomy = await startTestServer({ LAWLINE_SESSION_BUFFER: '100000', LAWLINE_MAX_BACKPRESSURE_BYTES: '65536', LAWLINE_RATE_PER_SEC: '100000', LAWLINE_RATE_BURST: '100000' });
    try {
      const cit = await RawClient.connect(roomy.url);
      await cit.hello(await roomy.token(citizen('C-slow')));
      const law = await RawClient.connect(roomy.url);
      await law.hello(await roomy.token(lawyer('L-slow')));
      const req = await cit.call('consult.request', { category: 'labor', region: '320200', channel: 'text' });
      const id = (req as { data: { consultation: { id: string } } }).data.consultation.id;
      await law.call('consult.pick', { consultationId: id });
      await law.call('consult.join', { consultationId: id });
      cit.close();

      // The citizen's second device speaks raw WebSocket, then stops reading.
      const sock = await rawWebSocket(roomy.port, await roomy.token(citizen('C-slow')));
      sock.pause();
      let closedByServer = false;
      sock.on('close', () => (closedByServer = true));
      const big = 'x'.repeat(4000);
      for (let batch = 0; batch < 200 && !closedByServer; batch++) {
        const ids = Array.from({ length: 25 }, (_, j) => law.request('chat.send', { consultationId: id, clientMsgId: `big-${batch}-${j}`, body: big }));
        await law.waitFor((f) => f.type === 'reply' && f.id === ids[ids.length - 1]);
        law.frames.length = 0;
      }
      const metrics = await (await fetch(`http://127.0.0.1:${roomy.opsPort}/metrics`)).text();
      expect(metrics).toContain(`lawline_closes_total{code="${CloseCode.TOO_SLOW}"} 1`);
      sock.destroy();
      law.close();
    } finally {
      await roomy.cleanup();
    }
  });
});

/** A WebSocket client written by hand on a TCP socket, so the test controls reading. */
async function rawWebSocket(port: number, token: string): Promise<net.Socket> {
  const sock = net.connect(port, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  sock.write(
    'GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: lawline.v1.json\r\n\r\n',
  );
  await new Promise((r) => sock.once('data', r));
  const hello = Buffer.from(JSON.stringify({ type: 'hello', id: 1, data: { token } }));
  const mask = Buffer.from([1, 2, 3, 4]);
  const masked = Buffer.from(hello.map((b, i) => b ^ (mask[i % 4] as number)));
  sock.write(Buffer.concat([Buffer.from([0x81, 0xfe, hello.length >> 8, hello.length & 0xff]), mask, masked]));
  await new Promise((r) => setTimeout(r, 100));
  return sock;
}

describe('rate limit', () => {
  it('answers RATE_LIMITED past the burst and keeps the connection', async () => {
    const limited = await startTestServer({ LAWLINE_RATE_PER_SEC: '5', LAWLINE_RATE_BURST: '5' });
    try {
      const c = await RawClient.connect(limited.url);
      await c.hello(await limited.token(citizen('C-rate')));
      for (let i = 0; i < 10; i++) c.request('consult.list', {});
      // Frames over the rate are dropped unread; the client is told once (test/abuse.test.ts).
      const told = await c.waitFor((f) => f.type === 'error');
      expect(told.type === 'error' && told.error.code).toBe(ErrorCode.RATE_LIMITED);
      expect(c.closeCode).toBeUndefined();
      c.close();
    } finally {
      await limited.cleanup();
    }
  });
});
