import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LawlineClient } from '../clients/sdk/index.ts';
import { CloseCode } from '../protocol/errors.ts';
import { citizen } from './helpers/people.ts';
import { RawClient } from './helpers/raw-client.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

// A node behind a proxy on 127.0.0.1 (whose X-Forwarded-For it believes), and one with no proxy configured.
let proxied: TestServer;
let direct: TestServer;
beforeAll(async () => {
  const caps = { LAWLINE_MAX_CONNECTIONS: '5', LAWLINE_MAX_CONNECTIONS_PER_ADDRESS: '2', LAWLINE_HELLO_TIMEOUT_MS: '30000' };
  proxied = await startTestServer({ ...caps, LAWLINE_TRUSTED_PROXIES: '127.0.0.1, 10.255.0.0/16' });
  direct = await startTestServer(caps);
});
afterAll(async () => {
  await proxied.cleanup();
  await direct.cleanup();
});

const open = (server: TestServer, forwardedFor?: string) =>
  RawClient.connect(server.url, 'msgpack', forwardedFor ? { headers: { 'X-Forwarded-For': forwardedFor } } : {});
/** Connected and not closed a moment later: the node kept it. */
const kept = async (c: RawClient) => {
  await new Promise((r) => setTimeout(r, 150));
  return c.closeCode === undefined;
};
const closeAll = async (clients: RawClient[]) => {
  for (const c of clients) c.close();
  await Promise.all(clients.map((c) => c.closed));
};
const refusals = async (server: TestServer, reason: string) =>
  Number(new RegExp(`^lawline_connections_refused_total\\{reason="${reason}"\\} (\\d+)$`, 'm').exec(await (await fetch(`http://127.0.0.1:${server.opsPort}/metrics`)).text())?.[1] ?? 0);

describe('connection caps', () => {
  it('refuses a third connection from one address with a back-off close code, and takes one again once a connection closed', async () => {
    const [a, b] = [await open(proxied, '10.0.0.1'), await open(proxied, '10.0.0.1')];
    expect(await kept(a)).toBe(true);
    expect(await kept(b)).toBe(true);
    const c = await open(proxied, '10.0.0.1');
    expect(await c.waitClose()).toBe(CloseCode.CONNECTION_LIMIT);
    const other = await open(proxied, '10.0.0.2');
    expect(await kept(other)).toBe(true);
    await closeAll([a]);
    const d = await open(proxied, '10.0.0.1');
    expect(await kept(d)).toBe(true);
    expect(await refusals(proxied, 'address')).toBe(1);
    await closeAll([b, other, d]);
  });

  it('refuses past the node’s total, whatever the address', async () => {
    const five = await Promise.all(['10.1.0.1', '10.1.0.2', '10.1.0.3', '10.1.0.4', '10.1.0.5'].map((ip) => open(proxied, ip)));
    for (const c of five) expect(await kept(c)).toBe(true);
    const sixth = await open(proxied, '10.1.0.6');
    expect(await sixth.waitClose()).toBe(CloseCode.CONNECTION_LIMIT);
    expect(await refusals(proxied, 'total')).toBe(1);
    await closeAll(five);
  });

  /** Three connections with these X-Forwarded-For headers: the node must count them as one address. */
  async function countedAsOne(server: TestServer, headers: [string, string, string]) {
    const two = [await open(server, headers[0]), await open(server, headers[1])];
    for (const c of two) expect(await kept(c)).toBe(true);
    expect(await (await open(server, headers[2])).waitClose()).toBe(CloseCode.CONNECTION_LIMIT);
    await closeAll(two);
  }

  it('believes only the address its trusted proxies saw, not what the client wrote before it', async () => {
    // The proxy appends the address it saw; what the client sent itself stays to the left of it.
    await countedAsOne(proxied, ['1.1.1.1, 10.2.0.1', '2.2.2.2, 10.2.0.1, 10.255.3.4', '3.3.3.3, 10.2.0.1']);
  });

  it('ignores X-Forwarded-For from anyone when no proxy is configured', async () => {
    await countedAsOne(direct, ['10.3.0.1', '10.3.0.2', '10.3.0.3']);
  });

  it('lets an SDK client refused for the cap back off and get in once a connection closed', async () => {
    const two = [await open(proxied, '10.4.0.1'), await open(proxied, '10.4.0.1')];
    class FromThatAddress extends WebSocket {
      constructor(url: string, protocols: string | string[]) {
        super(url, protocols, { headers: { 'X-Forwarded-For': '10.4.0.1' } });
      }
    }
    const client = new LawlineClient({ url: proxied.url, token: await proxied.token(citizen('C-capped')), WebSocket: FromThatAddress, reconnect: { minDelayMs: 50, maxDelayMs: 200 } });
    const states: string[] = [];
    client.on('state', (s) => states.push(s));
    const connected = client.connect();
    await expect.poll(() => states.filter((s) => s === 'reconnecting').length).toBeGreaterThanOrEqual(2);
    await closeAll(two.slice(0, 1));
    expect((await connected).user.id).toBe('C-capped');
    client.close();
    await closeAll(two.slice(1));
  });
});
