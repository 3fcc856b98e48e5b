import { createPublicKey } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode, ErrorCode } from '../protocol/errors.ts';
import { loadOrCreateDevIdentity, type DevIdentity } from '../server/auth/dev-identity.ts';
import { RawClient } from './helpers/raw-client.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

let server: TestServer;
let identity: DevIdentity;
let trap: http.Server;
let trapUrl: string;
const trapHits: string[] = [];

beforeAll(async () => {
  server = await startTestServer();
  identity = await loadOrCreateDevIdentity(server.dataDir);
  trap = http.createServer((req, res) => {
    trapHits.push(req.url ?? '');
    res.end('{"keys":[]}');
  });
  await new Promise<void>((r) => trap.listen(0, '127.0.0.1', r));
  trapUrl = `http://127.0.0.1:${(trap.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => trap.close(r));
  await server.cleanup();
});

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);
const citizenClaims = (): JWTPayload & Record<string, unknown> => ({ sub: 'C-tok', role: 'citizen', name: '张三', iss: 'lawline-dev', aud: 'lawline', iat: now(), exp: now() + 600 });

/** Signs with the node's real development key, so only the field under test is wrong. */
async function signed(payload: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
  const key = await importJWK(identity.privateJwk, 'ES256');
  return new SignJWT(payload).setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: identity.kid, ...header }).sign(key);
}

async function hmacWith(secret: Buffer | string, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(citizenClaims()).setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: identity.kid, ...header }).sign(typeof secret === 'string' ? Buffer.from(secret) : secret);
}

async function attackerSigned(header: (jwk: Record<string, unknown>) => Record<string, unknown>): Promise<string> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(publicKey);
  return new SignJWT(citizenClaims()).setProtectedHeader({ alg: 'ES256', typ: 'JWT', ...header(jwk as Record<string, unknown>) }).sign(privateKey);
}

async function refused(token: string): Promise<{ code: number; close: number }> {
  const c = await RawClient.connect(server.url);
  const reply = await c.call('hello', { token });
  if (reply.ok) throw new Error('token was accepted');
  return { code: reply.error.code, close: await c.waitClose() };
}

describe('hostile and broken tokens are refused with their code', () => {
  const publicPem = () => createPublicKey({ key: identity.jwks.keys[0] as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' }) as string;
  const cases: [string, () => Promise<string>, number][] = [
    ['expired', () => signed({ ...citizenClaims(), exp: now() - 60 }), ErrorCode.TOKEN_EXPIRED],
    ['not yet valid', () => signed({ ...citizenClaims(), nbf: now() + 3600 }), ErrorCode.TOKEN_NOT_YET_VALID],
    ['wrong audience', () => signed({ ...citizenClaims(), aud: 'someone-else' }), ErrorCode.TOKEN_CLAIMS_INVALID],
    ['wrong issuer', () => signed({ ...citizenClaims(), iss: 'https://evil.example' }), ErrorCode.TOKEN_CLAIMS_INVALID],
    ['missing exp', () => signed({ ...citizenClaims(), exp: undefined }), ErrorCode.TOKEN_CLAIMS_INVALID],
    ['wrong typ', () => signed(citizenClaims(), { typ: 'at+jwt' }), ErrorCode.TOKEN_CLAIMS_INVALID],
    ...['none', 'None', 'NONE', 'nOnE'].map((alg): [string, () => Promise<string>, number] => [
      `alg: ${alg}`,
      async () => `${b64({ alg, typ: 'JWT' })}.${b64(citizenClaims())}.`,
      ErrorCode.TOKEN_INVALID,
    ]),
    ['HS256 keyed with the public key PEM', () => hmacWith(publicPem()), ErrorCode.TOKEN_INVALID],
    ['HS256 keyed with whitespace-prefixed PEM', () => hmacWith(`\n  ${publicPem()}`), ErrorCode.TOKEN_INVALID],
    ['HS256 keyed with the public JWK', () => hmacWith(JSON.stringify(identity.jwks.keys[0])), ErrorCode.TOKEN_INVALID],
    ['an embedded jwk header', () => attackerSigned((jwk) => ({ jwk })), ErrorCode.TOKEN_INVALID],
    ['a jku header', () => attackerSigned(() => ({ jku: `${trapUrl}/jwks.json`, kid: 'evil' })), ErrorCode.TOKEN_INVALID],
    ['an x5u header', () => attackerSigned(() => ({ x5u: `${trapUrl}/cert.pem` })), ErrorCode.TOKEN_INVALID],
    ['kid with path traversal', () => signed(citizenClaims(), { kid: '../../../../etc/passwd' }), ErrorCode.TOKEN_INVALID],
    ['unknown kid', () => signed(citizenClaims(), { kid: 'not-our-key' }), ErrorCode.TOKEN_INVALID],
    ['another key under our kid', () => attackerSigned(() => ({ kid: identity.kid })), ErrorCode.TOKEN_INVALID],
    ['stripped signature', async () => (await signed(citizenClaims())).replace(/\.[^.]+$/, '.'), ErrorCode.TOKEN_INVALID],
    ['tampered signature', async () => {
      const t = await signed(citizenClaims());
      const last = t.at(-2) === 'A' ? 'B' : 'A';
      return `${t.slice(0, -2)}${last}${t.at(-1)}`;
    }, ErrorCode.TOKEN_INVALID],
    ['tampered payload (citizen made supervisor)', async () => {
      const [h, , s] = (await signed(citizenClaims())).split('.');
      return `${h}.${b64({ ...citizenClaims(), role: 'supervisor' })}.${s}`;
    }, ErrorCode.TOKEN_INVALID],
    ['not a JWT at all', async () => 'hello', ErrorCode.TOKEN_INVALID],
    ['a lawyer without a licence credential', () => signed({ ...citizenClaims(), role: 'lawyer', categories: ['labor'] }), ErrorCode.LICENCE_MISSING],
    ['a lawyer with a suspended licence', () => signed({ ...citizenClaims(), role: 'lawyer', licence: { number: 'L-1', status: 'suspended', expiresAt: Date.now() + 1e9 } }), ErrorCode.LICENCE_INVALID],
    ['a lawyer with an expired licence', () => signed({ ...citizenClaims(), role: 'lawyer', licence: { number: 'L-1', status: 'practising', expiresAt: Date.now() - 1000 } }), ErrorCode.LICENCE_INVALID],
    ['an assistant who names no lawyer', () => signed({ ...citizenClaims(), role: 'assistant' }), ErrorCode.TOKEN_CLAIMS_INVALID],
    ['an unknown role', () => signed({ ...citizenClaims(), role: 'judge' }), ErrorCode.TOKEN_CLAIMS_INVALID],
    // JSON.stringify writes a lone surrogate as the escape "\ud800": valid JSON, but not Unicode text.
    ['a name with a lone surrogate', () => signed({ ...citizenClaims(), name: '张\ud800' }), ErrorCode.TOKEN_CLAIMS_INVALID],
    ['a licence number with a lone surrogate', () => signed({ ...citizenClaims(), role: 'lawyer', licence: { number: 'L-\udc00', status: 'practising', expiresAt: Date.now() + 1e9 } }), ErrorCode.TOKEN_CLAIMS_INVALID],
  ];

  it.each(cases)('%s', async (_name, make, code) => {
    const { code: got, close } = await refused(await make());
    expect(got).toBe(code);
    expect(close).toBe(code === ErrorCode.TOKEN_EXPIRED ? CloseCode.TOKEN_EXPIRED : CloseCode.AUTH_FAILED);
  });

  it('says which claim is not Unicode text', async () => {
    const c = await RawClient.connect(server.url);
    const reply = await c.call('hello', { token: await signed({ ...citizenClaims(), name: '\ud800' }) });
    expect(!reply.ok && reply.error.message).toMatch(/\/name .*surrogate/);
    c.close();
  });

  it('/dev/token refuses a name with a lone surrogate (400), as the hello would refuse its token', async () => {
    const res = await fetch(`http://127.0.0.1:${server.port}/dev/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'citizen', name: '张\ud800' }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/surrogate/);
  });

  it('/dev/token refuses a body that is not UTF-8 (400), instead of minting a name of replacement characters', async () => {
    const body = Buffer.concat([Buffer.from('{"role":"citizen","name":"'), Buffer.from([0xe5, 0xbc]), Buffer.from('"}')]);
    const res = await fetch(`http://127.0.0.1:${server.port}/dev/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/UTF-8/);
  });

  it('never fetched anything from a URL a token pointed at', () => {
    expect(trapHits).toEqual([]);
  });

  it('accepts the same token when nothing is wrong with it (the cases above are not refused for another reason)', async () => {
    const c = await RawClient.connect(server.url);
    const reply = await c.hello(await signed(citizenClaims()));
    expect(reply.resumed).toBe(false);
    const lawyerOk = await RawClient.connect(server.url);
    await lawyerOk.hello(await signed({ ...citizenClaims(), sub: 'L-tok', role: 'lawyer', licence: { number: 'L-1', status: 'practising', expiresAt: Date.now() + 1e9 } }));
    c.close();
    lawyerOk.close();
  });
});
