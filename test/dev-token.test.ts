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
  return { status: res.status, body: (await res.json()) as { token?: string; id?: string; name?: string; lawyer?: { id: string; name: string }; error?: string } };
};
interface Claims {
  sub: string;
  role: string;
  name: string;
  exp: number;
  licence?: { expiresAt: number };
  lawyerId?: string;
  lawyerName?: string;
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
    const admin = await server.token({ sub: 'A-dev', role: 'admin', name: '运维' });
    expect((await devToken({ role: 'citizen', name: 'x' }, admin)).status).toBe(403);
  });

  it('signs in a development supervisor (for the duty office page) and renews only as one', async () => {
    const first = await devToken({ role: 'supervisor', name: '督导' });
    expect(first.status).toBe(200);
    expect(claimsOf(first.body.token as string)).toMatchObject({ sub: first.body.id, role: 'supervisor', name: '督导' });
    const again = await devToken({ role: 'supervisor' }, first.body.token);
    expect(again.body.id).toBe(first.body.id);
    expect((await devToken({ role: 'lawyer', name: 'x', categories: ['labor'] }, first.body.token)).status).toBe(409);
  });

  it('gives a development lawyer a licence no longer valid than the token itself', async () => {
    const { body } = await devToken({ role: 'lawyer', name: '王律师', categories: ['labor'] });
    const claims = claimsOf(body.token as string);
    expect(claims.licence?.expiresAt).toBeLessThanOrEqual(claims.exp * 1000);
    expect(claims.exp * 1000 - Date.now()).toBeLessThanOrEqual(8 * 3600_000 + 5000);
  });
});

// An assistant works for one lawyer: only that lawyer, signed in, creates their sign-in; it
// renews like the others and never becomes a new assistant or another lawyer's.
describe('POST /dev/token for an assistant', () => {
  const lawyer = () => devToken({ role: 'lawyer', name: '王律师', categories: ['labor'] });

  it("is created by a signed-in lawyer: a fresh id, bound to that lawyer, whose token signs in as that lawyer's assistant", async () => {
    const l = await lawyer();
    const first = await devToken({ role: 'assistant', name: '小李' }, l.body.token);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ name: '小李', lawyer: { id: l.body.id, name: '王律师' } });
    expect(first.body.id).toMatch(/^A-[A-Za-z0-9_-]{12}$/);
    expect(claimsOf(first.body.token as string)).toMatchObject({ sub: first.body.id, role: 'assistant', name: '小李', lawyerId: l.body.id, lawyerName: '王律师' });
    const second = await devToken({ role: 'assistant', name: '小周' }, l.body.token);
    expect(second.body.id).not.toBe(first.body.id);

    const c = await RawClient.connect(server.url);
    const hello = await c.call('hello', { token: first.body.token });
    expect(hello.ok && hello.data).toMatchObject({ user: { id: first.body.id, role: 'assistant', name: '小李' } });
    c.close();
  });

  it('renews for the same assistant and the same lawyer, whatever the body says; an assistant cannot make another', async () => {
    const l = await lawyer();
    const a = await devToken({ role: 'assistant', name: '小李' }, l.body.token);
    // The page exchanges the code it was given without knowing the name: the token's is kept.
    const kept = await devToken({ role: 'assistant' }, a.body.token);
    expect(kept.status).toBe(200);
    expect(kept.body).toMatchObject({ id: a.body.id, name: '小李', lawyer: { id: l.body.id, name: '王律师' } });
    expect(claimsOf(kept.body.token as string)).toMatchObject({ sub: a.body.id, lawyerId: l.body.id, lawyerName: '王律师' });
    // Asking for "another assistant" with an assistant's token renews that same one.
    const another = await devToken({ role: 'assistant', name: '小王' }, kept.body.token);
    expect(another.status).toBe(200);
    expect(another.body.id).toBe(a.body.id);
    expect(claimsOf(another.body.token as string)).toMatchObject({ sub: a.body.id, lawyerId: l.body.id });
    // Nor may it become a lawyer or a citizen.
    expect((await devToken({ role: 'lawyer', name: '小李' }, a.body.token)).status).toBe(409);
    expect((await devToken({ role: 'citizen', name: '小李' }, a.body.token)).status).toBe(409);
  });

  it('is refused to anyone who is not a signed-in lawyer, and to a lawyer who names no assistant or chooses whom it binds', async () => {
    const noToken = await devToken({ role: 'assistant', name: '小李' });
    expect(noToken.status).toBe(403);
    expect(noToken.body.error).toContain('lawyer');
    const citizen = await devToken({ role: 'citizen', name: '张三' });
    expect((await devToken({ role: 'assistant', name: '小李' }, citizen.body.token)).status).toBe(403);
    const supervisor = await server.token({ sub: 'S-dev', role: 'supervisor', name: '督导' });
    expect((await devToken({ role: 'assistant', name: '小李' }, supervisor)).status).toBe(403);
    expect((await devToken({ role: 'assistant', name: '小李' }, 'not-a-token')).status).toBe(401);
    const expired = await server.token({ sub: 'L-gone', role: 'lawyer', name: '过期', categories: ['labor'] }, -60);
    expect((await devToken({ role: 'assistant', name: '小李' }, expired)).status).toBe(401);

    const l = await lawyer();
    expect((await devToken({ role: 'assistant' }, l.body.token)).status).toBe(400);
    expect((await devToken({ role: 'assistant', name: '小李', lawyerId: 'L-other' }, l.body.token)).status).toBe(400);
    expect((await devToken({ role: 'assistant', name: '小李', id: 'A-mine' }, l.body.token)).status).toBe(400);
    // A new citizen or lawyer still needs a name.
    expect((await devToken({ role: 'citizen' })).status).toBe(400);
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
