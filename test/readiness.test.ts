import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { adviceFor, closeAdvice } from '../protocol/errors.ts';
import { startCluster, type TestCluster } from './helpers/cluster.ts';
import { citizen, lawyer } from './helpers/people.ts';
import { FaultyProxy } from './helpers/proxy.ts';
import { RawClient } from './helpers/raw-client.ts';
import { Participant } from './helpers/recorder.ts';
import { OwnRedis } from './helpers/redis-server.ts';
import { DATABASE_URL } from './helpers/services.ts';

// A Redis or PostgreSQL that stops answering while its connections stay open (a stopped
// process, a stalled network): /readyz says so within the README's bounds (the probe interval,
// 1 s, plus the dependency's deadline: 1 s for Redis, 2 s for PostgreSQL), a hello fails at
// the deadline with a code that says "retry" instead of hanging, and once the dependency
// answers again the node is ready and sessions work. Slack for a busy 2-core machine: 1 s.

const SLACK_MS = 1000;
const PROBE_MS = 1000;
const REDIS_DEADLINE_MS = 1000;
const DATABASE_DEADLINE_MS = 2000;
/** The client gives up on a PostgreSQL query this long after the server would have (server/store/postgres). */
const DATABASE_MARGIN_MS = 500;

let cluster: TestCluster | undefined;
let redis: OwnRedis | undefined;
let proxy: FaultyProxy | undefined;
const people: Participant[] = [];

afterEach(async () => {
  for (const p of people.splice(0)) p.close();
  redis?.continue();
  proxy?.resume();
  await cluster?.cleanup();
  await redis?.kill();
  await proxy?.close();
  [cluster, redis, proxy] = [undefined, undefined, undefined];
});

const readyz = async (c: TestCluster) => (await fetch(`http://127.0.0.1:${(c.nodes[0] as TestCluster['nodes'][number]).port}/readyz`)).status;

/** Milliseconds until /readyz answers `status`. */
async function untilReadyz(c: TestCluster, status: number): Promise<number> {
  const started = Date.now();
  await expect.poll(() => readyz(c), { timeout: 10_000, interval: 50 }).toBe(status);
  return Date.now() - started;
}

/** A hello while a dependency hangs: refused with a "retry" error within `withinMs`, then closed with a code that says reconnect. */
async function expectHelloFailsFast(c: TestCluster, id: string, withinMs: number): Promise<void> {
  const raw = await RawClient.connect((c.nodes[0] as TestCluster['nodes'][number]).url);
  const started = Date.now();
  const reply = await raw.call('hello', { token: await c.token(citizen(id)) }, 30_000);
  const took = Date.now() - started;
  expect(reply.ok).toBe(false);
  if (!reply.ok) expect(adviceFor(reply.error.code)).toBe('retry');
  expect(closeAdvice(await raw.waitClose())).toBe('resume');
  expect(took).toBeLessThan(withinMs);
}

/** A citizen asks, a lawyer takes it, a message goes each way: the node works. */
async function expectConversation(c: TestCluster, tag: string): Promise<void> {
  const server = { token: c.token, url: (c.nodes[0] as TestCluster['nodes'][number]).url };
  const cit = await Participant.connect(server, citizen(`${tag}-C`));
  const law = await Participant.connect(server, lawyer(`${tag}-L`));
  people.push(cit, law);
  const { consultation } = await cit.client.request('consult.request', { category: 'labor', region: '320200', channel: 'text' });
  await law.client.request('consult.pick', { consultationId: consultation.id });
  await law.client.request('consult.join', { consultationId: consultation.id });
  await cit.client.sendChat(consultation.id, `${tag} 问`).acked;
  await law.next('chat.message', (m) => m.body === `${tag} 问`);
  await law.client.sendChat(consultation.id, `${tag} 答`).acked;
  await cit.next('chat.message', (m) => m.body === `${tag} 答`);
}

/** `DATABASE_URL` with its port replaced by the proxy's. */
function through(p: FaultyProxy): string {
  const url = new URL(DATABASE_URL);
  url.port = String(p.port);
  return url.toString();
}
const databasePort = () => Number(new URL(DATABASE_URL).port || 5432);

describe('a node whose Redis stops answering', () => {
  it('is not ready within 2 s, fails a hello within 1 s with a retry code, and works again once Redis answers', async () => {
    redis = await OwnRedis.start();
    cluster = await startCluster(1, { REDIS_URL: redis.url });
    const c = cluster;
    expect(await readyz(c)).toBe(200);
    await expectConversation(c, 'RH1');

    redis.stop();
    expect(await untilReadyz(c, 503)).toBeLessThan(PROBE_MS + REDIS_DEADLINE_MS + SLACK_MS);
    await expectHelloFailsFast(c, 'RH-C0', REDIS_DEADLINE_MS + SLACK_MS);

    redis.continue();
    expect(await untilReadyz(c, 200)).toBeLessThan(PROBE_MS + REDIS_DEADLINE_MS + SLACK_MS);
    await expectConversation(c, 'RH2');
  }, 60_000);
});

describe('a node whose PostgreSQL stops answering', () => {
  it('is not ready within 3 s, fails a hello within 2.5 s with a retry code, and works again once PostgreSQL answers', async () => {
    proxy = await FaultyProxy.start(databasePort());
    cluster = await startCluster(1, { REDIS_URL: '', DATABASE_URL: through(proxy) });
    const c = cluster;
    expect(await readyz(c)).toBe(200);
    await expectConversation(c, 'PH1');

    proxy.stall();
    expect(await untilReadyz(c, 503)).toBeLessThan(PROBE_MS + DATABASE_DEADLINE_MS + SLACK_MS);
    await expectHelloFailsFast(c, 'PH-C0', DATABASE_DEADLINE_MS + DATABASE_MARGIN_MS + SLACK_MS);

    proxy.resume();
    // A probe sent during the stall was lost: the next one, at most an interval after it gives up, finds the database back.
    expect(await untilReadyz(c, 200)).toBeLessThan(PROBE_MS + DATABASE_DEADLINE_MS + SLACK_MS);
    await expectConversation(c, 'PH2');
  }, 60_000);

  it('does not ack a message whose commit went unanswered, and its resend (same clientMsgId) is the message stored then', async () => {
    proxy = await FaultyProxy.start(databasePort());
    // No background probe: the message is then the only write in flight, a transaction of its own (commit-batcher.ts).
    cluster = await startCluster(1, { REDIS_URL: '', DATABASE_URL: through(proxy), LAWLINE_PROBE_MS: '600000' });
    const c = cluster;
    const node = c.nodes[0] as TestCluster['nodes'][number];
    const law = await Participant.connect({ token: c.token, url: node.url }, lawyer('PD-L'));
    people.push(law);
    const cit = await RawClient.connect(node.url);
    await cit.hello(await c.token(citizen('PD-C')));
    const asked = await cit.call('consult.request', { category: 'labor', region: '320200', channel: 'text' });
    if (!asked.ok) throw new Error(`consult.request refused: ${asked.error.message}`);
    const consultationId = (asked.data as { consultation: { id: string } }).consultation.id;
    await law.client.request('consult.pick', { consultationId });
    await law.client.request('consult.join', { consultationId });
    expect((await cit.call('chat.send', { consultationId, clientMsgId: 'pd-1', body: '一' })).ok).toBe(true);

    // The statement reaches PostgreSQL and commits; its answer never comes back.
    proxy.stall('replies');
    const started = Date.now();
    const lost = await cit.call('chat.send', { consultationId, clientMsgId: 'pd-2', body: '二' }, 30_000);
    expect(lost.ok).toBe(false);
    if (!lost.ok) expect(adviceFor(lost.error.code)).toBe('retry');
    expect(Date.now() - started).toBeLessThan(DATABASE_DEADLINE_MS + DATABASE_MARGIN_MS + SLACK_MS);
    const db = new pg.Client({ connectionString: DATABASE_URL });
    await db.connect();
    const stored = await db.query(`SELECT seq FROM ${c.env.LAWLINE_DATABASE_SCHEMA}.messages WHERE consultation_id = $1 AND client_msg_id = 'pd-2'`, [consultationId]);
    await db.end();
    expect(stored.rows).toHaveLength(1);

    proxy.resume();
    // The client resends, as it must after a 5xxx: the same message, at the seq it was stored at.
    const again = await cit.call('chat.send', { consultationId, clientMsgId: 'pd-2', body: '二' });
    expect(again.ok && (again.data as { seq: number }).seq).toBe(Number((stored.rows[0] as { seq: number }).seq));
    // The first attempt never pushed it: the resend does, so the lawyer need not wait for the next message.
    await expect.poll(() => law.pushes('chat.message').map((m) => m.body), { timeout: 3000 }).toEqual(['一', '二']);
    expect((await cit.call('chat.send', { consultationId, clientMsgId: 'pd-3', body: '三' })).ok).toBe(true);
    const history = await cit.call('consult.history', { consultationId });
    expect(history.ok && (history.data as { messages: { body: string }[] }).messages.map((m) => m.body)).toEqual(['一', '二', '三']);
    // The lawyer's SDK gets every message once, in order.
    await expect.poll(() => law.pushes('chat.message').map((m) => m.body), { timeout: 5000 }).toEqual(['一', '二', '三']);
    cit.close();
  }, 60_000);
});
