import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateDevIdentity, mintToken } from '../server/auth/dev-identity.ts';
import { rawExchange, type RawOptions, type RawOutcome } from './helpers/raw-http.ts';
import { spawnServer, type SpawnedServer } from './helpers/spawn.ts';

// The HTTP surface of a node running as its own process (as `npm start` runs it), both its
// client port and its operations listener, fed hostile requests over raw TCP: every request
// gets a well-formed HTTP answer or a clean close, input that is merely bad gets a 4xx (never
// a 5xx), and the process outlives all of it.
const dir = mkdtempSync(join(tmpdir(), 'lawline-http-fuzz-'));
let server: SpawnedServer;
let admin: string;
const ports = () => [server.port, server.opsPort];

beforeAll(async () => {
  server = await spawnServer({ LAWLINE_PORT: '0', LAWLINE_DATA_DIR: dir });
  admin = await mintToken(await loadOrCreateDevIdentity(dir), { sub: 'FUZZ-ADMIN', role: 'admin', name: '运维' });
});
afterAll(async () => {
  server.proc.kill('SIGTERM');
  await server.exited;
  rmSync(dir, { recursive: true, force: true });
});

type Header = [string, string | Buffer];

function request(method: string, path: string | Buffer, headers: Header[] = [], body?: string | Buffer): Buffer {
  const head = [Buffer.from(`${method} `, 'latin1'), Buffer.from(path), Buffer.from(' HTTP/1.1\r\nHost: lawline\r\n')];
  for (const [name, value] of headers) head.push(Buffer.from(`${name}: `, 'latin1'), Buffer.from(value), Buffer.from('\r\n'));
  const withLength = body !== undefined && !headers.some(([n]) => /^(content-length|transfer-encoding)$/i.test(n));
  if (withLength) head.push(Buffer.from(`Content-Length: ${Buffer.byteLength(body)}\r\n`));
  head.push(Buffer.from('\r\n'));
  if (body !== undefined) head.push(Buffer.from(body));
  return Buffer.concat(head);
}

const ROUTES = ['/', '/index.html', '/healthz', '/readyz', '/metrics', '/ws', '/dev/token', '/api/roster/2026-11-25', '/api/coverage/2026-11-25', '/api/roster/', '/nope'];

/** Checks one outcome: well-formed, answered or cleanly closed, and no 5xx for what is merely bad input. */
function judge(what: string, out: RawOutcome, { answered = false }: { answered?: boolean } = {}): void {
  expect(out.malformed, `${what}: ${out.malformed}`).toBeUndefined();
  if (answered || out.ended === 'open') expect(out.answers.length, `${what}: no answer (ended ${out.ended})`).toBeGreaterThan(0);
  for (const a of out.answers) expect(a.status, `${what}: answered ${a.status} ${a.body.toString().slice(0, 200)}`).toBeLessThan(500);
  // A connection kept open after the answer still serves the next request correctly.
  if (out.answers.length === 2) expect(out.answers[1]?.status, `${what}: follow-up on the same connection`).toBe(200);
}

/**
 * Requests uWS's parser refuses without a word (a NUL or a raw control byte, a target without a
 * leading slash, a folded header): uWebSockets.js 20.30 neither answers nor calls us, and
 * closes the connection at its HTTP idle timeout (10 s). They wait here; the last test checks
 * that each was closed, well-formed, with nothing else written.
 */
const waiting: { what: string; outcome: Promise<RawOutcome> }[] = [];
// Answers on loopback take milliseconds; one slower than this is not lost, only judged at the end.
const PATIENCE_MS = 200;
const UWS_IDLE_CLOSE_MS = 15_000;

/** Sends a request; returns its outcome, or undefined when the server stays silent (see `waiting`). */
type To = RawOptions & { port?: number };

async function exchange(what: string, bytes: (Buffer | string)[], { port = server.port, ...options }: To = {}): Promise<RawOutcome | undefined> {
  const outcome = rawExchange(port, bytes, { followUp: true, timeoutMs: UWS_IDLE_CLOSE_MS, ...options });
  const early = await Promise.race([outcome, new Promise<undefined>((r) => setTimeout(r, PATIENCE_MS))]);
  if (!early) {
    waiting.push({ what, outcome });
    return undefined;
  }
  judge(what, early);
  return early;
}

/** A request that must be answered: its first status. */
async function answered(what: string, bytes: (Buffer | string)[], { port = server.port, ...options }: To = {}): Promise<number | undefined> {
  const out = await rawExchange(port, bytes, { followUp: true, ...options });
  judge(what, out, { answered: true });
  return out.answers[0]?.status;
}

async function stillServing(): Promise<void> {
  expect(server.proc.exitCode, `the node exited:\n${server.output()}`).toBeNull();
  for (const port of ports()) {
    const out = await rawExchange(port, [request('GET', '/healthz')]);
    expect(out.answers[0]?.status, `the node stopped answering on ${port}:\n${server.output()}`).toBe(200);
  }
}

describe('hostile requests, one by one', () => {
  it('answers bad percent-encoding in a path parameter with 400 and keeps running', async () => {
    for (const path of ['/api/roster/%E0%A4%A', '/api/coverage/%', '/api/roster/%ZZ', '/api/roster/%C0%AF']) {
      expect(await answered(path, [request('GET', path)], { port: server.opsPort }), path).toBe(400);
      expect(await answered(path, [request('GET', path)]), `${path} on the client port`).toBe(404);
      await stillServing();
    }
    expect(await answered('PUT bad percent-encoding', [request('PUT', '/api/roster/%E0%A4%A', [['Content-Type', 'application/json']], '{"shifts":[]}')], { port: server.opsPort })).toBe(400);
    await stillServing();
  });

  const paths: [string, string | Buffer][] = [
    ['a NUL byte', Buffer.from('/he\0althz')],
    ['an encoded NUL', '/%00'],
    ['dot-dot segments', '/../../../../etc/passwd'],
    ['encoded dot-dot segments', '/%2e%2e/%2e%2e/etc/passwd'],
    ['a 100 KB path', `/${'a'.repeat(100_000)}`],
    ['raw UTF-8', '/律师/😀'],
    ['invalid UTF-8', Buffer.from([0x2f, 0xc3, 0x28, 0xff, 0xfe])],
    ['absolute form', 'http://evil.example/healthz'],
    ['asterisk form', '*'],
    ['empty', ''],
    ['no leading slash', 'healthz'],
    ['a query only', '/?%'],
    ['backslashes', '/..\\..\\windows'],
  ];
  it.each(paths)('path: %s', async (_name, path) => {
    await Promise.all(ports().map((port) => exchange(String(_name), [request('GET', path)], { port })));
    await stillServing();
  });

  const methods = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'CONNECT', 'PROPFIND', 'get', 'FOO', 'M-SEARCH', 'X'.repeat(300)];
  it('answers every method on every route', async () => {
    for (const method of methods) {
      for (const path of ROUTES) for (const port of ports()) await exchange(`${method} ${path} on ${port}`, [request(method, path)], { head: method === 'HEAD', port });
    }
    await stillServing();
  });

  const jwtish = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"role":"admin"}').toString('base64url')}.`;
  const headerCases: [string, Header[]][] = [
    ['a 100 KB header', [['X-Big', 'x'.repeat(100_000)]]],
    ['500 headers', Array.from({ length: 500 }, (_, i): Header => [`X-H${i}`, 'v'])],
    ['two Authorization headers', [['Authorization', 'Bearer a'], ['Authorization', 'Bearer b']]],
    ['Authorization: Bearer', [['Authorization', 'Bearer']]],
    ['Authorization: Bearer with spaces', [['Authorization', 'Bearer    ']]],
    ['Authorization: Basic', [['Authorization', 'Basic YWRtaW46YWRtaW4=']]],
    ['Authorization: an unsigned JWT', [['Authorization', `Bearer ${jwtish}`]]],
    ['Authorization: 60 KB', [['Authorization', `Bearer ${'x'.repeat(60_000)}`]]],
    ['Authorization: binary', [['Authorization', Buffer.from([0x42, 0x65, 0x61, 0x72, 0x65, 0x72, 0x20, 0xff, 0x00, 0x80])]]],
    ['a header without a value', [['X-Empty', '']]],
    ['a folded header', [['X-Fold', 'a\r\n  b']]],
  ];
  it.each(headerCases)('headers: %s', async (name, headers) => {
    const sends = ports().flatMap((port) => [
      ...['/api/roster/2026-11-25', '/healthz', '/ws', '/metrics'].map((path) => exchange(`${name} ${path}`, [request('GET', path, headers)], { port })),
      exchange(`${name} PUT`, [request('PUT', '/api/roster/2026-11-25', headers, '{"shifts":[]}')], { port }),
    ]);
    await Promise.all(sends);
    await stillServing();
  });

  const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
  const bodyCases: [string, Header[], string | Buffer][] = [
    ['not JSON', [], 'role=citizen&name=x'],
    ['truncated JSON', [], '{"role":"citizen","name":'],
    ['JSON 100,000 deep', [], deep(100_000)],
    ['JSON 100,000 deep inside an object', [], `{"shifts":${deep(100_000)}}`],
    ['a __proto__ key', [], '{"__proto__":{"polluted":true},"role":"citizen","name":"x"}'],
    ['binary', [], Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x80])],
    ['chunked', [['Transfer-Encoding', 'chunked']], '5\r\n{"a":\r\n2\r\n1}\r\n0\r\n\r\n'],
    ['chunked with a bad size', [['Transfer-Encoding', 'chunked']], 'zz\r\nabc\r\n0\r\n\r\n'],
    ['chunked with a 2^64 size', [['Transfer-Encoding', 'chunked']], 'ffffffffffffffffff\r\nabc\r\n'],
    ['Content-Length and Transfer-Encoding', [['Content-Length', '3'], ['Transfer-Encoding', 'chunked']], '0\r\n\r\n'],
    ['two different Content-Lengths', [['Content-Length', '2'], ['Content-Length', '3']], 'abc'],
    ['a negative Content-Length', [['Content-Length', '-1']], 'abc'],
    ['a Content-Length that is not a number', [['Content-Length', 'abc']], 'abc'],
    ['a Content-Length of 2^64', [['Content-Length', '18446744073709551616']], 'abc'],
  ];
  it.each(bodyCases)('body: %s', async (name, headers, body) => {
    for (const path of ['/dev/token', '/api/roster/2026-11-25', '/healthz', '/nope']) {
      for (const method of ['POST', 'PUT']) {
        for (const port of ports()) {
          const auth: Header[] = [['Content-Type', 'application/json'], ['Authorization', `Bearer ${admin}`]];
          await exchange(`${name} ${method} ${path}`, [request(method, path, [...auth, ...headers], body)], { port });
        }
      }
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await stillServing();
  });

  it('answers a body over the limit with 413', async () => {
    const huge = Buffer.alloc(5 * 1024 * 1024, 0x61);
    expect(await answered('5 MB roster', [request('PUT', '/api/roster/2026-11-25', [['Authorization', `Bearer ${admin}`]], huge)], { timeoutMs: 5000, port: server.opsPort })).toBe(413);
    // Without a valid token the refusal comes first, before the body is read.
    expect(await answered('5 MB roster, no token', [request('PUT', '/api/roster/2026-11-25', [], huge)], { timeoutMs: 5000, port: server.opsPort })).toBe(401);
    expect(await answered('5 MB dev token', [request('POST', '/dev/token', [], huge)], { timeoutMs: 5000 })).toBe(413);
    await stillServing();
  });

  it('survives requests cut short, and clients that vanish while their request is being handled', async () => {
    const partial = request('PUT', '/api/roster/2026-11-25', [['Content-Length', '1000'], ['Authorization', `Bearer ${admin}`]]);
    for (const port of ports()) {
      await exchange('body cut short, then half-closed', [partial, '{"shifts":'], { halfClose: true, port });
      await exchange('headers cut short, then half-closed', ['GET /healthz HTTP/1.1\r\nHost: lawl'], { halfClose: true, port });
    }
    // Gone mid-body, and gone right after a whole request (the reply finds no one).
    const gone = [
      Buffer.concat([partial, Buffer.from('{"shifts":')]),
      request('PUT', '/api/roster/2026-11-25', [['Authorization', 'Bearer a.b.c']], '{"shifts":[]}'),
      request('PUT', '/api/roster/2026-11-25', [['Authorization', `Bearer ${admin}`]], '{"shifts":[]}'),
      request('POST', '/dev/token', [], '{"role":"citizen","name":"x"}'),
    ];
    for (const [bytes, port] of gone.flatMap((b) => ports().map((p) => [b, p] as const))) {
      await new Promise<void>((resolve, reject) => {
        const s = net.connect(port, '127.0.0.1', () => {
          s.write(bytes);
          setImmediate(() => s.destroy());
          resolve();
        });
        s.once('error', reject);
      });
    }
    await new Promise((r) => setTimeout(r, 100));
    await stillServing();
  });

  it('answers a TLS handshake, a bad HTTP version and garbage on the plain port without crashing', async () => {
    const garbage: [string, Buffer | string][] = [
      ['a TLS ClientHello', Buffer.from('16030100a5010000a10303', 'hex')],
      ['HTTP/9.9', 'GET /healthz HTTP/9.9\r\n\r\n'],
      ['HTTP/0.9', 'GET /healthz\r\n\r\n'],
      ['bare newlines', 'GET /healthz HTTP/1.1\nHost: x\n\n'],
      ['binary noise', Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 73) % 256))],
    ];
    for (const [name, bytes] of garbage) {
      for (const port of ports()) {
        const out = await rawExchange(port, [bytes], { halfClose: true });
        expect(out.malformed, `${name} on ${port}: ${out.malformed}`).toBeUndefined();
        for (const a of out.answers) expect(a.status, name).not.toBe(500);
      }
    }
    await stillServing();
  });

  it('keeps answering while slow clients hold connections open with partial requests', async () => {
    const slow = Array.from({ length: 50 }, () => net.connect(server.port, '127.0.0.1'));
    const trouble: Error[] = [];
    await Promise.all(slow.map((s) => new Promise((resolve, reject) => s.once('connect', resolve).once('error', reject))));
    for (const s of slow) s.on('error', (e) => trouble.push(e));
    for (const s of slow) s.write('PUT /api/roster/2026-11-25 HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{');
    const trickle = setInterval(() => {
      for (const s of slow) s.write('[');
    }, 20);
    try {
      for (let i = 0; i < 10; i++) {
        const started = performance.now();
        await stillServing();
        expect(performance.now() - started).toBeLessThan(500);
      }
      expect(trouble).toEqual([]);
    } finally {
      clearInterval(trickle);
      for (const s of slow) s.destroy();
    }
  });
});

describe('random hostile requests', () => {
  const hex = fc.constantFrom(...'0123456789abcdefABCDEFxZ%');
  const percentJunk = fc.array(fc.tuple(fc.constant('%'), fc.string({ unit: hex, maxLength: 2 })), { maxLength: 4 }).map((parts) => parts.map((p) => p.join('')).join(''));
  const segment = fc.oneof(
    fc.constantFrom('api', 'roster', 'coverage', 'dev', 'token', 'healthz', 'readyz', 'metrics', 'ws', '..', '.', '', '2026-11-25', 'index.html'),
    percentJunk,
    fc.string({ unit: 'grapheme', maxLength: 8 }).map(encodeURI),
    fc.string({ unit: 'binary', maxLength: 8 }),
    fc.uint8Array({ maxLength: 8 }).map((b) => Buffer.from(b).toString('latin1')),
  );
  const path = fc.oneof(
    fc.array(segment, { maxLength: 6 }).map((s) => `/${s.join('/')}`),
    fc.tuple(fc.constantFrom('/api/roster/', '/api/coverage/', '/dev/token/', '/'), percentJunk, fc.string({ maxLength: 4 })).map((p) => p.join('')),
    fc.integer({ min: 1000, max: 20_000 }).map((n) => `/api/roster/${'%E0'.repeat(n)}`),
  );
  const method = fc.oneof(fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE'), fc.stringMatching(/^[A-Za-z-]{1,12}$/));
  const headerValue = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.constantFrom('Bearer', 'Bearer ', 'Bearer a.b.c', 'Basic Og==', `Bearer ${'y'.repeat(8000)}`),
    fc.uint8Array({ maxLength: 20 }).map((b) => Buffer.from(b.filter((x) => x !== 10 && x !== 13))),
  );
  const headers = fc.array(fc.tuple(fc.constantFrom('Authorization', 'Content-Type', 'X-Forwarded-For', 'Cookie', 'Accept', 'X-R'), headerValue), { maxLength: 8 });
  const body = fc.option(
    fc.oneof(
      fc.json({ maxDepth: 4 }),
      fc.string({ maxLength: 200 }),
      fc.integer({ min: 1, max: 50_000 }).map((n) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`),
      fc.constantFrom('{"role":"citizen","name":"x"}', '{"role":"lawyer","name":"x","id":"L1"}', '{"shifts":[]}', 'null', '[]'),
    ),
    { nil: undefined },
  );

  const hostile = fc.record({ m: method, p: path, h: headers, b: body, onOps: fc.boolean() });

  it('answers or closes cleanly, never 5xx, and the process stays alive', async () => {
    // Each run sends a batch at once: many clients, and no run waits for a silent one in turn.
    await fc.assert(
      fc.asyncProperty(fc.array(hostile, { minLength: 1, maxLength: 16 }), async (batch) => {
        await Promise.all(
          batch.map(({ m, p, h, b, onOps }) => {
            const port = onOps ? server.opsPort : server.port;
            const cleanHeaders = h.map(([n, v]): Header => [n, typeof v === 'string' ? v.replace(/[\r\n]/g, '') : v]);
            return exchange(`${m} ${JSON.stringify(p).slice(0, 120)} on ${port}`, [request(m, p, cleanHeaders, b)], { head: m === 'HEAD', port });
          }),
        );
        expect(server.proc.exitCode).toBeNull();
      }),
      { numRuns: 40 },
    );
    await stillServing();
  });
});

describe('requests the HTTP parser refused', () => {
  it('were each closed by the server (uWS idle timeout) without a stray byte', async () => {
    for (const { what, outcome } of waiting) {
      const out = await outcome;
      judge(what, out);
      expect(out.ended, `${what}: left open`).not.toBe('open');
    }
    await stillServing();
  }, UWS_IDLE_CLOSE_MS + 10_000);
});
