// What B4 runs beside its nodes: a Redis of its own (so INFO commandstats counts only this
// bench), the PostgreSQL backends serving its nodes (their CPU is part of a message's cost),
// and the clean-up of its schema.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import pg from 'pg';
import { freePort } from '../../test/helpers/redis-server.ts';
import { fdTargets } from './proc.ts';

export interface BenchRedis {
  url: string;
  pid: number;
  /** calls per command since start, as INFO commandstats counts them (commands run inside scripts included) */
  commandCalls(): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

/** A throwaway redis-server on a free port, pinned to the servers' core, keeping nothing on disk. */
export async function startRedis(core: number): Promise<BenchRedis> {
  const port = await freePort();
  const proc = spawn('taskset', ['-c', String(core), 'redis-server', '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${out}`)), 10_000);
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Ready to accept connections')) (clearTimeout(timer), resolve());
    });
    proc.once('exit', (code) => (clearTimeout(timer), reject(new Error(`redis-server exited ${code}:\n${out}`))));
  });
  proc.stdout.resume();
  const url = `redis://127.0.0.1:${port}`;
  const admin = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await admin.connect();
  return {
    url,
    pid: proc.pid as number,
    async commandCalls() {
      const info = await admin.info('commandstats');
      const calls: Record<string, number> = {};
      for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls[m[1] as string] = Number(m[2]);
      return calls;
    },
    async stop() {
      admin.disconnect();
      if (proc.exitCode !== null) return;
      await new Promise<void>((r) => (proc.once('exit', () => r()), proc.kill('SIGTERM')));
    },
  };
}

/** What happened between two commandstats snapshots, without our own INFO calls. */
export function callsBetween(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, n] of Object.entries(after)) if (name !== 'info' && n - (before[name] ?? 0) > 0) out[name] = n - (before[name] ?? 0);
  return out;
}

const socketInodes = (pid: number): Set<string> => new Set(fdTargets(pid).flatMap((t) => /^socket:\[(\d+)\]$/.exec(t)?.[1] ?? []));

/** TCP connections on this machine: inode -> local and remote port. */
function tcpTable(): Map<string, { local: number; remote: number }> {
  const out = new Map<string, { local: number; remote: number }>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      out.set(f[9] as string, { local: parseInt((f[1] as string).split(':')[1] as string, 16), remote: parseInt((f[2] as string).split(':')[1] as string, 16) });
    }
  }
  return out;
}

/**
 * The PostgreSQL backend processes serving `clientPids` (found through the sockets: other
 * users of the same server are left out). Read again at each end of a window, since a
 * node's pool opens connections as load grows.
 */
export function pgBackends(clientPids: readonly number[], pgPort: number): number[] {
  const tcp = tcpTable();
  const ours = new Set<number>();
  for (const pid of clientPids) for (const inode of socketInodes(pid)) if (tcp.get(inode)?.remote === pgPort) ours.add((tcp.get(inode) as { local: number }).local);
  const backends: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'postgres') continue;
      for (const inode of socketInodes(Number(entry))) {
        const conn = tcp.get(inode);
        if (conn?.local === pgPort && ours.has(conn.remote)) {
          backends.push(Number(entry));
          break;
        }
      }
    } catch {
      // a process that ended, or one we may not read
    }
  }
  return backends;
}

export async function dropSchema(databaseUrl: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${client.escapeIdentifier(schema)} CASCADE`);
  } finally {
    await client.end();
  }
}
