import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort } from './redis-server.ts';

export interface RedisClusterHandle {
  /** `redis+cluster://127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3`, as REDIS_URL takes it. */
  url: string;
  ports: number[];
  stop(): Promise<void>;
}

interface Master {
  proc: ChildProcess;
  dir: string;
  port: number;
  output: () => string;
  exited: Promise<void>;
}

const HOST = '127.0.0.1';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One `redis-server` in cluster mode, nothing persisted, in a temp dir of its own; resolves once it accepts connections. */
async function startMaster(timeoutMs: number): Promise<Master> {
  const dir = mkdtempSync(join(tmpdir(), 'lawline-redis-cluster-'));
  // The cluster bus port is given too: the default (port + 10000) may be past 65535 or taken.
  const [port, busPort] = [await freePort(), await freePort()];
  const proc = spawn(
    'redis-server',
    ['--port', String(port), '--bind', HOST, '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, 'nodes.conf'), '--cluster-port', String(busPort), '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const master: Master = { proc, dir, port, output: () => out, exited };
  await new Promise<void>((resolve, reject) => {
    let settled = false;
    const settle = (why?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (!why) return resolve();
      proc.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      reject(new Error(`redis-server on port ${port} ${why}:\n${out}`));
    };
    const timer = setTimeout(() => settle(`did not accept connections within ${timeoutMs} ms`), timeoutMs);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('Ready to accept connections')) settle();
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', onData);
    proc.once('error', (e) => settle(`could not be started (${e.message})`));
    proc.once('exit', (code) => settle(`exited with ${code} before accepting connections`));
  });
  return master;
}

async function stopMasters(masters: Master[]): Promise<void> {
  for (const m of masters) if (m.proc.exitCode === null && m.proc.signalCode === null) m.proc.kill('SIGKILL');
  await Promise.all(masters.map((m) => m.exited));
  for (const m of masters) rmSync(m.dir, { recursive: true, force: true });
}

/** Polls CLUSTER INFO on every node until each says `cluster_state:ok`. */
async function waitForClusterOk(ports: number[], timeoutMs: number): Promise<void> {
  const clients = ports.map((port) => new Redis({ host: HOST, port, lazyConnect: true, maxRetriesPerRequest: 0 }));
  try {
    const end = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      const states = await Promise.all(clients.map(async (c) => /cluster_state:(\w+)/.exec(String(await c.cluster('INFO')))?.[1] ?? '?'));
      if (states.every((s) => s === 'ok')) return;
      last = ports.map((p, i) => `${p}: ${states[i]}`).join(', ');
      if (Date.now() > end) throw new Error(`Redis Cluster not ok within ${timeoutMs} ms (${last})`);
      await sleep(50);
    }
  } finally {
    for (const c of clients) c.disconnect();
  }
}

/**
 * Three `redis-server` masters on free ports of 127.0.0.1, joined into one Redis Cluster
 * (no replicas) by `redis-cli --cluster create`. Every wait is bounded and says what it was
 * waiting for; a failure stops whatever was started.
 */
export async function startRedisCluster(timeoutMs = 10_000): Promise<RedisClusterHandle> {
  const masters: Master[] = [];
  try {
    for (let i = 0; i < 3; i++) masters.push(await startMaster(timeoutMs));
    const ports = masters.map((m) => m.port);
    await promisify(execFile)('redis-cli', ['--cluster', 'create', ...ports.map((p) => `${HOST}:${p}`), '--cluster-replicas', '0', '--cluster-yes'], { timeout: timeoutMs }).catch(
      (e: unknown) => {
        const { stdout, stderr, message } = e as { stdout?: string; stderr?: string; message?: string };
        throw new Error(`redis-cli --cluster create failed: ${message}\n${stdout ?? ''}${stderr ?? ''}`);
      },
    );
    await waitForClusterOk(ports, timeoutMs);
    return {
      url: `redis+cluster://${ports.map((p) => `${HOST}:${p}`).join(',')}`,
      ports,
      stop: () => stopMasters(masters),
    };
  } catch (e) {
    await stopMasters(masters);
    throw e;
  }
}
