import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../protocol/errors.ts';
import type { ServerFrame } from '../protocol/frames.ts';
import { citizen, lawyer } from './helpers/people.ts';
import { consultationOf, isPush, SignedIn, type RawClient } from './helpers/raw-client.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';
import { DATABASE_URL } from './helpers/services.ts';

// A lawyer on a bad network accepts an offer, the accept goes through, and its answer is lost:
// the console (or the SDK, after a lost connection) sends it again. The offer went with the
// first accept; answered "offer gone" (3006), the console dropped a consultation the lawyer
// holds. A repeat from the lawyer who holds it is answered with it, as the first was; anyone
// else's accept still gets 3006. On the file store and on PostgreSQL, where the first accept's
// write is not seen by a read until it commits.

const schema = `lawline_accept_${randomBytes(5).toString('hex')}`;
let server: TestServer;
const people = new SignedIn(() => server);
afterEach(() => people.closeAll());

type Reply = Awaited<ReturnType<RawClient['call']>>;

/** A citizen's request, offered to `lawyerId` (on duty on `law`): its id. */
async function offeredTo(law: RawClient, citizenId: string): Promise<{ id: string; cit: RawClient }> {
  const cit = await people.as(citizen(citizenId));
  const id = consultationOf(await cit.call('consult.request', { category: 'labor', region: '320200', channel: 'text' })).id;
  await law.waitFor((f) => isPush('offer')(f) && (f.data as { consultation: { id: string } }).consultation.id === id);
  return { id, cit };
}

/** A citizen's traffic request, which no lawyer on duty here serves: it waits to be picked. */
async function waitingToBePicked(citizenId: string): Promise<{ id: string; cit: RawClient }> {
  const cit = await people.as(citizen(citizenId));
  return { id: consultationOf(await cit.call('consult.request', { category: 'traffic', region: '320200', channel: 'text' })).id, cit };
}
const picker = (id: string) => lawyer(id, '赵律师', ['traffic']);

const stateOf = (f: ServerFrame) => (f as { data: { consultation: { id: string; state: string } } }).data.consultation;
const became = (cit: RawClient, id: string, state: string) => cit.waitFor((f) => isPush('consult.state')(f) && stateOf(f).id === id && stateOf(f).state === state);
/** Nothing more is pushed to the citizen about the consultation becoming `state` (a repeat told them nothing). */
async function toldNoMore(cit: RawClient, state: string): Promise<void> {
  await new Promise((r) => setTimeout(r, 100));
  expect(cit.frames.filter((f) => isPush('consult.state')(f) && stateOf(f).state === state)).toEqual([]);
}

describe.each([
  ['the file store', {}],
  ['PostgreSQL', { DATABASE_URL, LAWLINE_DATABASE_SCHEMA: schema }],
])('offer.accept and consult.pick sent again by the lawyer whose first went through, on %s', (_, env: Record<string, string>) => {
  beforeAll(async () => {
    server = await startTestServer(env);
  });
  afterAll(async () => {
    await server.cleanup();
    if (!env.DATABASE_URL) return;
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  });

  it('answers both of two accepts sent back to back with the consultation, active with them', async () => {
    const law = await people.as(lawyer('L-twice'));
    expect((await law.call('duty.on', {})).ok).toBe(true);
    const { id } = await offeredTo(law, 'C-twice');

    // The second goes before the first is answered (a double tap, a resend on a slow link).
    const first = law.request('offer.accept', { consultationId: id });
    const second = law.request('offer.accept', { consultationId: id });
    const replies = await Promise.all([first, second].map((rid) => law.waitFor((f): f is Reply => f.type === 'reply' && f.id === rid)));
    for (const reply of replies) expect(consultationOf(reply)).toMatchObject({ id, state: 'active', lawyer: { id: 'L-twice' } });
  });

  it('answers an accept resent on a new connection after the first one was cut before its answer, and gives anyone else 3006', async () => {
    const law = await people.as(lawyer('L-cut'));
    expect((await law.call('duty.on', {})).ok).toBe(true);
    const { id, cit } = await offeredTo(law, 'C-cut');

    // Sent, then the connection goes before the answer can come back.
    law.request('offer.accept', { consultationId: id });
    law.close();
    await became(cit, id, 'active');

    const again = await people.as(lawyer('L-cut'));
    expect(consultationOf(await again.call('offer.accept', { consultationId: id }))).toMatchObject({ id, state: 'active', lawyer: { id: 'L-cut' } });

    const other = await people.as(lawyer('L-else'));
    const refused = await other.call('offer.accept', { consultationId: id });
    expect(refused.ok ? undefined : refused.error.code).toBe(ErrorCode.OFFER_GONE);
    // The citizen was told once that it became active, not again by the repeat.
    await toldNoMore(cit, 'active');
  });

  it('answers both of two picks sent back to back with the consultation, picked by them, and tells the citizen once', async () => {
    const law = await people.as(picker('L-pick-twice'));
    const { id, cit } = await waitingToBePicked('C-pick-twice');

    const first = law.request('consult.pick', { consultationId: id });
    const second = law.request('consult.pick', { consultationId: id });
    const replies = await Promise.all([first, second].map((rid) => law.waitFor((f): f is Reply => f.type === 'reply' && f.id === rid)));
    for (const reply of replies) expect(consultationOf(reply)).toMatchObject({ id, state: 'picked', lawyer: { id: 'L-pick-twice' } });
    await became(cit, id, 'picked');
    await toldNoMore(cit, 'picked');
  });

  it('answers a pick resent on a new connection after the first one was cut before its answer, and after joining, and gives anyone else 3001', async () => {
    const law = await people.as(picker('L-pick-cut'));
    const { id, cit } = await waitingToBePicked('C-pick-cut');

    law.request('consult.pick', { consultationId: id });
    law.close();
    await became(cit, id, 'picked');

    const again = await people.as(picker('L-pick-cut'));
    expect(consultationOf(await again.call('consult.pick', { consultationId: id }))).toMatchObject({ id, state: 'picked', lawyer: { id: 'L-pick-cut' } });
    // Joined since: a late resend of the pick answers with it as it is now.
    expect(consultationOf(await again.call('consult.join', { consultationId: id }))).toMatchObject({ id, state: 'active' });
    expect(consultationOf(await again.call('consult.pick', { consultationId: id }))).toMatchObject({ id, state: 'active', lawyer: { id: 'L-pick-cut' } });

    const other = await people.as(picker('L-pick-else'));
    const refused = await other.call('consult.pick', { consultationId: id });
    expect(refused.ok ? undefined : refused.error.code).toBe(ErrorCode.CONSULTATION_TAKEN);
    await toldNoMore(cit, 'picked');
  });
});
