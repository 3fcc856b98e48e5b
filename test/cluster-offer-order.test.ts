import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisBackplane } from '../server/backplane/redis/index.ts';
import { citizen, lawyer } from './helpers/people.ts';
import { FaultyProxy } from './helpers/proxy.ts';
import { Participant } from './helpers/recorder.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';
import { DATABASE_URL, REDIS_URL } from './helpers/services.ts';

// Two nodes of one cluster each deliver their own pushes to the other. Node B offers a request
// to L1, whose device is on node A; the citizen cancels on node A, which withdraws the offer and
// tells L1's device at once; B's push of the offer, held back in a proxy in front of B's
// delivery connection, arrives after. The device must not ring for an offer already over.

describe('an offer and its end pushed by two nodes', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it("an offer reaching the lawyer's device after its own end (from another node) does not ring", async () => {
    const id = randomBytes(5).toString('hex');
    const dir = mkdtempSync(join(tmpdir(), 'lawline-offer-order-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const cluster = { REDIS_URL, LAWLINE_REDIS_PREFIX: `lawline-oo-${id}`, DATABASE_URL, LAWLINE_DATABASE_SCHEMA: `lawline_oo_${id}` };
    cleanups.push(async () => {
      const client = new pg.Client({ connectionString: DATABASE_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${cluster.LAWLINE_DATABASE_SCHEMA} CASCADE`);
      await client.end();
    });
    const hold = await FaultyProxy.start(Number(new URL(REDIS_URL).port || 6379));
    cleanups.push(() => hold.close());
    const started = async (env: Record<string, string>): Promise<TestServer> => {
      const s = await startTestServer({ ...cluster, ...env }, dir);
      cleanups.push(() => s.stop());
      return s;
    };
    // Only B offers (A routes by manual picks), so the offer is B's push; B's commands may wait in the proxy well past a tick.
    const a = await started({ LAWLINE_ROUTING: 'manual' });
    const b = await started({ REDIS_URL: `redis://127.0.0.1:${hold.port}`, LAWLINE_REDIS_TIMEOUT_MS: '10000' });
    const shared = await RedisBackplane.open({ url: REDIS_URL, prefix: cluster.LAWLINE_REDIS_PREFIX });
    cleanups.push(() => shared.close());
    const connect = async (server: TestServer, claims: Parameters<TestServer['token']>[0]) => {
      const p = await Participant.connect(server, claims);
      cleanups.push(async () => p.close());
      return p;
    };

    const cit = await connect(b, citizen('C1'));
    const { consultation } = await cit.client.request('consult.request', { category: 'labor', region: '320200', channel: 'text' });
    const law = await connect(a, lawyer('L1'));
    // B's cross-node pushes wait from here on; its claims in the backplane do not.
    expect(hold.hold(/:cmd$/)).toBe(1);
    await law.client.request('duty.on', {});
    let offered: { expiresAt: number } | undefined;
    await expect.poll(async () => (offered = (await shared.queue.listOffers()).find((o) => o.consultationId === consultation.id)), { timeout: 5000, interval: 20 }).toBeDefined();

    const citOnA = await connect(a, citizen('C1'));
    await citOnA.client.request('consult.cancel', { consultationId: consultation.id });
    const ended = await law.next('offer.ended', (e) => e.consultationId === consultation.id);
    expect(ended).toEqual({ consultationId: consultation.id, outcome: 'withdrawn', expiresAt: offered?.expiresAt });

    hold.release();
    // B's next offer comes after the held one: once it is here, the held one was too.
    const { consultation: next } = await cit.client.request('consult.request', { category: 'labor', region: '320200', channel: 'text' });
    await law.next('offer', (o) => o.consultation.id === next.id, 5000);

    expect(law.pushes('offer').map((o) => o.consultation.id)).toEqual([next.id]);
    expect(law.client.openOffers().map((o) => o.consultation.id)).toEqual([next.id]);
  });
});
