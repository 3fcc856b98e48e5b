import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LawlineClient, LawlineError } from '../clients/sdk/index.ts';
import { ErrorCode } from '../protocol/errors.ts';
import { citizen, lawyer } from './helpers/people.ts';
import { FaultyProxy } from './helpers/proxy.ts';
import { Participant } from './helpers/recorder.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

// A citizen on a bad network: their consult.request reaches the node and is carried out, but
// the reply never reaches them (the path back stalls, then the socket is cut). They ask again
// with the same clientRequestId once reconnected: the one consultation comes back, never a second.
let server: TestServer;
let proxy: FaultyProxy;
beforeAll(async () => {
  server = await startTestServer();
  proxy = await FaultyProxy.start(server.port);
});
afterAll(async () => {
  await proxy.close();
  await server.cleanup();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Leaves no consultation open and nobody on duty for the next test. */
async function leave(cit: LawlineClient, law?: Participant): Promise<void> {
  for (const c of (await cit.request('consult.list', {})).consultations) await cit.request(c.state === 'queued' ? 'consult.cancel' : 'consult.close', { consultationId: c.id });
  await law?.client.request('duty.off', {});
  cit.close();
  law?.close();
}
const throughProxy = async (id: string) => {
  const client = new LawlineClient({ url: `ws://127.0.0.1:${proxy.port}/ws`, token: await server.token(citizen(id)), WebSocket, requestTimeoutMs: 5000, reconnect: { minDelayMs: 20, maxDelayMs: 100 } });
  await client.connect();
  return client;
};

describe('a consult.request whose reply was lost', () => {
  it('resent with the same clientRequestId gets the consultation the first made, its first message once, and the lawyer is offered one', async () => {
    const law = await Participant.connect(server, lawyer('L-retry'));
    await law.client.request('duty.on', { capacity: 5 });
    const cit = await throughProxy('C-retry');
    const asked = { category: 'labor', region: '320200', channel: 'text', firstMessage: '公司拖欠三个月工资', clientRequestId: 'q-retry-1' } as const;

    proxy.stall('replies');
    const first = cit.request('consult.request', asked).catch((e: unknown) => e);
    // Carried out: the lawyer is offered it. Then the socket goes before any reply gets through.
    const offered = await law.next('offer');
    proxy.cut();
    proxy.resume();
    const lost = await first;
    expect(lost).toBeInstanceOf(LawlineError);
    expect((lost as LawlineError).code).toBe(ErrorCode.TIMEOUT);

    const again = await cit.request('consult.request', asked);
    expect(again.consultation).toMatchObject({ id: offered.consultation.id, state: 'queued', lastSeq: 1 });
    // And again, once the lawyer has taken it: as it stands now.
    await law.client.request('offer.accept', { consultationId: offered.consultation.id });
    expect((await cit.request('consult.request', asked)).consultation).toMatchObject({ id: offered.consultation.id, state: 'active', lawyer: { id: 'L-retry' }, lastSeq: 1 });

    expect((await cit.request('consult.list', {})).consultations.map((c) => c.id)).toEqual([offered.consultation.id]);
    const history = await cit.request('consult.history', { consultationId: offered.consultation.id });
    expect(history.messages.map((m) => m.body)).toEqual([asked.firstMessage]);
    // Time for a second offer to ring, had there been a second consultation.
    await sleep(300);
    expect(new Set(law.pushes('offer').map((o) => o.consultation.id))).toEqual(new Set([offered.consultation.id]));
    await leave(cit, law);
  });

  it("the SDK's requestConsultation resends it with the same id over the next connection, and answers with the one consultation", async () => {
    const law = await Participant.connect(server, lawyer('L-sdk-retry'));
    await law.client.request('duty.on', { capacity: 5 });
    const cit = await throughProxy('C-sdk-retry');
    proxy.stall('replies');
    const { clientRequestId, answered } = cit.requestConsultation({ category: 'labor', region: '320200', channel: 'text', firstMessage: '加班费' });
    const offered = await law.next('offer');
    proxy.cut();
    proxy.resume();
    // The app hears nothing of the lost reply: the SDK reconnects and asks again by itself.
    const { consultation } = await answered;
    expect(consultation).toMatchObject({ id: offered.consultation.id, lastSeq: 1 });
    expect(clientRequestId).toMatch(/^q[0-9a-f]{32}$/);
    // The app may carry the id on (after a restart of its own): still the one consultation.
    expect((await cit.requestConsultation({ category: 'labor', region: '320200', channel: 'text', clientRequestId }).answered).consultation.id).toBe(consultation.id);
    await sleep(300);
    expect(new Set(law.pushes('offer').map((o) => o.consultation.id))).toEqual(new Set([consultation.id]));
    expect((await cit.request('consult.list', {})).consultations.map((c) => c.id)).toEqual([consultation.id]);
    // A refusal is an answer: not sent again.
    const refused = await Promise.all([0, 1, 2].map(() => cit.requestConsultation({ category: 'labor', region: '320200', channel: 'message' }).answered.catch((e: LawlineError) => e.code)));
    expect(refused.filter((r) => r === ErrorCode.TOO_MANY_OPEN)).toHaveLength(1);
    await leave(cit, law);
  });

  it('sent from two devices at once, at the last place under the cap, makes one consultation, counted once', async () => {
    const [phone, laptop] = [await Participant.connect(server, citizen('C-twice')), await Participant.connect(server, citizen('C-twice'))];
    const ask = (p: Participant, clientRequestId: string) => p.client.request('consult.request', { category: 'family', region: '320200', channel: 'message', clientRequestId });
    // Two open already; the node's cap is three.
    const before = [await ask(phone, 'q-a'), await ask(phone, 'q-b')].map((r) => r.consultation.id);
    const [x, y] = await Promise.all([ask(phone, 'q-c'), ask(laptop, 'q-c')]);
    expect(x.consultation.id).toBe(y.consultation.id);
    expect(await ask(laptop, 'q-d').catch((e: LawlineError) => e.code)).toBe(ErrorCode.TOO_MANY_OPEN);
    expect((await laptop.client.request('consult.list', {})).consultations.map((c) => c.id).sort()).toEqual([...before, x.consultation.id].sort());
    laptop.close();
    await leave(phone.client);
  });
});
