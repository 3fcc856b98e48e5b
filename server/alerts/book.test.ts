import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { DATABASE_URL } from '../../test/helpers/services.ts';
import { createLogger } from '../log.ts';
import { PgStore } from '../store/postgres/index.ts';
import type { AlertRecord } from '../store/port.ts';
import { AlertBook, type AlertEvent, type Candidate } from './book.ts';
import { CompiledRules } from './rules.ts';

const parsed = CompiledRules.parse(readFileSync(fileURLToPath(new URL('./rules.default.json', import.meta.url)), 'utf8'));
if (!parsed.ok) throw new Error(parsed.error);
const rules = parsed.value;
const candidate: Candidate = { id: 'ct.c1.violence', kind: 'content', riskType: 'violence', level: 'IV', score: 4, rules: ['violence/报复'], consultationId: 'c1' };

/**
 * Two nodes (two stores on one PostgreSQL schema, two books) doing the same steps at once: the
 * compare-and-set lets each step happen once, so escalation may run on every node (it runs on
 * the leader) and a raise seen by two nodes is one alert.
 */
describe('alert book on two nodes at once (PostgreSQL)', () => {
  it('raises once, escalates each level once, and an acknowledgement stops escalation whichever comes first', async () => {
    const schema = `lawline_test_${randomBytes(6).toString('hex')}`;
    const stores = [await PgStore.open({ url: DATABASE_URL, schema }), await PgStore.open({ url: DATABASE_URL, schema })];
    try {
      let now = 1_000_000;
      const events: [AlertEvent, string][] = [];
      const books = stores.map(
        (store) => new AlertBook({ store, rules: () => rules, clock: () => now, log: createLogger('silent'), changed: (a: AlertRecord, e) => events.push([e, a.level]) }),
      );
      const [a, b] = books as [AlertBook, AlertBook];
      await Promise.all([a.raise(candidate), b.raise(candidate), a.raise(candidate)]);
      expect(events).toEqual([['raised', 'IV']]);
      for (const level of ['III', 'II', 'I'] as const) {
        now += 24 * 3_600_000;
        const done = await Promise.all([a.escalateDue(), b.escalateDue(), a.escalateDue(), b.escalateDue()]);
        expect(done.reduce((x, y) => x + y)).toBe(1);
        expect(events.at(-1)).toEqual(['escalated', level]);
      }
      now += 24 * 3_600_000;
      expect((await Promise.all([a.escalateDue(), b.escalateDue()])).reduce((x, y) => x + y)).toBe(0);

      // A second alert: acknowledged on one node while the other escalates it.
      await a.raise({ ...candidate, id: 'ct.c2.violence', consultationId: 'c2' });
      now += rules.file.levels.IV.ackWithinMs;
      const [acked] = await Promise.all([b.acknowledge('ct.c2.violence', { id: 'S1', role: 'supervisor', name: '督导' }), a.escalateDue()]);
      expect(acked).toMatchObject({ ok: true, alert: { state: 'acknowledged' } });
      now += 24 * 3_600_000;
      expect(await a.escalateDue()).toBe(0);
      const final = await stores[1]?.getAlert('ct.c2.violence');
      expect(final?.escalateAt).toBeUndefined();
      expect(final?.history.map((s) => s.action).filter((x) => x === 'acknowledged')).toHaveLength(1);
    } finally {
      for (const s of stores) await s.close();
      const client = new pg.Client({ connectionString: DATABASE_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    }
  });
});
