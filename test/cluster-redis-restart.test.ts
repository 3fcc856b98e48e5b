import { afterAll, describe, expect, it } from 'vitest';
import type { DevClaims } from '../server/auth/dev-identity.ts';
import { chatter, chatWhile, expectConversationIntact, type Chatter } from './helpers/chatters.ts';
import { startCluster, type TestCluster } from './helpers/cluster.ts';
import { citizen, lawyer } from './helpers/people.ts';
import { OwnRedis } from './helpers/redis-server.ts';

// Redis killed under load and started again empty on the same port: the nodes say they are
// not ready meanwhile, then rebuild what Redis held (presence, holds, queues) from what they
// know and from PostgreSQL, and no acknowledged message is lost.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a cluster whose Redis restarts', () => {
  let redis: OwnRedis | undefined;
  let cluster: TestCluster | undefined;
  const people: Chatter[] = [];

  afterAll(async () => {
    for (const p of people) p.client.close();
    await cluster?.cleanup();
    await redis?.kill();
  });

  it('is not ready while Redis is gone, then rebuilds presence and queues, and keeps every acked message', async () => {
    redis = await OwnRedis.start();
    cluster = await startCluster(2, { REDIS_URL: redis.url });
    const c = cluster;
    const [a, b] = c.nodes.map((n) => n.url) as [string, string];
    const ready = async (i: number) => (await fetch(`http://127.0.0.1:${(c.nodes[i] as TestCluster['nodes'][number]).port}/readyz`)).status;
    const join = async (claims: DevClaims, urls: string[]) => {
      const p = await chatter(c.token, claims, urls);
      people.push(p);
      return p;
    };

    const law = await join(lawyer('RR-L1', '任律师', ['labor']), [b, a]);
    law.client.on('offer', (o) => void law.client.request('offer.accept', { consultationId: o.consultation.id }).catch(() => undefined));
    await law.client.request('duty.on', { capacity: 2 });
    const cit = await join(citizen('RR-C1'), [a, b]);
    let activeId: string | undefined;
    cit.client.on('consult.state', (s) => s.consultation.state === 'active' && (activeId = s.consultation.id));
    const { consultation } = await cit.client.request('consult.request', { category: 'labor', region: '320200', channel: 'text' });
    await expect.poll(() => activeId, { timeout: 5000 }).toBe(consultation.id);
    // Waiting, with nobody on duty for it, when Redis goes.
    const waiting = await join(citizen('RR-C2'), [a, b]);
    const { consultation: queued } = await waiting.client.request('consult.request', { category: 'ip', region: '320200', channel: 'text' });
    expect([await ready(0), await ready(1)]).toEqual([200, 200]);

    let sending = true;
    const loops = [cit, law].map((p) => chatWhile(p, consultation.id, () => sending, 100));
    await sleep(500);

    await redis.kill();
    await expect.poll(async () => [await ready(0), await ready(1)], { timeout: 5000, interval: 50 }).toEqual([503, 503]);
    const ackedDuringOutage = cit.acked.size;
    await sleep(1000);
    // PostgreSQL still takes the messages: acks go on while Redis is away.
    expect(cit.acked.size).toBeGreaterThan(ackedDuringOutage);

    await redis.up();
    await expect.poll(async () => [await ready(0), await ready(1)], { timeout: 15_000, interval: 100 }).toEqual([200, 200]);

    // The lawyer is on duty again, as before, without doing anything.
    await expect
      .poll(async () => (await cit.client.request('directory.list', { category: 'labor' })).lawyers.map((l) => [l.lawyerId, l.status]), { timeout: 15_000, interval: 100 })
      .toEqual([['RR-L1', 'available']]);
    // The waiting request is queued again: the first lawyer for it gets the offer.
    const ipLawyer = await join(lawyer('RR-L2', '易律师', ['ip']), [a, b]);
    const offered: string[] = [];
    ipLawyer.client.on('offer', (o) => offered.push(o.consultation.id));
    await ipLawyer.client.request('duty.on', {});
    await expect.poll(() => offered, { timeout: 10_000 }).toEqual([queued.id]);

    await sleep(500);
    sending = false;
    await Promise.all(loops);
    await expectConversationIntact(consultation.id, cit, law);
  }, 90_000);
});
