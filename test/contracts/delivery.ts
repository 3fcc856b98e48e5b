import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NodeMessage } from '../../server/backplane/delivery.ts';
import { createRedis, masters, type RedisClient } from '../../server/backplane/redis/connect.ts';
import { RedisDelivery } from '../../server/backplane/redis/delivery.ts';

// Cross-node delivery on a real Redis server or Redis Cluster (`url`), each test under its own
// prefix. Faults are real: the subscriber's connection is killed with CLIENT KILL, and Redis
// "losing" a node's data is its keys deleted.

const push = (to: string[], n: number): NodeMessage => ({ k: 'push', to, event: 'chat.message', data: { n } as never });
const ns = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await ns(5);
  }
}

/** RedisDelivery's behaviour, for one server (`redis://…`) and for a cluster (`redis+cluster://…`). */
export function deliveryContract(name: string, url: string): void {
  describe(`RedisDelivery: ${name}`, () => {
    let prefix: string;
    let admin: RedisClient;
    const nodes: RedisDelivery[] = [];
    const open = async (ttlMs = 10_000) => {
      const d = await RedisDelivery.open({ url, prefix, ttlMs, redis: { retryStrategy: () => 20 } });
      nodes.push(d);
      const got: number[] = [];
      const lost: string[] = [];
      d.onMessage = (m) => got.push(((m as Extract<NodeMessage, { k: 'push' }>).data as unknown as { n: number }).n);
      d.onLost = (why) => lost.push(why);
      return { d, got, lost };
    };
    /** Two nodes, b listening to u:x and already given message 1 from a: the fault comes after. */
    const firstDelivered = async () => {
      const [a, b] = [await open(), await open()];
      await b.d.listen('u:x');
      a.d.send(push(['u:x'], 1));
      await until(() => b.got.length === 1);
      return [a, b] as const;
    };

    /**
     * Kills this node's connections (by the names RedisDelivery gives them), not other tests',
     * on whichever server holds them: a cluster's are spread over its masters, and ioredis names
     * its per-master subscriber `ioredis-cluster(ssubscriber):<name>`.
     */
    const kill = async (d: RedisDelivery, which: 'sub' | 'cmd') => {
      const name = `lawline:${d.nodeId}:${which}`;
      const found = await Promise.all(
        masters(admin).map(async (server) => {
          const ids: string[] = [];
          for (const line of ((await server.client('LIST')) as string).split('\n')) {
            const m = /^id=(\d+) .* name=(\S+)/.exec(line);
            if (m && (m[2] === name || m[2]?.endsWith(`:${name}`))) ids.push(m[1] as string);
          }
          return { server, ids };
        }),
      );
      // A kill that found nothing would make the fault tests pass without a fault.
      expect(found.flatMap((f) => f.ids).length).toBeGreaterThan(0);
      // All at once: the client starts reconnecting at the first kill.
      await Promise.all(found.flatMap(({ server, ids }) => ids.map((id) => server.client('KILL', 'ID', id))));
    };

    /** Every key of this test's prefix: KEYS reads one server, so on a cluster each master is asked. */
    const keys = async () => (await Promise.all(masters(admin).map((server) => server.keys(`{${prefix}}:*`)))).flat();

    beforeEach(async () => {
      prefix = `lawline-dlv-${randomBytes(6).toString('hex')}`;
      admin = createRedis(url, { lazyConnect: true });
      await admin.connect();
    });

    afterEach(async () => {
      for (const d of nodes.splice(0)) await d.close();
      const left = await keys();
      if (left.length) await admin.del(...left);
      admin.disconnect();
    });

    it('reaches the nodes that listen on a key, once each, never the sender, one stream entry per node per turn', async () => {
      const [a, b, c] = [await open(), await open(), await open()];
      await b.d.listen('u:x');
      await b.d.listen('role:lawyer');
      await a.d.listen('u:x');
      for (let i = 1; i <= 50; i++) a.d.send(push(['u:x', 'role:lawyer'], i));
      await until(() => b.got.length === 50);
      await ns(50);
      expect(b.got).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      expect(a.got).toEqual([]);
      expect(c.got).toEqual([]);
      expect(await admin.xlen(`{${prefix}}:nd:${b.d.nodeId}`)).toBe(1);
    });

    it('repairs what pub/sub dropped while the subscriber reconnected, in order, without duplicates', async () => {
      const [a, b] = await firstDelivered();
      await kill(b.d, 'sub');
      for (let i = 2; i <= 6; i++) {
        a.d.send(push(['u:x'], i));
        await ns(2);
      }
      await until(() => b.got.length >= 6);
      a.d.send(push(['u:x'], 7));
      await until(() => b.got.length >= 7);
      await ns(50);
      expect(b.got).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(b.lost).toEqual([]);
    });

    it('reports a gap the stream no longer holds instead of skipping it', async () => {
      const [a, b] = await firstDelivered();
      // b's command connection goes too, so b cannot read its stream before its retry delay: on a
      // cluster its subscriber comes back at once (a slot-map refresh and a new connection), and
      // it would read 2 from the stream before Redis loses it.
      await kill(b.d, 'cmd');
      await kill(b.d, 'sub');
      a.d.send(push(['u:x'], 2));
      // Redis loses the stream as soon as 2 is in it. One round trip a turn, no timer between:
      // a timer can be late by more than b's retry delay.
      const stream = `{${prefix}}:nd:${b.d.nodeId}`;
      const end = Date.now() + 3000;
      while ((await admin.xlen(stream)) < 2) if (Date.now() > end) throw new Error('2 never reached the stream');
      await admin.del(stream);
      await ns(100);
      a.d.send(push(['u:x'], 3));
      await until(() => b.got.includes(3));
      expect(b.got).toEqual([1, 3]);
      expect(b.lost).toHaveLength(1);
    });

    it('forgets a node that stopped renewing, and a node Redis forgot registers again and says it lost messages', async () => {
      const a = await open();
      const b = await open(200);
      await b.d.listen('u:x');
      // b dies without a word: it is dropped from every set the next time someone sends.
      await b.d.close();
      await ns(300);
      a.d.send(push(['u:x'], 1));
      await ns(50);
      expect(await admin.smembers(`{${prefix}}:a:u:x`)).toEqual([]);

      const c = await open(200);
      await c.d.listen('u:y');
      for (const key of await keys()) await admin.del(key);
      await until(() => c.lost.length === 1);
      expect(await admin.smembers(`{${prefix}}:a:u:y`)).toEqual([c.d.nodeId]);
      a.d.send(push(['u:y'], 2));
      await until(() => c.got.includes(2));
    });

    it('is not ready while Redis is unreachable', async () => {
      const a = await open(200);
      expect(a.d.ready()).toBe(true);
      await kill(a.d, 'cmd');
      await kill(a.d, 'sub');
      expect(a.d.ready()).toBe(false);
      await until(() => a.d.ready());
    });
  });
}
