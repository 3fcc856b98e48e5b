import pg from 'pg';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { LawlineClient } from '../clients/sdk/index.ts';
import { RedisBackplane } from '../server/backplane/redis/index.ts';
import { openPgStore } from '../server/store/postgres/index.ts';
import type { ConsultationRecord } from '../server/store/port.ts';
import { startCluster, type TestCluster } from './helpers/cluster.ts';
import { citizen, lawyer } from './helpers/people.ts';
import { FaultyProxy } from './helpers/proxy.ts';
import { Participant } from './helpers/recorder.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';
import { DATABASE_URL, REDIS_URL } from './helpers/services.ts';

// A node killed between committing a request and queueing it leaves the consultation queued in
// the store and in no queue: no lawyer was ever offered it, and the citizen's resend (same
// clientRequestId) only found it. The leading node's reconciler puts it back, so it is offered
// within its grace plus two passes (server/cluster/queue-reconciler.ts): at the defaults 3 s + 2 s
// on the embedded node, and here 1 s + 2 × 1 s + 1 s + 2 s on the cluster with 1 s deadlines.
// First what a crashed node leaves, written straight to the store; then a real kill -9 of a node
// whose enqueue is on its way to Redis; then one of a node whose pick had taken the consultation
// into a lawyer's hold and was writing the record.

const REQUEST = { category: 'labor', region: '320200', channel: 'text' } as const;
const OFFERED_WITHIN_MS = 10_000;
const FAST_DEADLINES = { LAWLINE_DATABASE_TIMEOUT_MS: '1000', LAWLINE_REDIS_TIMEOUT_MS: '1000' };

/** The record of a request as its node committed it before it was killed: queued, with the citizen's request id. */
const leftQueued = (id: string, at = Date.now()): ConsultationRecord => ({
  id,
  state: 'queued',
  category: 'labor',
  region: '320200',
  channel: 'text',
  citizen: { id: 'C1', role: 'citizen', name: '张三' },
  clientRequestId: `r-${id}`,
  createdAt: at,
  updatedAt: at,
  lastSeq: 0,
});

describe('a consultation stored as queued that no queue offers (its node stopped mid-step)', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  const join = async (server: Pick<TestServer, 'token' | 'url'>, claims: Parameters<TestServer['token']>[0]) => {
    const p = await Participant.connect(server, claims);
    cleanups.push(async () => p.close());
    return p;
  };

  /** The citizen resends the request: the same consultation comes back; then the lawyer on duty is offered it, and takes it. */
  const resentThenOffered = async (cit: Participant, law: Participant, id: string, clientRequestId = `r-${id}`) => {
    const { consultation } = await cit.client.request('consult.request', { ...REQUEST, clientRequestId });
    expect(consultation).toMatchObject({ id, state: 'queued' });
    await law.next('offer', (o) => o.consultation.id === id, OFFERED_WITHIN_MS);
    expect((await law.client.request('offer.accept', { consultationId: id })).consultation).toMatchObject({ id, state: 'active' });
  };

  it('is offered to a lawyer on duty within the bound on the embedded node', async () => {
    const server = await startTestServer();
    cleanups.push(() => server.cleanup());
    await server.node.store.createConsultation(leftQueued('c_lost'));
    const law = await join(server, lawyer('L1'));
    await law.client.request('duty.on', {});
    await resentThenOffered(await join(server, citizen('C1')), law, 'c_lost');
  }, 20_000);

  it('is offered to a lawyer on duty within the bound on a 2-node cluster', async () => {
    const cluster = await startCluster(2, FAST_DEADLINES);
    cleanups.push(() => cluster.cleanup());
    const store = await openPgStore({ url: DATABASE_URL, schema: cluster.env.LAWLINE_DATABASE_SCHEMA as string });
    cleanups.push(() => store.close());
    await store.createConsultation(leftQueued('c_lost'));
    // Whichever node leads, the lawyer and the citizen are on different nodes.
    const law = await join(nodeOf(cluster, 1), lawyer('L1'));
    await law.client.request('duty.on', {});
    await resentThenOffered(await join(nodeOf(cluster, 0), citizen('C1')), law, 'c_lost');
  }, 60_000);

  it('is offered after a real kill -9 of the node whose enqueue was on its way to Redis', async () => {
    // B leads (it started first) and serves the lawyer; A reaches Redis through a proxy that
    // drops what A sends from the moment A's request is stalled, so A's enqueue never lands.
    const cluster = await startCluster(1, FAST_DEADLINES);
    cleanups.push(() => cluster.cleanup());
    const proxy = await FaultyProxy.start(Number(new URL(REDIS_URL).port || 6379));
    cleanups.push(() => proxy.close());
    // Long enough that A is still waiting for Redis when it is killed.
    const a = await cluster.add({ REDIS_URL: `redis://127.0.0.1:${proxy.port}`, LAWLINE_REDIS_TIMEOUT_MS: '30000' });
    const b = nodeOf(cluster, 0);
    const law = await join(b, lawyer('L1'));
    await law.client.request('duty.on', {});

    const onA = new LawlineClient({ url: a.url, token: await cluster.token(citizen('C1')), WebSocket, reconnect: { minDelayMs: 50, maxDelayMs: 200 } });
    await onA.connect();
    cleanups.push(async () => onA.close());
    proxy.stall('both');
    const asked = onA.request('consult.request', { ...REQUEST, clientRequestId: 'r-killed' });
    asked.catch(() => undefined);
    const id = await committed(cluster, 'r-killed');
    a.proc.kill('SIGKILL');
    await a.exited;
    expect(await listQueue(cluster)).toEqual([]);

    await resentThenOffered(await join(b, citizen('C1')), law, id, 'r-killed');
  }, 60_000);

  it('is offered again after a real kill -9 of the node whose pick was writing its record: the hold it left goes after the grace', async () => {
    // B leads (it started first). The consultation's row is locked from another connection, so
    // A's pick, with a deadline long enough, is still writing when A is killed: the pick took it
    // from the queue into L1's hold in Redis, and the record says queued.
    const cluster = await startCluster(1, FAST_DEADLINES);
    cleanups.push(() => cluster.cleanup());
    const a = await cluster.add({ LAWLINE_DATABASE_TIMEOUT_MS: '30000' });
    const b = nodeOf(cluster, 0);
    const { consultation } = await (await join(b, citizen('C1'))).client.request('consult.request', REQUEST);
    const picker = await join({ token: cluster.token, url: a.url }, lawyer('L1'));
    const lock = await RowLock.take(cluster, consultation.id);
    cleanups.push(() => lock.release());
    picker.client.request('consult.pick', { consultationId: consultation.id }).catch(() => undefined);
    await expect.poll(() => lock.waiting(), { timeout: 10_000, interval: 20 }).toHaveLength(1);
    a.proc.kill('SIGKILL');
    await a.exited;
    // PostgreSQL would run the dead node's waiting write once the lock goes; its connection is gone, so it ends it.
    await lock.endWaiting();
    await lock.release();
    expect(await listQueue(cluster)).toEqual([]);

    const law = await join(b, lawyer('L2'));
    await law.client.request('duty.on', {});
    await law.next('offer', (o) => o.consultation.id === consultation.id, OFFERED_WITHIN_MS);
    expect((await law.client.request('offer.accept', { consultationId: consultation.id })).consultation).toMatchObject({ id: consultation.id, state: 'active' });
  }, 60_000);
});

/** A consultation's row held locked from a connection of the test's own, and the backends its lock keeps waiting. */
class RowLock {
  private constructor(
    private readonly holder: pg.Client,
    private readonly watcher: pg.Client,
    private readonly pid: number,
  ) {}

  static async take(cluster: TestCluster, id: string): Promise<RowLock> {
    const [holder, watcher] = [new pg.Client({ connectionString: DATABASE_URL }), new pg.Client({ connectionString: DATABASE_URL })];
    await holder.connect();
    await watcher.connect();
    await holder.query('BEGIN');
    const locked = await holder.query(`SELECT 1 FROM ${cluster.env.LAWLINE_DATABASE_SCHEMA}.consultations WHERE id = $1 FOR UPDATE`, [id]);
    if (locked.rowCount !== 1) throw new Error(`no row ${id}`);
    return new RowLock(holder, watcher, (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid as number);
  }

  /** The backends waiting for this lock (read on another connection: one in a transaction sees a snapshot of pg_stat_activity). */
  async waiting(): Promise<number[]> {
    return (await this.watcher.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))', [this.pid])).rows.map((r) => r.pid);
  }

  async endWaiting(): Promise<void> {
    for (const pid of await this.waiting()) await this.watcher.query('SELECT pg_terminate_backend($1)', [pid]);
  }

  private released = false;
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.holder.query('ROLLBACK');
    await this.holder.end();
    await this.watcher.end();
  }
}

function nodeOf(cluster: TestCluster, i: number): Pick<TestServer, 'token' | 'url'> {
  const node = cluster.nodes[i];
  if (!node) throw new Error(`no node ${i}`);
  return { token: cluster.token, url: node.url };
}

/** The id of the consultation the request made, once its row is committed in PostgreSQL. */
async function committed(cluster: TestCluster, clientRequestId: string): Promise<string> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    let id: string | undefined;
    await expect
      .poll(async () => {
        const rows = await client.query<{ id: string }>(`SELECT id FROM ${cluster.env.LAWLINE_DATABASE_SCHEMA}.consultations WHERE client_request_id = $1`, [clientRequestId]);
        return (id = rows.rows[0]?.id);
      }, { timeout: 10_000, interval: 20 })
      .toBeDefined();
    return id as string;
  } finally {
    await client.end();
  }
}

/** The ids in the cluster's live queue, read from Redis. */
async function listQueue(cluster: TestCluster): Promise<string[]> {
  const bp = await RedisBackplane.open({ url: REDIS_URL, prefix: cluster.env.LAWLINE_REDIS_PREFIX as string });
  try {
    return (await bp.queue.listQueue()).map((e) => e.consultationId);
  } finally {
    await bp.close();
  }
}
