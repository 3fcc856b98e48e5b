import type { RedisOptions } from 'ioredis';
import { DEADLINES, Probe, type DeadlineOptions } from '../../probe.ts';
import type { Backplane } from '../port.ts';
import { RedisCalls } from './calls.ts';
import { commandOptions, connected, createRedis, masters } from './connect.ts';
import { RedisCoordination } from './coordination.ts';
import { Keyspace } from './keyspace.ts';
import { RedisPresence } from './presence.ts';
import { RedisQueue } from './queue.ts';

export interface RedisBackplaneOptions {
  /** `redis://host:port`, or a Redis Cluster: `redis+cluster://host1:port1,host2:port2,…` (see connect.ts). */
  url: string;
  /** Keys of one deployment (or test) start with `{<prefix>}`: one hash slot, see lua.ts. */
  prefix: string;
  redis?: RedisOptions;
  /** Connection errors (ioredis reconnects by itself; commands fail fast meanwhile). */
  onError?: (e: unknown) => void;
  /** Deadline of every command, and the readiness probe (defaults: `DEADLINES`). */
  deadline?: DeadlineOptions;
}

/**
 * The cluster backplane on Redis (ioredis): the four ports over one connection, which this
 * owns. No offline queue: while Redis is down a call fails at once instead of piling up in
 * memory, and the node reports not-ready; while Redis is connected but does not answer, a call
 * fails at its deadline, and so does the probe.
 */
export class RedisBackplane implements Backplane {
  readonly presence: RedisPresence;
  readonly queue: RedisQueue;
  readonly calls: RedisCalls;
  readonly coordination: RedisCoordination;
  private readonly probe: Probe;

  private constructor(
    private readonly ks: Keyspace,
    deadline: DeadlineOptions,
  ) {
    this.presence = new RedisPresence(ks);
    this.queue = new RedisQueue(ks);
    this.calls = new RedisCalls(ks);
    this.coordination = new RedisCoordination(ks);
    // A keyed read rather than PING: on a Redis Cluster it goes to the master holding this deployment's slot.
    this.probe = new Probe('redis', deadline, () => ks.redis.exists(ks.key('probe')));
  }

  static async open(options: RedisBackplaneOptions): Promise<RedisBackplane> {
    const deadline = options.deadline ?? DEADLINES.redis;
    const redis = createRedis(options.url, { ...commandOptions(deadline.timeoutMs), ...options.redis });
    redis.on('error', (e) => options.onError?.(e));
    await redis.connect();
    return new RedisBackplane(new Keyspace(redis, options.prefix), deadline);
  }

  ready(): boolean {
    return connected(this.ks.redis, this.ks.tag) && this.probe.healthy;
  }

  /** Removes every key of this prefix (tests). SCAN walks one server, so on a cluster it goes to each master. */
  async destroy(): Promise<void> {
    for (const server of masters(this.ks.redis)) {
      let cursor = '0';
      do {
        const [next, keys] = await server.scan(cursor, 'MATCH', `${this.ks.tag}:*`, 'COUNT', 500);
        if (keys.length) await server.del(...keys);
        cursor = next;
      } while (cursor !== '0');
    }
  }

  async close(): Promise<void> {
    this.probe.stop();
    await this.ks.redis.quit();
  }
}
