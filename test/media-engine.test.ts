import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { MediaLog } from '../media/engine.ts';
import { JanusEngine, type JanusEngineOptions } from '../media/janus/engine.ts';
import { JanusSocket } from '../media/janus/socket.ts';

// Janus from Debian, run and supervised by lawline (installed by the test set-up when missing).
const parent = mkdtempSync(join(tmpdir(), 'lawline-media-'));
const engines: JanusEngine[] = [];
afterEach(async () => {
  for (const e of engines.splice(0)) await e.stop();
});
afterAll(() => rmSync(parent, { recursive: true, force: true }));

const lines: { level: string; message: string }[] = [];
const log: MediaLog = {
  info: (_f, message) => lines.push({ level: 'info', message }),
  warn: (_f, message) => lines.push({ level: 'warn', message }),
  error: (_f, message) => lines.push({ level: 'error', message }),
};
const engine = (o: Partial<JanusEngineOptions> = {}) => {
  const e = new JanusEngine({ runtimeParent: parent, log, rtpPorts: { min: 41000, max: 41100 }, probeMs: 200, probeTimeoutMs: 300, ...o });
  engines.push(e);
  return e;
};
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
/** The state letter of a process (`T` stopped, `Z` zombie), from /proc. */
const procState = (pid: number) => (existsSync(`/proc/${pid}/stat`) ? execFileSync('cat', [`/proc/${pid}/stat`]).toString().split(') ')[1]?.[0] : undefined);
const janusCount = () => {
  try {
    return execFileSync('pgrep', ['-x', 'janus'], { encoding: 'utf8' }).split('\n').filter(Boolean).length;
  } catch {
    return 0; // pgrep exits 1 when there is none
  }
};
const runtimeDirs = () => readdirSync(parent).filter((d) => d.startsWith('janus-'));
const apiSecret = () => /api_secret = "([^"]+)"/.exec(readFileSync(join(parent, runtimeDirs()[0] ?? '', 'janus.jcfg'), 'utf8'))?.[1];
const listening = (pid: number) =>
  execFileSync('ss', ['-Hltnp'])
    .toString()
    .split('\n')
    .filter((l) => l.includes(`pid=${pid},`))
    .map((l) => l.trim().split(/\s+/)[3]);

describe('the media engine: Janus run and supervised by lawline', () => {
  it('starts Janus with only the videoroom plugin and the WebSocket transport, on loopback, its secrets private, and stops it leaving nothing', async () => {
    const e = engine();
    expect(await e.start()).toEqual({ ok: true, value: undefined });
    expect(e.state).toBe('up');
    const pid = e.pid() as number;
    expect(alive(pid)).toBe(true);

    const info = await e.api()?.request({ janus: 'info' }, 2000);
    expect(info?.ok).toBe(true);
    if (!info?.ok) return;
    expect(Object.keys(info.value.plugins as object)).toEqual(['janus.plugin.videoroom']);
    expect(Object.keys(info.value.transports as object)).toEqual(['janus.transport.websockets']);
    // Every TCP port it listens on is on 127.0.0.1: the API and the admin API.
    const ports = listening(pid);
    expect(ports).toHaveLength(2);
    for (const p of ports) expect(p).toMatch(/^127\.0\.0\.1:\d+$/);

    // The secret is needed: a client that reached the port without it is refused.
    const [dir] = runtimeDirs();
    expect(dir).toBeDefined();
    const folder = join(parent, dir as string);
    expect(statSync(folder).mode & 0o777).toBe(0o700);
    for (const f of ['janus.jcfg', 'janus.transport.websockets.jcfg', 'janus.plugin.videoroom.jcfg']) expect(statSync(join(folder, f)).mode & 0o777).toBe(0o600);
    const creates = await Promise.all(
      ports.map(async (p) => {
        const s = await JanusSocket.open(`ws://${p}`, 'api', 'not-the-secret', 2000);
        if (!s.ok) return 'no-api';
        const r = await s.value.request({ janus: 'create' }, 2000);
        s.value.close();
        return r.ok ? 'created' : r.error.kind;
      }),
    );
    expect(creates).toContain('refused');
    expect(creates).not.toContain('created');
    // And with it, a session is made.
    expect((await e.api()?.request({ janus: 'create' }, 2000))?.ok).toBe(true);

    await e.stop();
    expect(e.state).toBe('stopped');
    expect(alive(pid)).toBe(false);
    expect(runtimeDirs()).toEqual([]);
  });

  it('starts another Janus within seconds of a kill -9, with fresh secrets, and says so', async () => {
    const e = engine();
    expect((await e.start()).ok).toBe(true);
    const first = e.pid() as number;
    const secret = apiSecret();
    const restarted: number[] = [];
    e.onRestarted((g) => restarted.push(g));
    process.kill(first, 'SIGKILL');
    await expect.poll(() => restarted, { timeout: 10_000, interval: 100 }).toEqual([2]);
    expect(e.state).toBe('up');
    expect(e.restarts).toBe(1);
    expect(e.pid()).not.toBe(first);
    expect((await e.api()?.request({ janus: 'ping' }, 2000))?.ok).toBe(true);
    // The dead one's runtime dir (its secrets) is gone; only the new one's is there.
    expect(runtimeDirs()).toHaveLength(1);
    expect(apiSecret()).toMatch(/^[\w-]{24}$/);
    expect(apiSecret()).not.toBe(secret);
  });

  it('takes a Janus that stops answering for hung: kills it and starts another', async () => {
    const e = engine();
    expect((await e.start()).ok).toBe(true);
    const hung = e.pid() as number;
    const states: string[] = [];
    e.onState((s) => states.push(s));
    process.kill(hung, 'SIGSTOP');
    await expect.poll(() => e.restarts, { timeout: 10_000, interval: 100 }).toBe(1);
    expect(states).toEqual(['restarting', 'up']);
    // Not left stopped, holding its ports and memory.
    await expect.poll(() => procState(hung) === undefined || procState(hung) === 'Z' || !alive(hung), { timeout: 5000 }).toBe(true);
    expect((await e.api()?.request({ janus: 'ping' }, 2000))?.ok).toBe(true);
  });

  it('says calls are unavailable, with the fix, when Janus is not installed, and throws nothing', async () => {
    const e = engine({ binary: 'janus-is-not-installed-here' });
    expect(await e.start()).toEqual({
      ok: false,
      error: { reason: 'not-installed', message: 'calls are unavailable: no janus-is-not-installed-here on PATH', hint: 'apt-get install janus' },
    });
    expect(e.state).toBe('stopped');
  });

  it('says why when Janus cannot start (its port taken), with its own lines, and leaves no process or runtime dir', async () => {
    const taken: Server = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    const port = (taken.address() as { port: number }).port;
    const before = janusCount();
    const e = engine({ wsPort: port, startTimeoutMs: 4000 });
    const started = await e.start();
    taken.close();
    expect(started.ok).toBe(false);
    if (started.ok) return;
    expect(started.error.reason).toBe('did-not-start');
    expect(started.error.message).toMatch(/^calls are unavailable: Janus (exited during its start|did not answer within 4000 ms)/);
    expect(started.error.message).toContain('its last lines');
    expect(e.state).toBe('stopped');
    expect(runtimeDirs()).toEqual([]);
    expect(janusCount()).toBe(before);
  });
});
