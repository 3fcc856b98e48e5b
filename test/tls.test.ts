import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { citizen } from './helpers/people.ts';
import { RawClient } from './helpers/raw-client.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

const dir = mkdtempSync(join(tmpdir(), 'lawline-tls-'));
let server: TestServer;

beforeAll(async () => {
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', '/CN=127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
  ], { stdio: 'ignore' });
  server = await startTestServer({ LAWLINE_TLS_CERT: join(dir, 'cert.pem'), LAWLINE_TLS_KEY: join(dir, 'key.pem') });
});
afterAll(async () => {
  await server.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

function handshake(maxVersion: tls.SecureVersion): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = tls.connect({ host: '127.0.0.1', port: server.port, rejectUnauthorized: false, minVersion: 'TLSv1', maxVersion, ciphers: 'DEFAULT@SECLEVEL=0' });
    sock.once('secureConnect', () => {
      const version = sock.getProtocol() ?? '';
      sock.destroy();
      resolve(version);
    });
    sock.once('error', reject);
  });
}

describe('TLS', () => {
  it('serves WSS with TLS 1.2 and 1.3', async () => {
    expect(await handshake('TLSv1.3')).toBe('TLSv1.3');
    expect(await handshake('TLSv1.2')).toBe('TLSv1.2');
    const c = await RawClient.connect(`wss://127.0.0.1:${server.port}/ws`, 'msgpack', { rejectUnauthorized: false });
    const reply = await c.hello(await server.token(citizen('C-tls')));
    expect(reply.resumed).toBe(false);
    c.close();
  });

  it('refuses TLS 1.1 and below', async () => {
    await expect(handshake('TLSv1.1')).rejects.toThrow();
    await expect(handshake('TLSv1')).rejects.toThrow();
  });
});
