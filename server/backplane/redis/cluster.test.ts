import { randomBytes } from 'node:crypto';
import { Cluster } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { startRedisCluster } from '../../../test/helpers/redis-cluster.ts';
import { backplaneContract, entry, lawyer } from '../../../test/contracts/backplane/index.ts';
import { connected, createRedis, masters, parseClusterUrl } from './connect.ts';
import { deliveryContract } from '../../../test/contracts/delivery.ts';
import { RedisBackplane } from './index.ts';

// The Redis backplane and cross-node delivery on a real Redis Cluster: three redis-server
// masters on free ports, started for this file. The same suites as on one Redis server.
const cluster = await startRedisCluster();
afterAll(() => cluster.stop());

describe('redis+cluster:// URLs', () => {
  it('lists the seed nodes, with credentials if given', () => {
    expect(parseClusterUrl('redis+cluster://10.0.0.1:7000,redis-b:7001/')).toEqual({ seeds: [{ host: '10.0.0.1', port: 7000 }, { host: 'redis-b', port: 7001 }] });
    expect(parseClusterUrl('redis+cluster://app:p%40ss:x@h:7000')).toEqual({ seeds: [{ host: 'h', port: 7000 }], username: 'app', password: 'p@ss:x' });
    expect(parseClusterUrl('redis+cluster://:secret@h:7000')).toEqual({ seeds: [{ host: 'h', port: 7000 }], password: 'secret' });
    expect(() => parseClusterUrl('redis+cluster://h1:7000,h2')).toThrow(/"h2" is not host:port/);
    expect(() => parseClusterUrl('redis+cluster://h1:70000')).toThrow(/not host:port/);
  });

  it('connects to the cluster, and every key of a deployment lives on the one master of its hash slot', async () => {
    const client = createRedis(cluster.url, { lazyConnect: true });
    const prefix = `lawline-slot-${randomBytes(6).toString('hex')}`;
    const backplane = await RedisBackplane.open({ url: cluster.url, prefix });
    try {
      await client.connect();
      expect(client).toBeInstanceOf(Cluster);
      expect(connected(client, `{${prefix}}`)).toBe(true);
      expect(backplane.ready()).toBe(true);
      await backplane.presence.putLawyer(lawyer('L1'));
      await backplane.queue.enqueue(entry('c1'));
      const held = await Promise.all(masters(client).map((server) => server.keys(`{${prefix}}:*`)));
      expect(held).toHaveLength(3);
      expect(held.filter((keys) => keys.length > 0)).toHaveLength(1);
      expect(held.flat().length).toBeGreaterThan(3);
    } finally {
      await backplane.destroy();
      await backplane.close();
      client.disconnect();
    }
  });
});

backplaneContract('redis cluster', async () => {
  const prefix = `lawline-test-${randomBytes(6).toString('hex')}`;
  const backplane = await RedisBackplane.open({ url: cluster.url, prefix });
  const peers: RedisBackplane[] = [];
  return {
    backplane,
    peer: async () => {
      const peer = await RedisBackplane.open({ url: cluster.url, prefix });
      peers.push(peer);
      return peer;
    },
    async cleanup() {
      await backplane.destroy();
      for (const b of [backplane, ...peers]) await b.close();
    },
  };
});

deliveryContract('redis cluster', cluster.url);
