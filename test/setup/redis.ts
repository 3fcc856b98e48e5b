import { OwnRedis } from '../helpers/redis-server.ts';
import { probeRedis, where } from './probe.ts';
import type { TestService } from './service.ts';
import { onPath, say } from './system.ts';

export const MACHINE_REDIS = 'redis://127.0.0.1:6379';

/**
 * The Debian packages that the Redis tests lack. redis-server and redis-cli are needed even
 * when a Redis answers: fault tests start and kill their own (`helpers/redis-server.ts`), and
 * the cluster tests build a Redis Cluster with `redis-cli --cluster create`.
 */
export function redisPackages(path?: string): string[] {
  return onPath('redis-server', path) && onPath('redis-cli', path) ? [] : ['redis-server'];
}

/** REDIS_URL if given (it must answer), else the machine's Redis if it answers, else undefined. */
export async function existingRedis(given: string | undefined, machine = MACHINE_REDIS): Promise<string | undefined> {
  if (given) {
    const probe = await probeRedis(given);
    if (!probe.answers) throw new Error(`REDIS_URL (${where(given)}) does not answer PING: ${probe.why}`);
    say(`Redis: ${where(given)}, from REDIS_URL`);
    return given;
  }
  const probe = await probeRedis(machine);
  if (probe.answers) {
    say(`Redis: the machine's, at ${where(machine)}`);
    return machine;
  }
  say(`Redis: nothing answers at ${where(machine)} (${probe.why})`);
  return undefined;
}

/** A redis-server of the run's own on a free port, nothing on disk. */
export async function ownRedis(): Promise<TestService> {
  const redis = await OwnRedis.start();
  say(`Redis: started redis-server at ${where(redis.url)} (nothing on disk) for this run`);
  return {
    url: redis.url,
    async stop() {
      await redis.kill();
      say(`Redis: stopped redis-server at ${where(redis.url)}`);
    },
  };
}
