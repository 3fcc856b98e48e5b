import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from './helpers/raw-client.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';
import { runToExit, spawnServer, type SpawnedServer } from './helpers/spawn.ts';

// POST /dev/token, the development identity's sign-in for the web page: never on a port others
// can reach unless explicitly (and loudly) allowed, never an id of the caller's choosing, and a
// still-valid token renews the same identity.
const ROOT = fileURLToPath(new URL('..', import.meta.url));
let server: TestServer;
const dir = mkdtempSync(join(tmpdir(), 'lawline-devtoken-'));
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const devToken = async (body: unknown, token?: string) => {
  const res = await fetch(`http://127.0.0.1:${server.port}/dev/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as { token?: string; id?: string; error?: string } };
};
interface Claims {
  sub: string;
  role: string;
  exp: number;
  licence?: { expiresAt: number };
}
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()) as Claims;

describe('POST /dev/token', () => {
  it('refuses an id chosen by the caller, and gives every new identity a fresh random one', async () => {
    const chosen = await devToken({ role: 'lawyer', name: '冒名', id: 'L1', categories: ['labor'] });
    expect(chosen.status).toBe(400);
    expect(chosen.body.error).toContain('id');
    const ids = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const { status, body } = await devToken({ role: 'citizen', name: '张三' });
      expect(status).toBe(200);
      expect(body.id).toMatch(/^C-[A-Za-z0-9_-]{12}$/);
      expect(claimsOf(body.token as string).sub).toBe(body.id);
      ids.add(body.id as string);
    }
    expect(ids.size).toBe(5);
  });

  it('renews a still-valid development token for the same identity, and only that', async () => {
    const first = await devToken({ role: 'lawyer', name: '王律师', categories: ['labor'] });
    const again = await devToken({ role: 'lawyer', name: '王律师', categories: ['labor', 'family'] }, first.body.token);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    expect(claimsOf(again.body.token as string)).toMatchObject({ sub: first.body.id, role: 'lawyer', categories: ['labor', 'family'] });
    // The renewed token signs in as the same person.
    const c = await RawClient.connect(server.url);
    const hello = await c.call('hello', { token: again.body.token });
    expect(hello.ok && hello.data).toMatchObject({ user: { id: first.body.id, role: 'lawyer' } });
    c.close();

    expect((await devToken({ role: 'citizen', name: '王律师' }, first.body.token)).status).toBe(409);
    expect((await devToken({ role: 'lawyer', name: 'x' }, 'not-a-token')).status).toBe(401);
    const expired = await server.token({ sub: first.body.id as string, role: 'lawyer', name: 'x', categories: ['labor'] }, -60);
    expect((await devToken({ role: 'lawyer', name: 'x' }, expired)).status).toBe(401);
    const supervisor = await server.token({ sub: 'S-dev', role: 'supervisor', name: '督导' });
    expect((await devToken({ role: 'citizen', name: 'x' }, supervisor)).status).toBe(403);
  });

  it('gives a development lawyer a licence no longer valid than the token itself', async () => {
    const { body } = await devToken({ role: 'lawyer', name: '王律师', categories: ['labor'] });
    const claims = claimsOf(body.token as string);
    expect(claims.licence?.expiresAt).toBeLessThanOrEqual(claims.exp * 1000);
    expect(claims.exp * 1000 - Date.now()).toBeLessThanOrEqual(8 * 3600_000 + 5000);
  });
});

describe('starting with development tokens on a non-loopback address', () => {
  it('refuses, naming the fix', async () => {
    const { code, output } = await runToExit({ LAWLINE_HOST: '0.0.0.0', LAWLINE_PORT: '0', LAWLINE_DATA_DIR: dir });
    expect(code).toBe(2);
    expect(output).toContain('LAWLINE_DEV_TOKENS=off');
    expect(output).toContain('LAWLINE_DEV_TOKENS_PUBLIC=on');
  });

  /** Runs `check` against a node listening on all interfaces with `env`, then stops it. */
  const onAllInterfaces = async (env: Record<string, string>, check: (node: SpawnedServer, status: number) => void) => {
    const node = await spawnServer({ LAWLINE_HOST: '0.0.0.0', LAWLINE_PORT: '0', LAWLINE_DATA_DIR: dir, ...env });
    try {
      const res = await fetch(`http://127.0.0.1:${node.port}/dev/token`, { method: 'POST', body: '{"role":"citizen","name":"x"}' });
      check(node, res.status);
    } finally {
      node.proc.kill('SIGTERM');
    }
    expect(await node.exited).toBe(0);
  };

  it('starts without them, and serves no /dev/token', () => onAllInterfaces({ LAWLINE_DEV_TOKENS: 'off' }, (_node, status) => expect(status).toBe(404)));

  it('serves them with the explicit override, after a loud warning', () =>
    onAllInterfaces({ LAWLINE_DEV_TOKENS_PUBLIC: 'on' }, (node, status) => {
      expect(node.output()).toMatch(/"level":50.*POST \/dev\/token is served on 0\.0\.0\.0/);
      expect(status).toBe(200);
    }));

  it('leaves --id to the token CLI, which signs with the data dir key (an operator on the machine)', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'clients/cli/token.ts', '--role', 'lawyer', '--id', 'L1', '--name', '王律师', '--categories', 'labor', '--data-dir', dir], { cwd: ROOT });
    expect(claimsOf(stdout.trim()).sub).toBe('L1');
  });
});
