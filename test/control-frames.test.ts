import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode } from '../protocol/errors.ts';
import { SUBPROTOCOL_JSON } from '../protocol/version.ts';
import { citizen } from './helpers/people.ts';
import { RawClient } from './helpers/raw-client.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';
import { encodeFrame, Op, WireClient } from './helpers/ws-wire.ts';

// WebSocket pings and pongs from a client are frames like any other: charged to its rate limit,
// except the pongs that answer the node's own heartbeat pings.
let server: TestServer;
beforeAll(async () => {
  // A heartbeat ping every ~100 ms to an idle client: more pongs a second than the rate allows frames.
  server = await startTestServer({ LAWLINE_RATE_PER_SEC: '5', LAWLINE_RATE_BURST: '5', LAWLINE_HEARTBEAT_MS: '100' });
});
afterAll(() => server.cleanup());

/** A byte-level client on the JSON subprotocol, signed in unless `hello` is false. */
async function wire(id: string, hello = true): Promise<WireClient> {
  const c = await WireClient.connect(server.port, SUBPROTOCOL_JSON);
  if (!hello) return c;
  const token = await server.token(citizen(id));
  await c.send({ opcode: Op.TEXT, payload: JSON.stringify({ type: 'hello', id: 1, data: { token } }) });
  const reply = await c.next(5000);
  if (!reply || reply.opcode !== Op.TEXT || !reply.payload.toString().includes('"ok":true')) throw new Error(`hello failed: ${reply?.payload.toString()}`);
  return c;
}

/**
 * Sends control frames of `opcode` as fast as the socket takes them, for up to 3 s, until the
 * node closes; returns the close code it sent (undefined: none) and how long the flood lasted.
 */
async function flood(c: WireClient, opcode: number): Promise<{ code: number | undefined; ms: number }> {
  const batch = Buffer.concat(Array.from({ length: 10_000 }, () => encodeFrame({ opcode })));
  const started = performance.now();
  const closeFrame = () => c.frames.find((f) => f.opcode === Op.CLOSE);
  while (!closeFrame() && !c.tcpClosed && performance.now() - started < 3000) await c.writeDrained(batch);
  const ms = Math.round(performance.now() - started);
  const close = closeFrame();
  c.destroy();
  return { code: close && close.payload.length >= 2 ? close.payload.readUInt16BE(0) : undefined, ms };
}

describe('control frames from a client', () => {
  it('a signed-in client flooding pings is closed with 4429 within about a second', async () => {
    const { code, ms } = await flood(await wire('C-pings'), Op.PING);
    expect(code).toBe(CloseCode.RATE_LIMIT_ABUSE);
    expect(ms).toBeLessThan(1500);
  });

  it('a client flooding unsolicited pongs is closed with 4429 within about a second', async () => {
    const { code, ms } = await flood(await wire('C-pongs'), Op.PONG);
    expect(code).toBe(CloseCode.RATE_LIMIT_ABUSE);
    expect(ms).toBeLessThan(1500);
  });

  it('pings before hello are charged too: a flood is closed with 4429', async () => {
    const { code, ms } = await flood(await wire('C-early', false), Op.PING);
    expect(code).toBe(CloseCode.RATE_LIMIT_ABUSE);
    expect(ms).toBeLessThan(1500);
  });

  it("a normal client's heartbeat pongs cost it nothing: after two idle seconds of answered pings, a full burst is served", async () => {
    // ws answers every ping with a pong, as browsers do.
    const c = await RawClient.connect(server.url, 'json');
    await c.hello(await server.token(citizen('C-idle')));
    let pings = 0;
    c.ws.on('ping', () => pings++);
    await new Promise((r) => setTimeout(r, 2000));
    // More pongs than the bucket refills in that time (5 a second): free, or this burst would be cut short.
    expect(pings).toBeGreaterThan(10);
    const replies = await Promise.all(Array.from({ length: 5 }, () => c.call('ping', {})));
    expect(replies.map((r) => r.ok)).toEqual([true, true, true, true, true]);
    expect(c.closeCode).toBeUndefined();
    c.close();
  });
});
