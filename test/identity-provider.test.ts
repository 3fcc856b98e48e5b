import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LawlineClient } from '../clients/sdk/index.ts';
import { CloseCode, ErrorCode } from '../protocol/errors.ts';
import { RawClient } from './helpers/raw-client.ts';
import { runToExit } from './helpers/spawn.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

/** An identity provider's key endpoint that the test takes down and brings back on the same port. */
class JwksEndpoint {
  private server: http.Server | undefined;
  port = 0;
  constructor(private readonly jwks: { keys: JWK[] }) {}

  async start(): Promise<void> {
    const server = http.createServer((_req, res) => res.setHeader('content-type', 'application/json').end(JSON.stringify(this.jwks)));
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    server?.closeAllConnections();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  }
}

const ISSUER = 'https://id.test';
let keys: Awaited<ReturnType<typeof generateKeyPair>>;
let endpoint: JwksEndpoint;
let server: TestServer;

beforeAll(async () => {
  keys = await generateKeyPair('ES256', { extractable: true });
  endpoint = new JwksEndpoint({ keys: [{ ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }] });
  await endpoint.start();
  server = await startTestServer({ LAWLINE_JWKS_URL: `http://127.0.0.1:${endpoint.port}/jwks`, LAWLINE_ISSUER: ISSUER });
});
afterAll(async () => {
  await endpoint.stop();
  await server.cleanup();
});

const token = (sub: string) =>
  new SignJWT({ role: 'citizen', name: '张三', region: '320200' })
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: 'k1' })
    .setSubject(sub)
    .setIssuer(ISSUER)
    .setAudience('lawline')
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(keys.privateKey);

describe('an identity provider outage', () => {
  it('closes a hello it could not check with a code that says "retry", and an SDK client keeps retrying until the provider is back', async () => {
    // Down before the node ever fetched the keys (jose keeps keys it fetched; a first fetch or a new key needs the endpoint).
    await endpoint.stop();

    const raw = await RawClient.connect(server.url);
    const reply = await raw.call('hello', { token: await token('C-raw') });
    expect(reply).toMatchObject({ ok: false, error: { code: ErrorCode.IDENTITY_UNAVAILABLE } });
    expect(await raw.waitClose()).toBe(CloseCode.IDENTITY_UNAVAILABLE);

    const client = new LawlineClient({ url: server.url, token: await token('C-sdk'), WebSocket, reconnect: { minDelayMs: 50, maxDelayMs: 200 } });
    const states: string[] = [];
    client.on('state', (s) => states.push(s));
    let outcome: string | undefined;
    const connected = client.connect().then(
      (r) => ((outcome = 'in'), r),
      (e: unknown) => ((outcome = `refused: ${String(e)}`), undefined),
    );
    await expect.poll(() => states.filter((s) => s === 'reconnecting').length, { timeout: 5000 }).toBeGreaterThanOrEqual(3);
    expect(outcome).toBeUndefined();

    await endpoint.start();
    const hello = await connected;
    expect(outcome).toBe('in');
    expect(hello?.user.id).toBe('C-sdk');
    client.close();
  });
});

describe('the identity provider’s URL', () => {
  it('must be https: a node refuses to start on plain http to another host, naming the fix', async () => {
    const { code, output } = await runToExit({ LAWLINE_PORT: '0', LAWLINE_DATA_DIR: server.dataDir, LAWLINE_JWKS_URL: 'http://id.example.org/jwks' });
    expect(code).toBe(2);
    expect(output).toContain('LAWLINE_JWKS_URL=http://id.example.org/jwks');
    expect(output).toContain('https://');
  });
});
