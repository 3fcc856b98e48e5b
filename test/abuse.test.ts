import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode, ErrorCode } from '../protocol/errors.ts';
import type { ServerFrame } from '../protocol/frames.ts';
import { citizen } from './helpers/people.ts';
import { RawClient } from './helpers/raw-client.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

// Clients that do not stop: garbage floods, garbage trickles, and a steady overshoot of the rate.
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ LAWLINE_RATE_PER_SEC: '5', LAWLINE_RATE_BURST: '5' });
});
afterAll(() => server.cleanup());

const errorReplies = (frames: ServerFrame[]) => frames.filter((f) => f.type === 'error' || (f.type === 'reply' && !f.ok)).length;
const signedIn = async (id: string) => {
  const c = await RawClient.connect(server.url);
  await c.hello(await server.token(citizen(id)));
  return c;
};

describe('a client sending garbage', () => {
  it('is cut with a 44xx code after a flood of 2,000 unknown-type frames, having had only a handful of replies', async () => {
    const c = await signedIn('C-flood');
    for (let i = 0; i < 2000; i++) c.send({ type: 'launch.missiles', id: 100 + i, data: {} });
    const code = await c.waitClose(5000);
    expect([CloseCode.PROTOCOL_VIOLATION, CloseCode.RATE_LIMIT_ABUSE]).toContain(code);
    expect(errorReplies(c.frames)).toBeLessThanOrEqual(10);
  });

  it('is cut after a few malformed frames even when it stays within the rate and sends good frames between them', async () => {
    const c = await signedIn('C-trickle');
    let sent = 0;
    while (c.closeCode === undefined && sent < 40) {
      c.send({ type: 'launch.missiles', id: 1000 + sent, data: {} });
      c.send({ type: 'ack', seq: 0 });
      sent++;
      await new Promise((r) => setTimeout(r, 450));
    }
    expect(c.closeCode).toBe(CloseCode.PROTOCOL_VIOLATION);
    expect(sent).toBeLessThanOrEqual(15);
  }, 30_000);

  it('is closed before hello on any error, not only an unreadable first frame', async () => {
    for (const first of [
      { type: 'launch.missiles', id: 1, data: {} },
      { type: 'hello', id: 1, data: { tokn: 'x' } },
      { type: 'consult.list', id: 1, data: {} },
    ]) {
      const c = await RawClient.connect(server.url);
      c.send(first);
      expect(await c.waitClose(2000)).toBe(CloseCode.PROTOCOL_VIOLATION);
      expect(errorReplies(c.frames)).toBe(1);
    }
  });
});

describe('a client overshooting the rate', () => {
  it('is cut although every other frame gets through (one accepted frame does not forgive it)', async () => {
    const c = await signedIn('C-overshoot');
    // Twice the rate: the bucket refills one token per 200 ms, so frames alternate accepted / refused.
    const started = Date.now();
    while (c.closeCode === undefined && Date.now() - started < 12_000) {
      c.request('ping', {});
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(c.closeCode).toBe(CloseCode.RATE_LIMIT_ABUSE);
    expect(c.frames.some((f) => f.type === 'reply' && f.ok)).toBe(true);
  }, 20_000);

  it('is told once, not once per dropped frame, and served again after slowing down', async () => {
    const c = await signedIn('C-burst');
    const ids = Array.from({ length: 10 }, () => c.request('ping', {}));
    await new Promise((r) => setTimeout(r, 300));
    const answered = c.frames.filter((f) => f.type === 'reply' && ids.includes(f.id));
    // A burst of 5, one of which the hello took.
    expect(answered.filter((f) => f.type === 'reply' && f.ok)).toHaveLength(4);
    expect(c.frames.filter((f) => f.type === 'error' && f.error.code === ErrorCode.RATE_LIMITED)).toHaveLength(1);
    expect(errorReplies(c.frames)).toBe(1);
    await new Promise((r) => setTimeout(r, 1200));
    expect((await c.call('ping', {})).ok).toBe(true);
    expect(c.closeCode).toBeUndefined();
    c.close();
  });
});
