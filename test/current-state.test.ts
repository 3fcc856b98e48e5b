import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../protocol/errors.ts';
import type { PushData, PushEvent, PushFrame, QueuePlaceT, ReplyData, ServerFrame } from '../protocol/frames.ts';
import { citizen, lawyer } from './helpers/people.ts';
import { isPush, RawClient } from './helpers/raw-client.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

// A client that lost what it was told (a page reloaded on a resumed session: the resume replays
// only what came after its last ack) reads the state that is otherwise only pushed when it
// changes: a lawyer's duty state (`duty.get`) and a citizen's places in the queue (`queue.positions`).

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.cleanup());

async function signedIn(claims: Parameters<TestServer['token']>[0]) {
  const client = await RawClient.connect(server.url);
  const reply = await client.hello(await server.token(claims));
  return Object.assign(client, { sessionId: reply.sessionId });
}

async function ok<T>(reply: Promise<Awaited<ReturnType<RawClient['call']>>>): Promise<T> {
  const r = await reply;
  if (!r.ok) throw new Error(`error ${r.error.code}: ${r.error.message}`);
  return r.data as T;
}

/** Matches a push of `event` whose data passes `where`. */
const pushed =
  <E extends PushEvent>(event: E, where: (d: PushData<E>) => boolean) =>
  (f: ServerFrame): f is ServerFrame & PushFrame<E> =>
    isPush(event)(f) && where(f.data as PushData<E>);

const presenceOf = async (c: RawClient) => (await ok<ReplyData<'duty.get'>>(c.call('duty.get', {}))).presence;
const placesOf = async (c: RawClient) => (await ok<ReplyData<'queue.positions'>>(c.call('queue.positions', {}))).positions;

describe('reading the state that is pushed only when it changes', () => {
  it("gives a lawyer's duty state, on a session resumed while its old connection was still open", async () => {
    const claims = lawyer('L-read', '周律师', ['traffic']);
    const first = await signedIn(claims);
    expect(await presenceOf(first)).toMatchObject({ lawyerId: 'L-read', state: 'offline', load: 0 });
    await ok(first.call('duty.on', { capacity: 2 }));
    const told = await first.waitFor(pushed('duty.state', (d) => d.presence.state === 'available'));
    first.send({ type: 'ack', seq: told.seq });

    // A page reloaded before the server noticed the old one went: the resume takes the session
    // over from a connection still attached, so no device attached and nothing is pushed again.
    const again = await RawClient.connect(server.url);
    const resumed = await again.hello(await server.token(claims), { sessionId: first.sessionId, lastSeq: told.seq });
    expect(resumed.resumed).toBe(true);
    expect(await presenceOf(again)).toEqual({ lawyerId: 'L-read', state: 'available', categories: ['traffic'], capacity: 2, load: 0 });
    await ok(again.call('duty.away', {}));
    expect(await presenceOf(again)).toMatchObject({ state: 'away' });
    await ok(again.call('duty.off', {}));
    expect(await presenceOf(again)).toMatchObject({ state: 'offline' });
    again.close();
  });

  it("gives a citizen each waiting request's place and wait, as queue.position tells it, and says when nobody serves the category", async () => {
    const one = await signedIn(citizen('C-read1'));
    const two = await signedIn(citizen('C-read2'));
    const ask = async (c: RawClient) => (await ok<ReplyData<'consult.request'>>(c.call('consult.request', { category: 'medical', region: '320200', channel: 'text' }))).consultation.id;
    const first = await ask(one);
    const second = await ask(two);
    await ask(one);
    const own = (await placesOf(one)).map((p) => p.consultationId);
    expect(own).toHaveLength(2);
    expect(own).toContain(first);
    expect(await placesOf(two)).toEqual([{ consultationId: second, position: 2, estimatedWaitMs: expect.any(Number), nobodyOnDuty: true, offered: false }]);

    // A lawyer of the category on duty, on a break (no offers): someone serves it now.
    const law = await signedIn(lawyer('L-read-medical', '吴律师', ['medical']));
    await ok(law.call('duty.on', { capacity: 2 }));
    await ok(law.call('duty.away', {}));
    await expect.poll(async () => (await placesOf(two))[0]?.nobodyOnDuty).toBe(false);
    const read: QueuePlaceT[] = await placesOf(two);
    // Half the wait with nobody: two slots serve the category now. The push says the same.
    // (Between duty.on and duty.away the request may have rung at the lawyer: the push that matches the reading says the same of that too.)
    const heard = await two.waitFor(pushed('queue.position', (d) => d.consultationId === second && d.estimatedWaitMs === read[0]?.estimatedWaitMs && d.offered === read[0]?.offered));
    expect(read).toEqual([heard.data]);
    expect((await placesOf(one)).find((p) => p.consultationId === first)).toMatchObject({ position: 1, nobodyOnDuty: false });
    // The last lawyer of the category leaves: the citizen is told so live, not only at the request.
    await ok(law.call('duty.off', {}));
    const alone = await two.waitFor(pushed('queue.position', (d) => d.consultationId === second && d.nobodyOnDuty === true));
    expect(await placesOf(two)).toEqual([alone.data]);
    for (const c of [one, two, law]) c.close();
  });

  it('answers each read only for its role (permission table)', async () => {
    const cit = await signedIn(citizen('C-read3'));
    const law = await signedIn(lawyer('L-read3'));
    expect(await cit.call('duty.get', {})).toMatchObject({ ok: false, error: { code: ErrorCode.FORBIDDEN } });
    expect(await law.call('queue.positions', {})).toMatchObject({ ok: false, error: { code: ErrorCode.FORBIDDEN } });
    expect(await placesOf(cit)).toEqual([]);
    cit.close();
    law.close();
  });
});
