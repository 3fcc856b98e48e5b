import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../protocol/errors.ts';
import type { ServerFrame } from '../protocol/frames.ts';
import { citizen, lawyer } from './helpers/people.ts';
import { consultationOf, isPush, SignedIn } from './helpers/raw-client.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';
import { DATABASE_URL } from './helpers/services.ts';

// A lawyer picks or accepts a consultation: the node takes it from the live queue into their
// hold, then writes the record. Here that write fails for real: another connection holds the
// consultation's row locked past the node's statement deadline, and PostgreSQL cancels the
// write. Before, the hold stayed and the consultation, queued in the store, was never offered
// or pickable again (the queue reconciler left held ones alone). A node on PostgreSQL with a
// 300 ms deadline; the reconciler's grace is then 1.3 s, and the checks below come before it.

const schema = `lawline_claimfail_${randomBytes(5).toString('hex')}`;
const DEADLINE_MS = 300;
let server: TestServer;
const people = new SignedIn(() => server);

beforeAll(async () => {
  server = await startTestServer({ DATABASE_URL, LAWLINE_DATABASE_SCHEMA: schema, LAWLINE_DATABASE_TIMEOUT_MS: String(DEADLINE_MS) });
});
afterAll(async () => {
  await server.cleanup();
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
});
afterEach(() => people.closeAll());

type Push = ServerFrame & { type: 'push' };
const offerOf = (f: Push) => f.data as { consultation: { id: string }; expiresAt: number };
/** The push `event` about consultation `id`. */
const about = (event: 'offer' | 'offer.ended', id: string) => (f: ServerFrame): f is Push =>
  isPush(event)(f) && (event === 'offer' ? offerOf(f).consultation.id : (f.data as { consultationId: string }).consultationId) === id;

async function requested(citizenId: string): Promise<string> {
  const cit = await people.as(citizen(citizenId));
  return consultationOf(await cit.call('consult.request', { category: 'labor', region: '320200', channel: 'text' })).id;
}

/** Holds the consultation's row locked from another connection until the returned function is called. */
async function rowLocked(id: string): Promise<() => Promise<void>> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  await client.query('BEGIN');
  const locked = await client.query(`SELECT 1 FROM ${schema}.consultations WHERE id = $1 FOR UPDATE`, [id]);
  expect(locked.rowCount).toBe(1);
  return async () => {
    await client.query('ROLLBACK');
    await client.end();
  };
}

describe('a pick or an accept whose write PostgreSQL cancels (the row locked past the deadline)', () => {
  it('answers the pick with an error, and the consultation can be picked at once by another lawyer', async () => {
    // Nobody on duty: the request waits unoffered, to be picked.
    const id = await requested('C-pick');
    const first = await people.as(lawyer('L-pick1'));
    const unlock = await rowLocked(id);
    const failed = await first.call('consult.pick', { consultationId: id });
    await unlock();
    expect(failed.ok ? undefined : failed.error.code).toBe(ErrorCode.INTERNAL);

    const second = await people.as(lawyer('L-pick2'));
    expect(consultationOf(await second.call('consult.pick', { consultationId: id }))).toMatchObject({ id, state: 'picked', lawyer: { id: 'L-pick2' } });
  });

  it('answers the accept with an error, ends that offer, offers the consultation again, and the next accept takes it', async () => {
    const law = await people.as(lawyer('L-accept'));
    expect((await law.call('duty.on', {})).ok).toBe(true);
    const id = await requested('C-accept');
    const offered = offerOf(await law.waitFor(about('offer', id)));

    const unlock = await rowLocked(id);
    const failed = await law.call('offer.accept', { consultationId: id });
    await unlock();
    expect(failed.ok ? undefined : failed.error.code).toBe(ErrorCode.INTERNAL);
    const ended = await law.waitFor(about('offer.ended', id));
    expect(ended.data).toMatchObject({ outcome: 'withdrawn', expiresAt: offered.expiresAt });

    const again = offerOf(await law.waitFor(about('offer', id), 3000));
    expect(again.expiresAt).toBeGreaterThan(offered.expiresAt);
    expect(consultationOf(await law.call('offer.accept', { consultationId: id }))).toMatchObject({ id, state: 'active', lawyer: { id: 'L-accept' } });
  });
});
