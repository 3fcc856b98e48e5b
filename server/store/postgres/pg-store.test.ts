import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { consultation, storeContract } from '../contract.ts';
import type { Person } from '../port.ts';
import { PgStore } from './index.ts';

// Real PostgreSQL (DATABASE_URL, default the machine's local server): each harness gets its
// own schema, dropped afterwards.
const URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const newSchema = () => `lawline_test_${randomBytes(6).toString('hex')}`;
async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
}

storeContract('postgres', async () => {
  const schema = newSchema();
  let store = await PgStore.open({ url: URL, schema });
  return {
    store,
    async reopen() {
      await store.close();
      store = await PgStore.open({ url: URL, schema });
      return store;
    },
    async cleanup() {
      await store.close().catch(() => undefined);
      await dropSchema(schema);
    },
  };
});

describe('PostgreSQL store', () => {
  const citizen: Person = { id: 'C1', role: 'citizen', name: '张三' };

  it('commits many sessions\' messages in few transactions, each acked only after its commit', async () => {
    const schema = newSchema();
    const store = await PgStore.open({ url: URL, schema });
    try {
      const rooms = Array.from({ length: 20 }, () => consultation({ state: 'active' }));
      for (const c of rooms) await store.createConsultation(c);
      const before = store.stats();
      const acks = await Promise.all(rooms.flatMap((c) => Array.from({ length: 10 }, (_, i) => store.appendMessage({ consultationId: c.id, from: citizen, clientMsgId: `m${i}`, body: `${i}`, at: i }))));
      const after = store.stats();
      expect(after.records - before.records).toBe(200);
      expect(after.fsyncs - before.fsyncs).toBeLessThan(50);
      // Every acked message is visible to a fresh connection: the ack came after COMMIT.
      const check = new pg.Client({ connectionString: URL });
      await check.connect();
      const count = await check.query(`SELECT count(*)::int AS n FROM ${schema}.messages`);
      await check.end();
      expect(count.rows[0].n).toBe(acks.length);
    } finally {
      await store.close();
      await dropSchema(schema);
    }
  });

  it('lets two stores (two nodes) race on one consultation: one compare-and-set wins, one seq per message', async () => {
    const schema = newSchema();
    const [a, b] = [await PgStore.open({ url: URL, schema }), await PgStore.open({ url: URL, schema })];
    try {
      const c = consultation();
      await a.createConsultation(c);
      const lawyer = (id: string): Person => ({ id, role: 'lawyer', name: id });
      const [x, y] = await Promise.all([a.transition(c.id, ['queued'], { state: 'active', lawyer: lawyer('LA'), updatedAt: 1 }), b.transition(c.id, ['queued'], { state: 'active', lawyer: lawyer('LB'), updatedAt: 2 })]);
      expect([x.ok, y.ok].filter(Boolean)).toHaveLength(1);
      const sent = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).appendMessage({ consultationId: c.id, from: citizen, clientMsgId: `r${i % 15}`, body: 'x', at: i })));
      const seqs = new Set(sent.map((s) => s.message.seq));
      expect(seqs.size).toBe(15);
      expect([...seqs].sort((p, q) => p - q)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    } finally {
      await a.close();
      await b.close();
      await dropSchema(schema);
    }
  });
});
