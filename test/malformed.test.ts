import http from 'node:http';
import { Packr } from 'msgpackr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode, ErrorCode } from '../protocol/errors.ts';
import type { ServerFrame } from '../protocol/frames.ts';
import { citizen } from './helpers/people.ts';
import { RawClient } from './helpers/raw-client.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

const packr = new Packr({ useRecords: false });
let server: TestServer;
let bystander: RawClient;

beforeAll(async () => {
  server = await startTestServer({ LAWLINE_RATE_PER_SEC: '1000', LAWLINE_RATE_BURST: '1000' });
  bystander = await RawClient.connect(server.url);
  await bystander.hello(await server.token(citizen('C-bystander')));
});
afterAll(async () => {
  bystander.close();
  await server.cleanup();
});

function header(byte: number, length: number, width: 2 | 4 = 4): Buffer {
  const b = Buffer.alloc(1 + width);
  b[0] = byte;
  if (width === 4) b.writeUInt32BE(length, 1);
  else b.writeUInt16BE(length, 1);
  return b;
}

const errorCode = (f: ServerFrame) => (f.type === 'error' ? f.error.code : f.type === 'reply' && !f.ok ? f.error.code : undefined);

const cases: [string, Buffer | string, number][] = [
  ['a field of the wrong type', packr.pack({ type: 'chat.send', id: 1, data: { consultationId: 42, clientMsgId: 'm', body: 'x' } }), ErrorCode.SCHEMA_VIOLATION],
  ['a missing field', packr.pack({ type: 'consult.request', id: 2, data: { category: 'labor' } }), ErrorCode.SCHEMA_VIOLATION],
  ['an unknown category', packr.pack({ type: 'consult.request', id: 3, data: { category: 'alchemy', region: '320200', channel: 'text' } }), ErrorCode.SCHEMA_VIOLATION],
  ['an unknown type', packr.pack({ type: 'launch.missiles', id: 4, data: {} }), ErrorCode.UNKNOWN_TYPE],
  ['a frame that is not an object', packr.pack([1, 2, 3]), ErrorCode.BAD_FRAME],
  ['truncated msgpack', packr.pack({ type: 'consult.list', id: 6, data: {} }).subarray(0, 9), ErrorCode.BAD_ENCODING],
  ['JSON text on the binary subprotocol', '{"type":"consult.list","id":7,"data":{}}', ErrorCode.BAD_ENCODING],
  ['JSON bytes in a binary frame', Buffer.from('{"type":"consult.list","id":8,"data":{}}'), ErrorCode.BAD_ENCODING],
  ['a __proto__ key', packr.pack({ type: 'consult.list', id: 9, data: JSON.parse('{"__proto__":{"polluted":true}}') }), ErrorCode.SCHEMA_VIOLATION],
  ['a constructor key', packr.pack({ type: 'consult.list', id: 10, data: { constructor: { prototype: { polluted: true } } } }), ErrorCode.SCHEMA_VIOLATION],
  ['nesting 10,000 deep', Buffer.concat([Buffer.alloc(10_000, 0x91), Buffer.from([0xc0])]), ErrorCode.TOO_DEEP],
  ['a str32 header claiming 4 GB', Buffer.concat([header(0xdb, 0xffffffff), Buffer.from('abc')]), ErrorCode.BAD_ENCODING],
  ['a bin32 header claiming 4 GB', Buffer.concat([header(0xc6, 0xffffffff), Buffer.from('abc')]), ErrorCode.BAD_ENCODING],
  ['an array32 header claiming 4G elements', Buffer.concat([header(0xdd, 0xffffffff), Buffer.from([1, 2, 3])]), ErrorCode.BAD_ENCODING],
  ['a map32 header claiming 4G pairs', Buffer.concat([header(0xdf, 0xffffffff), Buffer.from([1, 2, 3])]), ErrorCode.BAD_ENCODING],
  ['an array16 header inside a valid map', Buffer.concat([Buffer.from([0x82, 0xa4]), Buffer.from('type'), Buffer.from([0xa4]), Buffer.from('ack1'), Buffer.from([0xa3]), Buffer.from('seq'), header(0xdc, 0xffff, 2)]), ErrorCode.BAD_ENCODING],
  ['a timestamp extension', Buffer.from([0xd6, 0xff, 0, 0, 0, 1]), ErrorCode.BAD_ENCODING],
];

describe('malformed frames after hello', () => {
  // A connection per case: a few malformed frames on one connection get it cut (test/abuse.test.ts).
  it.each(cases)('answers %s with its code within 100 ms', async (_name, bytes, code) => {
    const client = await RawClient.connect(server.url);
    await client.hello(await server.token(citizen('C-fuzz')));
    const before = process.memoryUsage().rss;
    const started = performance.now();
    client.sendRaw(bytes);
    const answer = await client.waitFor((f) => errorCode(f) !== undefined, 1000);
    expect(performance.now() - started).toBeLessThan(100);
    expect(errorCode(answer)).toBe(code);
    expect(process.memoryUsage().rss - before).toBeLessThan(32 * 1024 * 1024);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // The connection and the server still serve.
    expect((await client.call('consult.list', {})).ok).toBe(true);
    expect((await bystander.call('consult.list', {})).ok).toBe(true);
    client.close();
  });

  it('answers a frame over the limit with FRAME_TOO_LARGE and closes with 1009 (message too big)', async () => {
    const c = await RawClient.connect(server.url);
    await c.hello(await server.token(citizen('C-big')));
    c.sendRaw(packr.pack({ type: 'chat.send', id: 5, data: { consultationId: 'c', clientMsgId: 'm', body: 'x'.repeat(100_000) } }));
    const answer = await c.waitFor((f) => errorCode(f) !== undefined, 1000).catch(() => c.frames.find((f) => errorCode(f) !== undefined));
    expect(answer && errorCode(answer)).toBe(ErrorCode.FRAME_TOO_LARGE);
    expect(await c.waitClose()).toBe(CloseCode.MESSAGE_TOO_BIG);
  });

  it('drops a frame above the transport limit without hurting anyone else, and counts it', async () => {
    const metric = async () => Number(/^lawline_oversize_drops_total (\d+)$/m.exec(await (await fetch(`http://127.0.0.1:${server.opsPort}/metrics`)).text())?.[1] ?? 0);
    const before = await metric();
    const victim = await RawClient.connect(server.url);
    await victim.hello(await server.token(citizen('C-huge')));
    victim.sendRaw(Buffer.alloc(1024 * 1024, 0x41));
    // uWS cuts the TCP connection at the frame header: no close frame can be sent.
    expect(await victim.waitClose()).toBe(1006);
    expect((await bystander.call('consult.list', {})).ok).toBe(true);
    await expect.poll(metric).toBe(before + 1);
  });
});

describe('malformed first frame', () => {
  it('answers and closes with "protocol violation" when the very first frame is unreadable', async () => {
    const c = await RawClient.connect(server.url);
    c.sendRaw(Buffer.from([0xc1]));
    const answer = await c.waitFor((f) => f.type === 'error');
    expect(errorCode(answer)).toBe(ErrorCode.BAD_ENCODING);
    expect(await c.waitClose()).toBe(CloseCode.PROTOCOL_VIOLATION);
  });

  it('refuses a WebSocket upgrade without a lawline subprotocol', async () => {
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = http.get({
        host: '127.0.0.1',
        port: server.port,
        path: '/ws',
        headers: { Upgrade: 'websocket', Connection: 'Upgrade', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version': '13' },
      });
      req.on('response', (res) => resolve(res.statusCode));
      req.on('upgrade', () => reject(new Error('upgraded without a subprotocol')));
      req.on('error', reject);
    });
    expect(status).toBe(400);
  });
});
