import { Cluster, Command, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';

/** A connection to one Redis server, or to a Redis Cluster: both run every command lawline sends. */
export type RedisClient = Redis | Cluster;

const CLUSTER_SCHEME = 'redis+cluster://';

/**
 * What every connection lawline opens starts with: a command fails at once while the
 * connection is down (no offline queue piling up in memory), and after `timeoutMs` without an
 * answer from a server that is connected but stuck (ioredis keeps the connection: a late
 * answer is matched to its command and dropped). Connecting is bounded by the same deadline.
 */
export function commandOptions(timeoutMs: number): RedisOptions {
  return { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true, commandTimeout: timeoutMs, connectTimeout: timeoutMs };
}

/**
 * `redis://…` (or `rediss://`) is one server, as ioredis reads it.
 * `redis+cluster://[user:password@]host1:port1,host2:port2,…` is a Redis Cluster: the
 * listed nodes are only seeds, ioredis asks them for the slot map and finds the rest.
 * Nothing is connected here; `lazyConnect` in `options` decides when that happens.
 */
export function createRedis(url: string, options: RedisOptions): RedisClient {
  if (!url.startsWith(CLUSTER_SCHEME)) return new Redis(url, options);
  const { seeds, username, password } = parseClusterUrl(url);
  // A Cluster takes these at its own level (its node connections always queue until connected):
  // enableOfflineQueue false makes a command fail at once while the cluster or its node is not
  // ready, as it does on one server.
  const { enableOfflineQueue, retryStrategy, lazyConnect, ...rest } = options;
  const retry = retryStrategy ?? ((times: number) => Math.min(times * 50, 2000));
  const cluster: ClusterOptions = {
    redisOptions: { ...rest, ...(username ? { username } : {}), ...(password ? { password } : {}) },
    // lawline publishes only on sharded channels (SPUBLISH): without this, SSUBSCRIBE goes to
    // a random node and 'smessage' is never emitted by the Cluster.
    shardedSubscribers: true,
    ...(enableOfflineQueue !== undefined ? { enableOfflineQueue } : {}),
    ...(lazyConnect !== undefined ? { lazyConnect } : {}),
    // A lost node connection comes back by itself, as one server's does (ioredis's default for a
    // server): by default ioredis waits for a command to be MOVED there, and until then `connected`
    // would say not ready. The nodes of a failover are dropped when the slot map no longer lists them.
    clusterNodeRetryStrategy: retry,
    clusterRetryStrategy: (times: number) => retry(times),
  };
  return new Cluster(seeds, cluster);
}

export function parseClusterUrl(url: string): { seeds: { host: string; port: number }[]; username?: string; password?: string } {
  let rest = url.slice(CLUSTER_SCHEME.length).replace(/\/$/, '');
  let username: string | undefined;
  let password: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    const colon = userinfo.indexOf(':');
    const user = colon >= 0 ? userinfo.slice(0, colon) : userinfo;
    const pass = colon >= 0 ? userinfo.slice(colon + 1) : '';
    if (user) username = decodeURIComponent(user);
    if (pass) password = decodeURIComponent(pass);
    rest = rest.slice(at + 1);
  }
  const seeds = rest.split(',').map((hostPort) => {
    const m = /^([^:/]+):(\d{1,5})$/.exec(hostPort);
    const port = Number(m?.[2]);
    if (!m || port < 1 || port > 65535) throw new Error(`bad Redis Cluster URL: "${hostPort}" is not host:port (expected ${CLUSTER_SCHEME}host1:port1,host2:port2,…)`);
    return { host: m[1] as string, port };
  });
  return { seeds, ...(username ? { username } : {}), ...(password ? { password } : {}) };
}

/** The server connections: the one server, or the cluster's masters that ioredis knows of. */
export function masters(client: RedisClient): Redis[] {
  return client instanceof Cluster ? client.nodes('master') : [client];
}

/**
 * Whether commands on `key` can be sent now. A Cluster stays 'ready' while any node is
 * reachable, so for a cluster this looks at its connection to the master owning the key's
 * slot, which reconnects by itself (clusterNodeRetryStrategy above) and is not ready meanwhile.
 * A connection not used yet ('wait': ioredis connects to a node on its first command) counts as ready.
 */
export function connected(client: RedisClient, key: string): boolean {
  if (!(client instanceof Cluster)) return client.status === 'ready';
  if (client.status !== 'ready') return false;
  // The slot as ioredis computes it when it routes a command on this key.
  const owner = client.slots[new Command('exists', [key]).getSlot()]?.[0];
  const node = client.nodes('master').find((n) => `${n.options.host}:${n.options.port}` === owner);
  return node?.status === 'ready' || node?.status === 'wait';
}
