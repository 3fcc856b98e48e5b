import WebSocket from 'ws';
import { afterAll, describe, expect, it } from 'vitest';
import { LawlineClient } from '../clients/sdk/index.ts';
import type { ChatMessageT, ConsultationViewT } from '../protocol/frames.ts';
import type { DevClaims } from '../server/auth/dev-identity.ts';
import { startCluster, type TestCluster } from './helpers/cluster.ts';
import { citizen, lawyer } from './helpers/people.ts';

// kill -9 of a node carrying 100 live sessions in active chats. Every client knows the three
// nodes (as it would know a load balancer's address) and fails over on its own.

const PAIRS = 50;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function wholeHistory(client: LawlineClient, consultationId: string): Promise<ChatMessageT[]> {
  const all: ChatMessageT[] = [];
  for (let beforeSeq: number | undefined; ; ) {
    const page = await client.request('consult.history', { consultationId, limit: 200, ...(beforeSeq !== undefined ? { beforeSeq } : {}) });
    all.unshift(...page.messages);
    beforeSeq = page.messages[0]?.seq;
    if (!page.hasMore || beforeSeq === undefined) return all;
  }
}

interface Person {
  id: string;
  client: LawlineClient;
  received: ChatMessageT[];
  /** When the client was open again after the kill. */
  backAt?: number;
  consultationId?: string;
  acked: Map<string, number>;
}

describe('a cluster losing a node', () => {
  let cluster: TestCluster | undefined;
  const everyone: Person[] = [];

  afterAll(async () => {
    for (const p of everyone) p.client.close();
    await cluster?.cleanup();
  });

  it('moves 100 chatting sessions to the other nodes within 3 s, loses and duplicates no acknowledged message, and re-offers what the dead node had out', async () => {
    cluster = await startCluster(3, { LAWLINE_OFFER_TIMEOUT_MS: '60000' });
    const c = cluster;
    const urls = c.nodes.map((n) => n.url);
    const join = async (claims: DevClaims, first: number) => {
      const order = [...urls.slice(first), ...urls.slice(0, first)];
      const client = new LawlineClient({ url: order, token: await c.token(claims), WebSocket, reconnect: { minDelayMs: 50, maxDelayMs: 400 } });
      const p: Person = { id: claims.sub, client, received: [], acked: new Map() };
      client.on('chat.message', (m) => p.received.push(m));
      await client.connect();
      everyone.push(p);
      return p;
    };

    // 50 lawyers and 50 citizens on node A, paired by the router.
    const lawyers = await Promise.all(Array.from({ length: PAIRS }, (_, i) => join(lawyer(`FO-L${i}`, `律师${i}`, ['labor']), 0)));
    for (const l of lawyers) {
      l.client.on('offer', (o) => {
        if (o.consultation.category === 'labor') void l.client.request('offer.accept', { consultationId: o.consultation.id }).catch(() => undefined);
      });
      await l.client.request('duty.on', { capacity: 1 });
    }
    const citizens = await Promise.all(Array.from({ length: PAIRS }, (_, i) => join(citizen(`FO-C${i}`), 0)));
    const active = new Map<string, ConsultationViewT>();
    for (const p of citizens) p.client.on('consult.state', (s) => s.consultation.state === 'active' && active.set(s.consultation.id, s.consultation));
    for (const p of citizens) p.consultationId = (await p.client.request('consult.request', { category: 'labor', region: '320200', channel: 'text' })).consultation.id;
    await expect.poll(() => active.size, { timeout: 15_000 }).toBe(PAIRS);
    for (const l of lawyers) l.consultationId = [...active.values()].find((v) => v.lawyer?.id === l.id)?.id;
    expect(lawyers.every((l) => l.consultationId)).toBe(true);

    // One more lawyer on A, offered a consultation she has not answered when A dies.
    const late = await join(lawyer('FO-LX', '迟律师', ['ip']), 0);
    await late.client.request('duty.on', {});
    const asker = await join(citizen('FO-CX'), 1);
    const offers: string[] = [];
    late.client.on('offer', (o) => offers.push(o.consultation.id));
    const { consultation: pending } = await asker.client.request('consult.request', { category: 'ip', region: '320200', channel: 'text' });
    await expect.poll(() => offers, { timeout: 5000 }).toEqual([pending.id]);

    // Everyone chats; a message counts once its ack says it is durable.
    let sending = true;
    let sent = 0;
    const chatters = [...lawyers, ...citizens];
    const loops = chatters.map(async (p, i) => {
      await sleep(i * 7);
      for (let n = 0; sending; n++) {
        const { clientMsgId, acked } = p.client.sendChat(p.consultationId as string, `${p.id} #${n}`);
        sent++;
        void acked.then((ack) => p.acked.set(clientMsgId, ack.seq));
        await sleep(150);
      }
    });
    await sleep(1500);

    for (const p of chatters) p.client.on('state', (s) => s === 'open' && p.backAt === undefined && (p.backAt = performance.now()));
    const killedAt = performance.now();
    (c.nodes[0] as TestCluster['nodes'][number]).proc.kill('SIGKILL');
    await expect.poll(() => chatters.every((p) => p.backAt !== undefined), { timeout: 10_000, interval: 20 }).toBe(true);
    const slowest = Math.max(...chatters.map((p) => (p.backAt as number) - killedAt));
    expect(slowest).toBeLessThan(3000);

    await sleep(1500);
    sending = false;
    await Promise.all(loops);
    await expect.poll(() => chatters.every((p) => p.client.outboxSize() === 0), { timeout: 15_000 }).toBe(true);
    expect(sent).toBeGreaterThan(500);

    for (const cit of citizens) {
      const law = lawyers.find((l) => l.consultationId === cit.consultationId) as Person;
      const messages = await wholeHistory(cit.client, cit.consultationId as string);
      // Stored once each: every acked message, at the seq its ack gave, and nothing twice.
      const ids = messages.map((m) => m.clientMsgId);
      expect(new Set(ids).size).toBe(ids.length);
      const stored = new Map(messages.map((m) => [m.clientMsgId, m.seq]));
      for (const p of [cit, law]) for (const [id, seq] of p.acked) expect(stored.get(id)).toBe(seq);
      // Each side received every message of the other, once, in order.
      for (const [me, other] of [[cit, law], [law, cit]] as const) {
        const got = () => me.received.filter((m) => m.consultationId === cit.consultationId && m.from.id === other.id).map((m) => m.seq);
        await expect.poll(got, { timeout: 5000 }).toEqual([...other.acked.values()].sort((a, b) => a - b));
      }
    }

    // The offer node A had out rang again where the lawyer came back, and can be taken there.
    await expect.poll(() => offers.length, { timeout: 5000 }).toBeGreaterThan(1);
    expect(offers.every((id) => id === pending.id)).toBe(true);
    const taken = await late.client.request('offer.accept', { consultationId: pending.id });
    expect(taken.consultation.state).toBe('active');
  }, 90_000);
});
