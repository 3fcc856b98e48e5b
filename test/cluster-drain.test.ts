import pg from 'pg';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { CloseCode } from '../protocol/errors.ts';
import { SUBPROTOCOL_MSGPACK } from '../protocol/version.ts';
import { chatter, chatWhile, expectConversationIntact, type Chatter } from './helpers/chatters.ts';
import { startCluster, type TestCluster } from './helpers/cluster.ts';
import { citizen, lawyer } from './helpers/people.ts';
import { RawClient } from './helpers/raw-client.ts';
import { freePort } from './helpers/redis-server.ts';
import { DATABASE_URL } from './helpers/services.ts';

// Operating a cluster: draining a node, PostgreSQL cutting every connection under load, and
// several node processes sharing one port.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('running a cluster', () => {
  let cluster: TestCluster | undefined;
  const people: Chatter[] = [];

  afterEach(async () => {
    for (const p of people.splice(0)) p.client.close();
    await cluster?.cleanup();
    cluster = undefined;
  });

  /** A citizen and a lawyer in an active consultation, each connected through `urls` in order. */
  async function pair(c: TestCluster, tag: string, citizenUrls: string[], lawyerUrls: string[]) {
    const law = await chatter(c.token, lawyer(`${tag}-L`, '律师', ['labor']), lawyerUrls);
    const cit = await chatter(c.token, citizen(`${tag}-C`), citizenUrls);
    people.push(law, cit);
    law.client.on('offer', (o) => void law.client.request('offer.accept', { consultationId: o.consultation.id }).catch(() => undefined));
    await law.client.request('duty.on', {});
    let active = false;
    cit.client.on('consult.state', (s) => s.consultation.state === 'active' && (active = true));
    const { consultation } = await cit.client.request('consult.request', { category: 'labor', region: '320200', channel: 'text' });
    await expect.poll(() => active, { timeout: 5000 }).toBe(true);
    return { cit, law, consultationId: consultation.id };
  }

  it('drains a node on SIGTERM: its clients are told to reconnect, go to another node, and lose nothing', async () => {
    cluster = await startCluster(2);
    const [a, b] = cluster.nodes.map((n) => n.url) as [string, string];
    const { cit, law, consultationId } = await pair(cluster, 'DR', [a, b], [a, b]);
    const bystander = new WebSocket(a, SUBPROTOCOL_MSGPACK);
    const closedWith = new Promise<number>((resolve) => bystander.on('close', (code) => resolve(code)));
    await new Promise((r) => bystander.once('open', r));

    let sending = true;
    const loops = [cit, law].map((p) => chatWhile(p, consultationId, () => sending, 50));
    await sleep(500);
    const nodeA = cluster.nodes[0] as TestCluster['nodes'][number];
    nodeA.proc.kill('SIGTERM');
    expect(await closedWith).toBe(CloseCode.DRAINING);
    expect(await nodeA.exited).toBe(0);
    await sleep(1000);
    sending = false;
    await Promise.all(loops);
    await expectConversationIntact(consultationId, cit, law);
    expect(cit.acked.size).toBeGreaterThan(15);
  }, 60_000);

  it('lets the requests in flight on a draining node reply before it closes their connections', async () => {
    cluster = await startCluster(2);
    const [a, b] = cluster.nodes.map((n) => n.url) as [string, string];
    const { consultationId } = await pair(cluster, 'DF', [a, b], [b, a]);
    // The citizen's second device, on the node about to drain.
    const device = await RawClient.connect(a);
    await device.hello(await cluster.token(citizen('DF-C')));
    // The consultation's row locked: the device's messages reach the node and wait on their write.
    const locker = new pg.Client({ connectionString: DATABASE_URL });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query(`SELECT 1 FROM ${cluster.env.LAWLINE_DATABASE_SCHEMA}.consultations WHERE id = $1 FOR UPDATE`, [consultationId]);
      const ids = [1, 2, 3].map((i) => device.request('chat.send', { consultationId, clientMsgId: `held-${i}`, body: `held ${i}` }));
      await sleep(300);
      const nodeA = cluster.nodes[0] as TestCluster['nodes'][number];
      nodeA.proc.kill('SIGTERM');
      await sleep(300);
      // Still draining: the node waits for its writes instead of cutting the device off.
      expect(device.closeCode).toBeUndefined();
      await locker.query('ROLLBACK');
      expect(await device.waitClose(10_000)).toBe(CloseCode.DRAINING);
      const replies = device.frames.filter((f) => f.type === 'reply' && ids.includes(f.id));
      expect(replies.map((f) => f.type === 'reply' && f.ok && (f.data as { seq: number }).seq)).toEqual([expect.any(Number), expect.any(Number), expect.any(Number)]);
      expect(await nodeA.exited).toBe(0);
    } finally {
      await locker.end();
    }
  }, 60_000);

  it('keeps every acked message when PostgreSQL cuts all of its connections under load; the SDK resends the rest', async () => {
    cluster = await startCluster(2);
    const [a, b] = cluster.nodes.map((n) => n.url) as [string, string];
    const { cit, law, consultationId } = await pair(cluster, 'PG', [a, b], [b, a]);
    let sending = true;
    const loops = [cit, law].map((p) => chatWhile(p, consultationId, () => sending, 20));
    const admin = new pg.Client({ connectionString: DATABASE_URL });
    await admin.connect();
    let cut = 0;
    try {
      for (let i = 0; i < 5; i++) {
        await sleep(300);
        const r = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [`lawline:${cluster.env.LAWLINE_DATABASE_SCHEMA}`]);
        cut += r.rowCount ?? 0;
      }
    } finally {
      await admin.end();
    }
    await sleep(500);
    sending = false;
    await Promise.all(loops);
    expect(cut).toBeGreaterThan(0);
    await expectConversationIntact(consultationId, cit, law);
    expect(cit.acked.size + law.acked.size).toBeGreaterThan(100);
  }, 60_000);

  it('runs several node processes on one port (SO_REUSEPORT): with one gone, the port still serves', async () => {
    const port = await freePort();
    cluster = await startCluster(0);
    const first = await cluster.add({ LAWLINE_PORT: String(port) });
    const second = await cluster.add({ LAWLINE_PORT: String(port) });
    expect([first.port, second.port]).toEqual([port, port]);
    first.proc.kill('SIGKILL');
    await first.exited;
    for (let i = 0; i < 5; i++) expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
  }, 60_000);
});
