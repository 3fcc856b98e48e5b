import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../protocol/errors.ts';
import { loadOrCreateDevIdentity, mintToken, type DevIdentity } from './dev-identity.ts';
import { createVerifier } from './verifier.ts';

const dir = mkdtempSync(join(tmpdir(), 'lawline-auth-'));
let identity: DevIdentity;
let jwksServer: http.Server;
let jwksUrl: string;

beforeAll(async () => {
  identity = await loadOrCreateDevIdentity(dir);
  writeFileSync(join(dir, 'jwks-copy.json'), JSON.stringify(identity.jwks));
  jwksServer = http.createServer((_req, res) => res.end(JSON.stringify(identity.jwks)));
  await new Promise<void>((r) => jwksServer.listen(0, '127.0.0.1', r));
  jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`;
});
afterAll(async () => {
  await new Promise((r) => jwksServer.close(r));
  rmSync(dir, { recursive: true, force: true });
});

const common = { issuer: 'lawline-dev', audience: 'lawline', clockToleranceSec: 5 };

describe('createVerifier', () => {
  it('reads keys from a JWKS file and from a JWKS URL', async () => {
    const token = await mintToken(identity, { sub: 'L9', role: 'lawyer', name: '律师', categories: ['labor'], region: '320200' });
    for (const jwks of [{ kind: 'file' as const, path: join(dir, 'jwks-copy.json') }, { kind: 'url' as const, url: jwksUrl }]) {
      const out = await createVerifier({ ...common, jwks }).verify(token);
      expect(out).toMatchObject({ ok: true, value: { id: 'L9', role: 'lawyer', categories: ['labor'], region: '320200', licence: { status: 'practising' } } });
    }
  });

  it('says the identity provider is unavailable (retry), not that the token is bad, when its JWKS cannot be fetched', async () => {
    const token = await mintToken(identity, { sub: 'C9', role: 'citizen', name: '市民' });
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const out = await createVerifier({ ...common, jwks: { kind: 'url', url: `http://127.0.0.1:${port}/jwks.json` } }).verify(token);
    expect(out).toMatchObject({ ok: false, error: { code: ErrorCode.IDENTITY_UNAVAILABLE } });
  });

  it('keeps the development key across restarts', async () => {
    const again = await loadOrCreateDevIdentity(dir);
    expect(again.kid).toBe(identity.kid);
    expect(again.jwks).toEqual(identity.jwks);
  });
});
