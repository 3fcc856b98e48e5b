import { existsSync } from 'node:fs';
import { describe, expect, inject, it } from 'vitest';
import { freePort } from '../helpers/redis-server.ts';
import { installDebianPackages } from './debian.ts';
import { coturnPackages } from './coturn.ts';
import { janusPackages } from './janus.ts';
import { networkToolPackages } from './network-tools.ts';
import { OwnPostgres } from './own-postgres.ts';
import { existingPostgres, postgresBinDir, postgresPackages } from './postgres.ts';
import { probePostgres, probeRedis } from './probe.ts';
import { provideServices } from './provide.ts';
import { existingRedis, redisPackages } from './redis.ts';

// The test set-up itself (vitest's globalSetup, `global.ts`), on a machine whose Redis and
// PostgreSQL are "absent": it is pointed at ports nobody listens on, as a fresh machine's
// 6379 and 5432 are. The machine's own servers are left alone.
const nobodyAt = async (scheme: 'redis' | 'postgres') =>
  scheme === 'redis' ? `redis://127.0.0.1:${await freePort()}` : `postgres://postgres@127.0.0.1:${await freePort()}/test`;

describe('test set-up', () => {
  it('starts a redis-server and a PostgreSQL of its own on free ports when nothing answers, and stops them', async () => {
    const machine = { redis: await nobodyAt('redis'), postgres: await nobodyAt('postgres') };
    const provided = await provideServices({}, machine);
    try {
      expect(provided.redisUrl).not.toBe(machine.redis);
      expect(provided.databaseUrl).not.toBe(machine.postgres);
      expect(await probeRedis(provided.redisUrl)).toEqual({ answers: true });
      expect(await probePostgres(provided.databaseUrl)).toEqual({ answers: true });
    } finally {
      await provided.stop();
    }
    expect((await probeRedis(provided.redisUrl)).answers).toBe(false);
    expect((await probePostgres(provided.databaseUrl)).answers).toBe(false);
  });

  it('deletes its PostgreSQL cluster when it stops it', async () => {
    const bin = postgresBinDir();
    expect(bin, 'PostgreSQL server programs (the set-up installs them)').toBeDefined();
    const pg = await OwnPostgres.start(bin ?? '');
    expect(existsSync(pg.dir)).toBe(true);
    await pg.stop();
    expect(existsSync(pg.dir)).toBe(false);
  });

  it('uses the URLs it is given, and refuses one that does not answer', async () => {
    const [redis, postgres] = [inject('redisUrl'), inject('databaseUrl')];
    expect(await existingRedis(redis, await nobodyAt('redis'))).toBe(redis);
    expect(await existingPostgres(postgres, await nobodyAt('postgres'))).toBe(postgres);
    await expect(existingRedis(await nobodyAt('redis'))).rejects.toThrow(/REDIS_URL .* does not answer PING/);
    await expect(existingPostgres(await nobodyAt('postgres'))).rejects.toThrow(/DATABASE_URL .* does not answer/);
  });

  it('finds no programs on a PATH without them, and asks anyone but root to install them', async () => {
    expect(redisPackages('/nonexistent')).toEqual(['redis-server']);
    expect(postgresPackages('/nonexistent', '/nonexistent')).toEqual(['postgresql']);
    expect(redisPackages()).toEqual([]);
    expect(janusPackages('/nonexistent')).toEqual(['janus']);
    expect(janusPackages()).toEqual([]);
    expect(coturnPackages('/nonexistent')).toEqual(['coturn']);
    expect(coturnPackages()).toEqual([]);
    // The network-fault tools only for root, who alone can run those tests.
    expect(networkToolPackages(true, '/nonexistent')).toEqual(['iproute2', 'nftables', 'socat']);
    expect(networkToolPackages(false, '/nonexistent')).toEqual([]);
    await expect(installDebianPackages(['redis-server', 'postgresql'], false)).rejects.toThrow('sudo apt-get update && sudo apt-get install -y redis-server postgresql');
  });
});
