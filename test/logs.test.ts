import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../protocol/errors.ts';
import { RawClient } from './helpers/raw-client.ts';
import { spawnServer, type SpawnedServer } from './helpers/spawn.ts';

// The node's own log, as an operator reads it: one JSON object per line on stdout.
let dir: string;
let server: SpawnedServer;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lawline-logs-'));
  server = await spawnServer({ LAWLINE_PORT: '0', LAWLINE_DATA_DIR: dir, LAWLINE_LOG_LEVEL: 'info' });
});
afterAll(async () => {
  server.proc.kill('SIGTERM');
  await server.exited;
  rmSync(dir, { recursive: true, force: true });
});

const logLines = () =>
  server
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** A token for "C-victim" signed by a key the node does not trust. */
async function forged(): Promise<string> {
  const { privateKey } = await generateKeyPair('ES256');
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ role: 'citizen', name: '张三' })
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT' })
    .setSubject('C-victim')
    .setIssuer('lawline-dev')
    .setAudience('lawline')
    .setIssuedAt(now)
    .setExpirationTime(now + 600)
    .sign(privateKey);
}

describe('the log', () => {
  it('records a refused hello with its reason, code, address and claimed subject, never the token', async () => {
    const token = await forged();
    const c = await RawClient.connect(`ws://127.0.0.1:${server.port}/ws`);
    const reply = await c.call('hello', { token });
    expect(reply).toMatchObject({ ok: false, error: { code: ErrorCode.TOKEN_INVALID } });
    await c.waitClose();

    await expect.poll(() => logLines().find((l) => l.msg === 'hello refused')).toBeDefined();
    const line = logLines().find((l) => l.msg === 'hello refused');
    expect(line).toMatchObject({ code: ErrorCode.TOKEN_INVALID, remoteAddress: '127.0.0.1', claimedSubject: 'C-victim' });
    expect(typeof line?.reason).toBe('string');
    const [, , signature] = token.split('.');
    expect(server.output()).not.toContain(signature);
    expect(server.output()).not.toContain(token.slice(0, 40));
  });

  it('names the node on every line, so a cluster’s logs can be told apart', () => {
    const lines = logLines();
    expect(lines.length).toBeGreaterThanOrEqual(2);
    const nodes = new Set(lines.map((l) => l.node));
    expect(nodes.size).toBe(1);
    expect([...nodes][0]).toMatch(/^n_[\w-]+$/);
  });
});
