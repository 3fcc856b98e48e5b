import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { consultation, storeContract } from '../../../test/contracts/store.ts';
import { DATABASE_URL } from '../../../test/helpers/services.ts';
import type { ConsultationRecord, Person } from '../port.ts';
import { APPEND_MESSAGES } from './append-batch.ts';
import { LOCK_CONSULTATIONS } from './commit-batcher.ts';
import { FIND_REQUEST, insertConsultation } from './create.ts';
import { PgStore } from './index.ts';
import { listQuery } from './list-query.ts';
import { MIGRATIONS } from './migrations.ts';

// Real PostgreSQL (the run's, from the test set-up): each harness gets its
// own schema, dropped afterwards.
const newSchema = () => `lawline_test_${randomBytes(6).toString('hex')}`;
async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
}

/** `count` stores on one fresh schema (as that many nodes); closed, and the schema dropped, after `body`. */
async function onSchema(count: number, body: (stores: PgStore[], schema: string) => Promise<void>): Promise<void> {
  const schema = newSchema();
  const stores: PgStore[] = [];
  try {
    for (let i = 0; i < count; i++) stores.push(await PgStore.open({ url: DATABASE_URL, schema }));
    await body(stores, schema);
  } finally {
    for (const store of stores) await store.close().catch(() => undefined);
    await dropSchema(schema);
  }
}
const withStore = (body: (store: PgStore, schema: string) => Promise<void>) => onSchema(1, ([store], schema) => body(store as PgStore, schema));
const withTwoStores = (body: (a: PgStore, b: PgStore) => Promise<void>) => onSchema(2, ([a, b]) => body(a as PgStore, b as PgStore));

storeContract('postgres', async () => {
  const schema = newSchema();
  let store = await PgStore.open({ url: DATABASE_URL, schema });
  return {
    store,
    async reopen() {
      await store.close();
      store = await PgStore.open({ url: DATABASE_URL, schema });
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

  it('isolates a failing write from the others of its transaction, and counts no seq for it', async () => {
    await withStore(async (store) => {
      const c = consultation({ state: 'active' });
      await store.createConsultation(c);
      const send = (consultationId: string, id: string) => store.appendMessage({ consultationId, from: citizen, clientMsgId: id, body: id, at: 1 });
      // The first write holds the batcher; the next ones ride in one transaction together,
      // where creating the same consultation again fails.
      const first = send(c.id, 'm0');
      const together = [send(c.id, 'm1'), store.createConsultation(c), send('c_missing', 'mx'), send(c.id, 'm2'), send(c.id, 'm1')];
      const settled = await Promise.allSettled([first, ...together]);
      await expect(together[1]).rejects.toThrow(/duplicate key/);
      await expect(together[2]).rejects.toThrow(/unknown consultation/);
      const acks = [settled[0], settled[1], settled[4], settled[5]].map((x) => (x?.status === 'fulfilled' ? [(x.value as Awaited<ReturnType<typeof send>>).message.seq, (x.value as Awaited<ReturnType<typeof send>>).duplicate] : x?.status));
      expect(acks).toEqual([
        [1, false],
        [2, false],
        [3, false],
        [2, true],
      ]);
      expect((await store.getConsultation(c.id))?.lastSeq).toBe(3);
      expect(store.stats().records).toBe(4);
    });
  });

  it('commits many sessions\' messages in few transactions, each acked only after its commit', async () => {
    await withStore(async (store, schema) => {
      const rooms = Array.from({ length: 20 }, () => consultation({ state: 'active' }));
      for (const c of rooms) await store.createConsultation(c);
      const before = store.stats();
      const acks = await Promise.all(rooms.flatMap((c) => Array.from({ length: 10 }, (_, i) => store.appendMessage({ consultationId: c.id, from: citizen, clientMsgId: `m${i}`, body: `${i}`, at: i }))));
      const after = store.stats();
      expect(after.records - before.records).toBe(200);
      expect(after.fsyncs - before.fsyncs).toBeLessThan(50);
      // Every acked message is visible to a fresh connection: the ack came after COMMIT.
      const check = new pg.Client({ connectionString: DATABASE_URL });
      await check.connect();
      const count = await check.query(`SELECT count(*)::int AS n FROM ${schema}.messages`);
      await check.end();
      expect(count.rows[0].n).toBe(acks.length);
    });
  });

  it('lets two stores (two nodes) race on one consultation: one compare-and-set wins, one seq per message', async () => {
    await withTwoStores(async (a, b) => {
      const c = consultation();
      await a.createConsultation(c);
      const lawyer = (id: string): Person => ({ id, role: 'lawyer', name: id });
      const [x, y] = await Promise.all([a.transition(c.id, ['queued'], { state: 'active', lawyer: lawyer('LA'), updatedAt: 1 }), b.transition(c.id, ['queued'], { state: 'active', lawyer: lawyer('LB'), updatedAt: 2 })]);
      expect([x.ok, y.ok].filter(Boolean)).toHaveLength(1);
      const sent = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).appendMessage({ consultationId: c.id, from: citizen, clientMsgId: `r${i % 15}`, body: 'x', at: i })));
      const seqs = new Set(sent.map((s) => s.message.seq));
      expect(seqs.size).toBe(15);
      expect([...seqs].sort((p, q) => p - q)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    });
  });

  it("keeps a citizen's cap when two stores (two nodes) create for them at the same moment, among other citizens' creates", async () => {
    await withTwoStores(async (a, b) => {
      const cap = { maxOpenPerCitizen: 3 };
      const someone = (i: number): Person => ({ id: `C${(i >> 1) % 4}`, role: 'citizen', name: 'x' });
      // Four citizens, 10 requests each, from both nodes at once.
      const outcomes = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).createConsultation(consultation({ citizen: someone(i) }), cap).then((o) => [someone(i).id, o.ok] as const)));
      for (let k = 0; k < 4; k++) {
        expect(outcomes.filter(([id, ok]) => id === `C${k}` && ok)).toHaveLength(3);
        expect(await a.listConsultations({ participantId: `C${k}`, states: ['queued', 'picked', 'active'] })).toHaveLength(3);
      }
    });
  });

  it('makes one consultation of a request sent through two stores (two nodes) at once, capped or not, and hands the others that one', async () => {
    await withTwoStores(async (a, b) => {
      const asker = (k: number): Person => ({ id: `CR${k}`, role: 'citizen', name: 'x' });
      // Ten citizens, each sending one request four times at once: twice through each node, with
      // the cap (the citizen's lock puts them in turn) and without (the unique index alone decides).
      const sent = Array.from({ length: 40 }, (_, i) => ({ citizen: asker(i >> 2), store: i % 2 ? a : b, capped: (i >> 1) % 2 === 1 }));
      const outcomes = await Promise.all(sent.map(({ citizen, store, capped }) => store.createConsultation(consultation({ citizen, clientRequestId: 'q1' }), capped ? { maxOpenPerCitizen: 3 } : {})));
      for (let k = 0; k < 10; k++) {
        const mine = outcomes.slice(4 * k, 4 * k + 4);
        const listed = await b.listConsultations({ participantId: asker(k).id });
        expect(listed).toHaveLength(1);
        expect(mine.filter((o) => o.ok)).toHaveLength(1);
        expect(mine.filter((o) => !o.ok)).toEqual(Array(3).fill({ ok: false, reason: 'duplicate', consultation: listed[0] }));
      }
    });
  });

  it('upgrades a database of the version before request ids in place: its consultations stay, new requests are remembered', async () => {
    const schema = newSchema();
    const old = new pg.Client({ connectionString: DATABASE_URL, options: `-c search_path=${schema}` });
    await old.connect();
    const before = consultation({ state: 'active' });
    try {
      // As a node of the previous release left it: migrations 1-3 and a consultation.
      await old.query(`CREATE SCHEMA ${schema}`);
      await old.query('CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
      for (const m of MIGRATIONS.filter((m) => m.version <= 3)) {
        await old.query(m.sql);
        await old.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      }
      await old.query('INSERT INTO consultations (id, state, category, region, citizen_id, created_at, updated_at, record) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', [before.id, before.state, before.category, before.region, before.citizen.id, before.createdAt, before.updatedAt, before]);
      const store = await PgStore.open({ url: DATABASE_URL, schema });
      try {
        expect(await store.getConsultation(before.id)).toEqual(before);
        const asked = consultation({ clientRequestId: 'q1' });
        expect(await store.createConsultation(asked, { maxOpenPerCitizen: 3 })).toEqual({ ok: true });
        expect(await store.createConsultation(consultation({ clientRequestId: 'q1' }), { maxOpenPerCitizen: 3 })).toEqual({ ok: false, reason: 'duplicate', consultation: asked });
      } finally {
        await store.close();
      }
    } finally {
      await old.end();
      await dropSchema(schema);
    }
  });

  it("waits for another node's create of the same request while it commits, then hands back that one", async () => {
    await withStore(async (store, schema) => {
      const asker: Person = { id: 'CW', role: 'citizen', name: 'x' };
      const theirs = consultation({ citizen: asker, clientRequestId: 'q1' });
      const otherNode = new pg.Client({ connectionString: DATABASE_URL, options: `-c search_path=${schema}` });
      await otherNode.connect();
      try {
        await otherNode.query('BEGIN');
        expect(await insertConsultation(otherNode, theirs)).toBe(true);
        let settled = false;
        const mine = store.createConsultation(consultation({ citizen: asker, clientRequestId: 'q1' })).finally(() => (settled = true));
        await new Promise((r) => setTimeout(r, 300));
        expect(settled).toBe(false);
        await otherNode.query('COMMIT');
        expect(await mine).toEqual({ ok: false, reason: 'duplicate', consultation: theirs });
      } finally {
        await otherNode.end();
      }
    });
  });

  // A store's first write of a burst goes alone; those made while it commits share the next
  // transaction, in the order they were asked for. Each round below starts with a write for
  // someone else, so that the rest meet in one transaction per node, in opposite orders on the
  // two nodes: locks taken job by job would deadlock, and PostgreSQL would fail one of them.
  it("never deadlocks two stores (two nodes) creating for the same citizens in opposite orders, and keeps each citizen's cap", async () => {
    await withTwoStores(async (a, b) => {
      const cap = { maxOpenPerCitizen: 30 };
      const citizens = ['C0', 'C1', 'C2', 'C3'].map((id): Person => ({ id, role: 'citizen', name: id }));
      const burst = (store: PgStore, order: readonly Person[], round: number) => [
        store.createConsultation(consultation({ citizen: { id: `W${round}`, role: 'citizen', name: 'w' } })).then((o) => o.ok),
        ...order.map((citizen) => store.createConsultation(consultation({ citizen }), cap).then((o) => o.ok)),
      ];
      const stored: boolean[] = [];
      // 20 rounds, two creates per citizen each: 40 asked, 30 the cap.
      for (let round = 0; round < 20; round++) stored.push(...(await Promise.all([...burst(a, citizens, round), ...burst(b, [...citizens].reverse(), round)])));
      expect(stored.filter(Boolean)).toHaveLength(40 + 4 * 30);
      for (const { id } of citizens) expect(await a.listConsultations({ participantId: id, states: ['queued', 'picked', 'active'] })).toHaveLength(30);
    });
  });

  // As above, each node's writes after the first of a round share one transaction, and the two
  // nodes' transactions touch the same rows in opposite orders: a state change and another, a
  // state change and a chat message, a read receipt and a message of one consultation (one
  // person reading on two devices, on two nodes), a roster and a state change. Locks taken job
  // by job deadlock: PostgreSQL fails one transaction after deadlock_timeout (1 s), the batch
  // runs again, and the round stalls for that second or its client gets the error.
  it('never deadlocks nor stalls two stores (two nodes) changing and writing to the same consultations in opposite orders', async () => {
    await withTwoStores(async (a, b) => {
      const reader: Person = { id: 'L1', role: 'lawyer', name: 'L1' };
      const [x, y] = [consultation({ state: 'active' }), consultation({ state: 'active' })];
      for (const c of [x, y]) await a.createConsultation(c);
      let n = 0;
      type Op = (store: PgStore) => Promise<unknown>;
      const change = (c: ConsultationRecord): Op => (store) => store.transition(c.id, ['active'], { state: 'active', updatedAt: ++n }).then((r) => expect(r.ok).toBe(true));
      const send = (c: ConsultationRecord): Op => (store) => store.appendMessage({ consultationId: c.id, from: citizen, clientMsgId: `m${++n}`, body: 'x', at: n });
      const read = (c: ConsultationRecord): Op => (store) => store.recordRead({ consultationId: c.id, userId: reader.id, upToSeq: 1, at: ++n });
      const roster: Op = (store) => store.putRoster('2026-11-27', [{ lawyerId: reader.id, day: '2026-11-27', start: '08:00', end: `${10 + (++n % 10)}:00`, categories: ['labor'], region: '320000' }]);
      const crossings: [Op[], Op[]][] = [
        [[change(x), change(y)], [change(y), change(x)]],
        [[change(x), send(y)], [change(y), send(x)]],
        [[read(x), send(x)], [send(x), read(x)]],
        [[roster, change(x)], [change(x), roster]],
      ];
      const rounds: number[] = [];
      for (let round = 0; round < 40; round++) {
        const [onA, onB] = crossings[round % crossings.length] as [Op[], Op[]];
        // The first write of each node goes alone; the rest wait for it and share the next transaction.
        const burst = (store: PgStore, ops: Op[]) => [store.createConsultation(consultation()), ...ops.map((op) => op(store))];
        const started = performance.now();
        await Promise.all([...burst(a, onA), ...burst(b, onB)]);
        rounds.push(performance.now() - started);
      }
      // A round takes a few milliseconds; one that waited out a deadlock takes over a second.
      expect(Math.max(...rounds)).toBeLessThan(500);
      // Every write went through once: 10 rounds of each crossing, x written in two of them, y in one.
      expect([(await a.getConsultation(x.id))?.lastSeq, (await a.getConsultation(y.id))?.lastSeq]).toEqual([30, 10]);
    });
  });

  it('chains audit records from two stores (two nodes) appending at the same moment, none refused', async () => {
    await withTwoStores(async (a, b) => {
      const actor: Person = { id: 'S1', role: 'supervisor', name: 'S1' };
      const appended = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).appendAudit({ at: i, actor, action: 'consult.history.read', subject: `c${i}` })));
      expect(appended.map((r) => r.index).sort((p, q) => p - q)).toEqual(Array.from({ length: 40 }, (_, i) => i));
      expect(await a.verifyAudit()).toEqual({ records: 40, firstBroken: -1 });
    });
  });

  it('judges a sender on the consultation as another node left it, not as this node cached it', async () => {
    await withTwoStores(async (a, b) => {
      const lawyer: Person = { id: 'LA', role: 'lawyer', name: 'LA' };
      const c = consultation({ state: 'picked', lawyer });
      await a.createConsultation(c);
      const whenActive = (r: ConsultationRecord) => r.state === 'active';
      const send = (store: PgStore, id: string, from: Person) => store.appendIfAdmitted({ consultationId: c.id, from, clientMsgId: id, body: id, at: 1 }, whenActive);
      // a has it cached as picked; b makes it active: a's refusal must not stand on its cache.
      expect(await send(a, 'early', lawyer)).toMatchObject({ ok: false, reason: 'refused' });
      expect((await b.transition(c.id, ['picked'], { state: 'active', updatedAt: 2 })).ok).toBe(true);
      expect(await send(a, 'm1', lawyer)).toMatchObject({ ok: true, message: { seq: 1 }, consultation: { state: 'active' } });
      // a has it cached as active; b closes it: a must not let a message in after the close.
      expect((await b.transition(c.id, ['active'], { state: 'closed', updatedAt: 3 })).ok).toBe(true);
      expect(await send(a, 'm2', citizen)).toMatchObject({ ok: false, reason: 'refused', consultation: { state: 'closed', lastSeq: 1 } });
      // Many at once, some stale: every one is judged on the closed state, none is stored.
      const late = await Promise.all(Array.from({ length: 20 }, (_, i) => send(i % 2 ? a : b, `late${i}`, citizen)));
      expect(late.every((r) => !r.ok && r.reason === 'refused')).toBe(true);
      expect((await a.history(c.id, { limit: 50 })).messages.map((m) => m.clientMsgId)).toEqual(['m1']);
    });
  });

  it('caches open consultations only: one that ended is dropped, however many the node saw end', async () => {
    await withStore(async (store) => {
      const lawyer: Person = { id: 'LA', role: 'lawyer', name: 'LA' };
      const whenActive = (r: ConsultationRecord) => r.state === 'active';
      const send = (id: string, clientMsgId: string) => store.appendIfAdmitted({ consultationId: id, from: citizen, clientMsgId, body: clientMsgId, at: 1 }, whenActive);
      const open = consultation({ state: 'active', lawyer });
      await store.createConsultation(open);
      expect(await send(open.id, 'open')).toMatchObject({ ok: true });
      const baseline = store.cachedConsultations;
      for (let i = 0; i < 40; i++) {
        const c = consultation({ state: 'active', lawyer });
        await store.createConsultation(c);
        expect(await send(c.id, `m${i}`)).toMatchObject({ ok: true });
        const ended = i % 2 ? 'closed' : 'cancelled';
        expect((await store.transition(c.id, ['active'], { state: ended, updatedAt: 2 })).ok).toBe(true);
        // Read again after its end (a snapshot, a list), and written to late: neither keeps it.
        expect(await store.getConsultation(c.id)).toMatchObject({ state: ended });
        expect(await send(c.id, `late${i}`)).toMatchObject({ ok: false, reason: 'refused' });
      }
      expect(store.cachedConsultations).toBe(baseline);
      expect(await send(open.id, 'open again')).toMatchObject({ ok: true, message: { seq: 2 } });
    });
  });

  it('survives its connections being terminated: acked messages stay, the failed write is retried, readiness recovers', async () => {
    const schema = newSchema();
    const app = `lawline-cut-${randomBytes(4).toString('hex')}`;
    const store = await PgStore.open({ url: DATABASE_URL, schema, applicationName: app, onError: () => undefined });
    const admin = new pg.Client({ connectionString: DATABASE_URL });
    await admin.connect();
    try {
      const c = consultation({ state: 'active' });
      await store.createConsultation(c);
      const send = (id: string) => store.appendMessage({ consultationId: c.id, from: citizen, clientMsgId: id, body: id, at: 1 });
      await send('before');
      const cut = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [app]);
      expect(cut.rowCount).toBeGreaterThan(0);
      // The SDK resends unacked messages with the same id; do what it does until one is acked.
      let acked: Awaited<ReturnType<typeof send>> | undefined;
      for (let attempt = 0; attempt < 5 && !acked; attempt++) acked = await send('after').catch(() => undefined);
      expect(acked?.message.seq).toBe(2);
      expect((await send('after')).duplicate).toBe(true);
      await expect.poll(() => store.ready(), { timeout: 3000 }).toBe(true);
      expect((await store.history(c.id, { limit: 10 })).messages.map((m) => m.clientMsgId)).toEqual(['before', 'after']);
    } finally {
      await admin.end();
      await store.close();
      await dropSchema(schema);
    }
  });
});

describe('PostgreSQL store plans', () => {
  // The store's connections plan each statement once, generically, perhaps while the tables are
  // still empty; these are the plans it keeps.
  async function plan(text: string, types: string, args: string, settings = ''): Promise<string> {
    const schema = newSchema();
    const store = await PgStore.open({ url: DATABASE_URL, schema });
    const client = new pg.Client({ connectionString: DATABASE_URL, options: `-c search_path=${schema} -c plan_cache_mode=force_generic_plan ${settings}` });
    await client.connect();
    try {
      await client.query(`PREPARE s ${types ? `(${types}) ` : ''}AS ${text}`);
      const r = await client.query(`EXPLAIN EXECUTE s ${args ? `(${args})` : ''}`);
      return r.rows.map((row: Record<string, string>) => row['QUERY PLAN']).join('\n');
    } finally {
      await client.end();
      await store.close();
      await dropSchema(schema);
    }
  }

  it('appends chat messages by index lookups, even with a plan made on empty tables', async () => {
    const text = await plan(APPEND_MESSAGES, 'text[], text[], text[], text[], text[], bigint[], integer[]', `'{c1}', '{C1}', '{m1}', '{"{}"}', '{hi}', '{1}', '{0}'`);
    expect(text).toMatch(/Index Scan using \S+ on messages/);
    expect(text).toMatch(/Index Scan using consultations_pkey on consultations/);
    expect(text).not.toMatch(/Seq Scan on (messages|consultations)/);
  });

  it("locks a batch's consultations one by one in id order, by index", async () => {
    // The sorted ids drive the loop, so rows are locked in their order, not in the table's.
    const text = await plan(LOCK_CONSULTATIONS, 'text[]', `'{c2,c1}'`);
    expect(text).toMatch(/Nested Loop[\s\S]*Sort Key[\s\S]*LockRows[\s\S]*Index Scan using consultations_pkey on consultations/);
  });

  it("finds a citizen's request id by its unique index under a generic plan", async () => {
    expect(await plan(FIND_REQUEST, 'text, text', `'C1', 'q1'`, '-c enable_seqscan=off')).toMatch(/Index Scan using consultations_client_request on consultations/);
  });

  it('can list open consultations from their partial index under a generic plan', async () => {
    // Whether the planner takes the index depends on sizes; that it can is what a literal state list buys.
    const { text, values } = listQuery({ states: ['queued', 'picked', 'active'], categories: ['labor'] });
    const explained = await plan(text, values.map(() => 'text[]').join(', '), values.map((v) => `'{${String(v)}}'`).join(', '), '-c enable_seqscan=off');
    expect(explained).toMatch(/consultations_open/);
    expect(() => listQuery({ states: ["queued') OR true --" as never] })).toThrow(/unknown consultation state/);
  });

  it('lists the queued consultations (the queue reconciler, every second) from the open index, even with a plan made on empty tables', async () => {
    const { text, values } = listQuery({ states: ['queued'] });
    expect(values).toEqual([]);
    const explained = await plan(text, '', '');
    expect(explained).toMatch(/Index Scan using consultations_open on consultations/);
    expect(explained).not.toMatch(/Seq Scan on consultations/);
  });

  it("reads a page of a citizen's ended consultations from the citizen's index, in its order, stopping at the page", async () => {
    // A citizen's years of consultations: walked newest first from the cursor, never all read and sorted.
    const { text, values } = listQuery({ citizenId: 'C1', states: ['closed', 'cancelled'], before: { createdAt: 1, id: 'c1' }, limit: 21 });
    expect(values).toHaveLength(4);
    const explained = await plan(text, 'text, bigint, text, integer', `'C1', 1, 'c1', 21`);
    expect(explained).toMatch(/Limit[\s\S]*Index Scan using consultations_citizen on consultations[\s\S]*Index Cond: \(\(citizen_id = \$1\) AND \(ROW\(created_at/);
    expect(explained).not.toMatch(/Seq Scan|Sort/);
  });

  it('can list the open message consultations (the message desk, every second) from their own index', async () => {
    const { text } = listQuery({ states: ['queued', 'active'], channel: 'message' });
    expect(await plan(text, 'text', `'message'`, '-c enable_seqscan=off')).toMatch(/consultations_open_channel/);
  });
});
