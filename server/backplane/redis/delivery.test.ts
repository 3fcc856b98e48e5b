import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NodeMessage } from '../delivery.ts';
import { RedisDelivery } from './delivery.ts';

// Cross-node delivery on the machine's Redis (REDIS_URL), each test under its own prefix.
// Faults are real: the subscriber's connection is killed with CLIENT KILL, and Redis "losing"
// a node's data is its keys deleted.
const URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const push = (to: string[], n: number): NodeMessage => ({ k: 'push', to, event: 'chat.message', data: { n } as never });
const ns = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await ns(5);
  }
}

describe('RedisDelivery', () => {
  let prefix: string;
  let admin: Redis;
  const nodes: RedisDelivery[] = [];
  const open = async (ttlMs = 10_000) => {
    const d = await RedisDelivery.open({ url: URL, prefix, ttlMs, redis: { retryStrategy: () => 20 } });
    nodes.push(d);
    const got: number[] = [];
    const lost: string[] = [];
    d.onMessage = (m) => got.push(((m as Extract<NodeMessage, { k: 'push' }>).data as unknown as { n: number }).n);
    d.onLost = (why) => lost.push(why);
    return { d, got, lost };
  };

  /** Kills this node's connections (by the names RedisDelivery gives them), not other tests'. */
  const kill = async (d: RedisDelivery, which: 'sub' | 'cmd') => {
    const list = (await admin.client('LIST')) as string;
    for (const line of list.split('\n')) {
      const m = /^id=(\d+) .* name=(\S+)/.exec(line);
      if (m && m[2] === `lawline:${d.nodeId}:${which}`) await admin.client('KILL', 'ID', m[1] as string);
    }
  };

  beforeEach(async () => {
    prefix = `lawline-dlv-${randomBytes(6).toString('hex')}`;
    admin = new Redis(URL);
  });

  afterEach(async () => {
    for (const d of nodes.splice(0)) await d.close();
    const keys = await admin.keys(`{${prefix}}:*`);
    if (keys.length) await admin.del(...keys);
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
    const [a, b] = [await open(), await open()];
    await b.d.listen('u:x');
    a.d.send(push(['u:x'], 1));
    await until(() => b.got.length === 1);
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
    const [a, b] = [await open(), await open()];
    await b.d.listen('u:x');
    a.d.send(push(['u:x'], 1));
    await until(() => b.got.length === 1);
    await kill(b.d, 'sub');
    a.d.send(push(['u:x'], 2));
    await ns(20);
    await admin.del(`{${prefix}}:nd:${b.d.nodeId}`);
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
    for (const key of await admin.keys(`{${prefix}}:*`)) await admin.del(key);
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
