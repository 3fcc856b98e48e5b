import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { loadOrCreateDevIdentity, mintToken, type DevClaims } from '../../server/auth/dev-identity.ts';
import { Participant } from './recorder.ts';
import { DATABASE_URL, REDIS_URL } from './services.ts';
import { spawnServer, type SpawnedServer } from './spawn.ts';


export interface ClusterNode extends SpawnedServer {
  url: string;
}

export interface TestCluster {
  nodes: ClusterNode[];
  env: Record<string, string>;
  token(claims: DevClaims, ttlSec?: number): Promise<string>;
  /** Starts one more node of the same cluster. */
  add(extra?: Record<string, string>): Promise<ClusterNode>;
  /** Deletes every Redis key of this cluster, as if Redis restarted empty. */
  forgetRedisState(): Promise<void>;
  cleanup(): Promise<void>;
}

/**
 * `count` node processes, as `REDIS_URL=… DATABASE_URL=… npm start` runs them: one Redis key
 * prefix and one PostgreSQL schema of their own, and one data dir whose development identity
 * they all trust (created here first, so they do not race to make it).
 */
export async function startCluster(count: number, extra: Record<string, string> = {}): Promise<TestCluster> {
  const id = randomBytes(5).toString('hex');
  const dataDir = mkdtempSync(join(tmpdir(), 'lawline-cluster-'));
  const identity = await loadOrCreateDevIdentity(dataDir);
  const env = {
    LAWLINE_PORT: '0',
    LAWLINE_DATA_DIR: dataDir,
    REDIS_URL,
    LAWLINE_REDIS_PREFIX: `lawline-cl-${id}`,
    DATABASE_URL,
    LAWLINE_DATABASE_SCHEMA: `lawline_cl_${id}`,
    ...extra,
  };
  const nodes: ClusterNode[] = [];
  const add = async (more: Record<string, string> = {}) => {
    const s = await spawnServer({ ...env, ...more });
    const node = { ...s, url: `ws://127.0.0.1:${s.port}/ws` };
    nodes.push(node);
    return node;
  };
  for (let i = 0; i < count; i++) await add();
  const forgetRedisState = async () => {
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`{${env.LAWLINE_REDIS_PREFIX}}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  };
  return {
    nodes,
    env,
    add,
    forgetRedisState,
    token: (claims, ttlSec) => mintToken(identity, claims, ttlSec),
    async cleanup() {
      for (const n of nodes) if (n.proc.exitCode === null && n.proc.signalCode === null) n.proc.kill('SIGKILL');
      await Promise.all(nodes.map((n) => n.exited));
      await forgetRedisState();
      const client = new pg.Client({ connectionString: DATABASE_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${env.LAWLINE_DATABASE_SCHEMA} CASCADE`);
      await client.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * One cluster for a whole test file (started before its tests, cleaned up after), and `on`:
 * a person connected to a chosen node of it, all of them closed at the end.
 */
export function sharedCluster(count: number, extra: Record<string, string> = {}) {
  let cluster: TestCluster | undefined;
  const people: Participant[] = [];
  const current = (): TestCluster => {
    if (!cluster) throw new Error('the cluster has not started');
    return cluster;
  };
  beforeAll(async () => {
    cluster = await startCluster(count, extra);
  }, 60_000);
  afterAll(async () => {
    for (const p of people.splice(0)) p.close();
    await cluster?.cleanup();
  });
  return {
    cluster: current,
    async on(node: number, claims: DevClaims): Promise<Participant> {
      const target = current().nodes[node];
      if (!target) throw new Error(`no node ${node}`);
      const p = await Participant.connect({ token: current().token, url: target.url }, claims);
      people.push(p);
      return p;
    },
  };
}
