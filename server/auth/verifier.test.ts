import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../protocol/errors.ts';
import { MemoryCoordination } from '../backplane/memory/coordination.ts';
import { createLogger } from '../log.ts';
import { AssistantRegistry } from './assistants.ts';
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

const seatsOn = (nodeId: string) => ({ nodeId, log: createLogger('silent'), onSeatLost: () => undefined });

describe('AssistantRegistry', () => {
  it('allows three distinct assistants per lawyer, counts devices once, and frees a slot on release', async () => {
    const reg = new AssistantRegistry(new MemoryCoordination(), seatsOn('n1'));
    const a1 = await reg.claim('L1', 'A1');
    const a1again = await reg.claim('L1', 'A1');
    const a2 = await reg.claim('L1', 'A2');
    const a3 = await reg.claim('L1', 'A3');
    expect([a1.ok, a1again.ok, a2.ok, a3.ok]).toEqual([true, true, true, true]);
    expect(await reg.claim('L1', 'A4')).toMatchObject({ ok: false, error: { code: ErrorCode.ASSISTANT_LIMIT } });
    expect((await reg.claim('L2', 'A4')).ok).toBe(true);
    if (a1.ok) a1.value();
    expect((await reg.claim('L1', 'A4')).ok).toBe(false); // A1 still has a second device
    if (a1again.ok) a1again.value();
    await new Promise((r) => setImmediate(r));
    expect((await reg.claim('L1', 'A4')).ok).toBe(true);
  });

  it('fails (to be retried) rather than refuses when the seats cannot be counted', async () => {
    const down = new MemoryCoordination();
    down.claimAssistantSeat = () => Promise.reject(new Error('redis unreachable'));
    await expect(new AssistantRegistry(down, seatsOn('n1')).claim('L1', 'A1')).rejects.toThrow('redis unreachable');
  });

  it('says so in the log when its seats cannot be renewed', async () => {
    const lines: string[] = [];
    const down = new MemoryCoordination();
    down.renewAssistantSeats = () => Promise.reject(new Error('redis unreachable'));
    const reg = new AssistantRegistry(down, { ...seatsOn('n1'), log: createLogger('info', { write: (line: string) => void lines.push(line) }), ttlMs: 60 });
    expect((await reg.claim('L1', 'A1')).ok).toBe(true);
    reg.start();
    await new Promise((r) => setTimeout(r, 100));
    reg.stop();
    expect(lines.some((l) => l.includes('assistant seats could not be renewed') && l.includes('redis unreachable'))).toBe(true);
  });

  it('counts assistants across nodes sharing a backplane', async () => {
    const shared = new MemoryCoordination();
    const [n1, n2] = [new AssistantRegistry(shared, seatsOn('n1')), new AssistantRegistry(shared, seatsOn('n2'))];
    expect([(await n1.claim('L1', 'A1')).ok, (await n2.claim('L1', 'A2')).ok, (await n2.claim('L1', 'A3')).ok]).toEqual([true, true, true]);
    expect(await n1.claim('L1', 'A4')).toMatchObject({ ok: false, error: { code: ErrorCode.ASSISTANT_LIMIT } });
    expect((await n2.claim('L1', 'A1')).ok).toBe(true);
  });
});
