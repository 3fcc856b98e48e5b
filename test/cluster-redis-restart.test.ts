import WebSocket from 'ws';
import { afterAll, describe, expect, it } from 'vitest';
import { LawlineClient } from '../clients/sdk/index.ts';
import type { ChatMessageT } from '../protocol/frames.ts';
import type { DevClaims } from '../server/auth/dev-identity.ts';
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
  const clients: LawlineClient[] = [];

  afterAll(async () => {
    for (const c of clients) c.close();
    await cluster?.cleanup();
    await redis?.kill();
  });

  it('is not ready while Redis is gone, then rebuilds presence and queues, and keeps every acked message', async () => {
    redis = await OwnRedis.start();
    cluster = await startCluster(2, { REDIS_URL: redis.url, LAWLINE_LOG_LEVEL: 'info' });
    const c = cluster;
    const [a, b] = c.nodes.map((n) => n.url) as [string, string];
    const ready = async (i: number) => (await fetch(`http://127.0.0.1:${(c.nodes[i] as TestCluster['nodes'][number]).port}/readyz`)).status;
    const join = async (claims: DevClaims, urls: string[]) => {
      const client = new LawlineClient({ url: urls, token: await c.token(claims), WebSocket, reconnect: { minDelayMs: 50, maxDelayMs: 500 } });
      const received: ChatMessageT[] = [];
      client.on('chat.message', (m) => received.push(m));
      await client.connect();
      clients.push(client);
      return { client, received, acked: new Map<string, number>() };
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
    const chat = async (p: typeof law, who: string) => {
      for (let n = 0; sending; n++) {
        const { clientMsgId, acked } = p.client.sendChat(consultation.id, `${who} #${n}`);
        void acked.then((ack) => p.acked.set(clientMsgId, ack.seq));
        await sleep(100);
      }
    };
    const loops = [chat(cit, 'citizen'), chat(law, 'lawyer')];
    await sleep(500);

    await redis.kill();
    await expect.poll(async () => [await ready(0), await ready(1)], { timeout: 5000, interval: 50 }).toEqual([503, 503]);
    const ackedDuringOutage = cit.acked.size;
    await sleep(1000);
    // PostgreSQL still takes the messages: acks go on while Redis is away.
    expect(cit.acked.size).toBeGreaterThan(ackedDuringOutage);

    await redis.up();
    await expect.poll(async () => [await ready(0), await ready(1)], { timeout: 15_000, interval: 100 }).toEqual([200, 200]);

    await sleep(4000);
    if ((await cit.client.request('directory.list', {})).lawyers.length === 0) {
      const { Redis } = await import('ioredis'); const r = new Redis(redis.url); console.log('L', await r.hgetall(`{${c.env.LAWLINE_REDIS_PREFIX}}:L`)); r.disconnect();
      for (const n of c.nodes) console.log('NODE', n.output().split('\n').filter((l) => !/ECONNREFUSED|writeable/.test(l)).map((l) => l.slice(0, 300)).join('\n'));
    }
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
    await expect.poll(() => cit.client.outboxSize() + law.client.outboxSize(), { timeout: 15_000 }).toBe(0);
    const { messages } = await cit.client.request('consult.history', { consultationId: consultation.id, limit: 200 });
    const stored = new Map(messages.map((m) => [m.clientMsgId, m.seq]));
    expect(stored.size).toBe(messages.length);
    for (const p of [cit, law]) for (const [id, seq] of p.acked) expect(stored.get(id)).toBe(seq);
    // Each side got every message of the other once, in order (the last may still be on their way).
    for (const [me, other, id] of [[cit, law, 'RR-L1'], [law, cit, 'RR-C1']] as const) {
      const sent = [...other.acked.values()].sort((x, y) => x - y);
      await expect.poll(() => me.received.filter((m) => m.from.id === id).map((m) => m.seq), { timeout: 5000 }).toEqual(sent);
    }
  }, 90_000);
});
