import net from 'node:net';
import { Writable } from 'node:stream';
import uWS, { type us_listen_socket, type WebSocket as UwsSocket } from 'uWebSockets.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CloseCode } from '../../protocol/errors.ts';
import { createLogger } from '../log.ts';
import { guardHttp, guardSocket, guardUpgrade } from './guard.ts';

// The guards' contract, over real sockets: a real uWS app whose handlers fail on purpose in
// every way a bug could (at once, after an await, after answering, after the client left).
// An escaped exception would end this very process, so the test passing is half the proof.
const lines: string[] = [];
const log = createLogger(
  'debug',
  new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  }),
);
const tick = (ms = 20) => new Promise((r) => setTimeout(r, ms));
let listen: us_listen_socket;
let port: number;
let lateFailures = 0;

beforeAll(async () => {
  const app = uWS.App();
  app.get('/sync', guardHttp(log, () => {
    throw new Error('boom at once');
  }));
  app.get('/uri', guardHttp(log, () => {
    decodeURIComponent('%E0%A4%A');
  }));
  app.get('/async', guardHttp(log, async () => {
    await tick();
    throw new Error('boom after an await');
  }));
  app.get('/answered', guardHttp(log, (reply) => {
    reply.send('200 OK', 'text/plain', 'fine');
    throw new Error('boom after answering');
  }));
  app.get('/gone', guardHttp(log, async () => {
    await tick(200);
    lateFailures++;
    throw new Error('boom after the client left');
  }));
  app.put('/body', guardHttp(log, async (reply) => {
    const read = await reply.readBody(10);
    reply.send(read.ok ? '200 OK' : `${read.status} Refused`, 'text/plain', read.ok ? read.body : read.error);
  }));
  app.ws<{ open: boolean }>('/ws', {
    upgrade: guardUpgrade(log, (res, req, context) => {
      if (req.getHeader('x-fail') === 'yes') throw new Error('boom in upgrade');
      res.upgrade({ open: false }, req.getHeader('sec-websocket-key'), req.getHeader('sec-websocket-protocol'), req.getHeader('sec-websocket-extensions'), context);
    }),
    open: guardSocket(log, 'open', (ws: UwsSocket<{ open: boolean }>) => void (ws.getUserData().open = true), () => undefined),
    message: guardSocket(
      log,
      'message',
      async (ws: UwsSocket<{ open: boolean }>, message: ArrayBuffer) => {
        const text = Buffer.from(message).toString();
        if (text === 'throw') throw new Error('boom in message');
        if (text === 'reject') {
          await tick();
          throw new Error('boom in message after an await');
        }
        ws.send(`echo ${text}`);
      },
      (ws) => {
        if (ws.getUserData().open) ws.end(CloseCode.SERVER_ERROR, 'internal error');
      },
    ),
    close: guardSocket(log, 'close', (ws: UwsSocket<{ open: boolean }>) => void (ws.getUserData().open = false), () => undefined),
  });
  await new Promise<void>((resolve) =>
    app.listen('127.0.0.1', 0, (token) => {
      listen = token as us_listen_socket;
      port = uWS.us_socket_local_port(listen);
      resolve();
    }),
  );
});
afterAll(() => uWS.us_listen_socket_close(listen));

const get = async (path: string, headers: Record<string, string> = {}) => {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers });
  return { status: res.status, text: await res.text() };
};

describe('HTTP guard', () => {
  it('answers 500 to a handler that throws, and logs where, never the Authorization header', async () => {
    expect(await get('/sync', { authorization: 'Bearer SECRET-TOKEN' })).toEqual({ status: 500, text: '{"error":"internal server error"}' });
    const line = lines.find((l) => l.includes('boom at once')) ?? '';
    expect(JSON.parse(line)).toMatchObject({ level: 50, method: 'get', path: '/sync', status: '500', msg: 'request handler failed' });
    expect(lines.join('')).not.toContain('SECRET-TOKEN');
  });

  it('answers 400 to input a decoder refuses (bad percent-encoding)', async () => {
    expect((await get('/uri')).status).toBe(400);
  });

  it('answers 500 when the handler fails after an await', async () => {
    expect((await get('/async')).status).toBe(500);
  });

  it('keeps the answer already sent when the handler fails afterwards, and the connection serves on', async () => {
    const socket = net.connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    socket.on('data', (d) => received.push(d));
    socket.write('GET /answered HTTP/1.1\r\nHost: x\r\n\r\nGET /answered HTTP/1.1\r\nHost: x\r\n\r\n');
    await tick(100);
    socket.destroy();
    const text = Buffer.concat(received).toString();
    expect(text.match(/HTTP\/1\.1 \d+/g)).toEqual(['HTTP/1.1 200', 'HTTP/1.1 200']);
    expect(lines.some((l) => l.includes('boom after answering'))).toBe(true);
  });

  it('writes nothing when the client left before the handler failed', async () => {
    const before = lateFailures;
    const socket = net.connect(port, '127.0.0.1', () => socket.end('GET /gone HTTP/1.1\r\nHost: x\r\n\r\n'));
    socket.on('error', () => undefined);
    await tick(50);
    socket.destroy();
    await tick(300);
    expect(lateFailures).toBe(before + 1);
    expect(lines.some((l) => l.includes('boom after the client left'))).toBe(true);
  });

  it('reads a body up to its limit, and answers 413 past it', async () => {
    const put = async (body: string) => (await fetch(`http://127.0.0.1:${port}/body`, { method: 'PUT', body })).status;
    expect(await put('0123456789')).toBe(200);
    expect(await put('0123456789x')).toBe(413);
  });
});

describe('WebSocket guards', () => {
  const open = (headers: Record<string, string> = {}) =>
    new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers });
      ws.once('open', () => resolve(ws));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
  const closeCode = (ws: WebSocket) => new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  const echo = (ws: WebSocket, text: string) =>
    new Promise<string>((resolve) => {
      ws.once('message', (d: Buffer) => resolve(d.toString()));
      ws.send(text);
    });

  it('answers 500 to an upgrade that throws', async () => {
    await expect(open({ 'x-fail': 'yes' })).rejects.toThrow('HTTP 500');
  });

  it('closes only the socket whose message handler failed, at once or after an await, with 4003', async () => {
    const bystander = await open();
    for (const how of ['throw', 'reject']) {
      const victim = await open();
      const closed = closeCode(victim);
      victim.send(how);
      expect(await closed).toBe(CloseCode.SERVER_ERROR);
      expect(await echo(bystander, 'still here')).toBe('echo still here');
    }
    bystander.close();
  });
});
