import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DevClaims } from '../server/auth/dev-identity.ts';
import { citizen, lawyer } from './helpers/people.ts';
import { isPush, RawClient } from './helpers/raw-client.ts';
import { cast, type Participant } from './helpers/recorder.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

// What becomes of a lawyer's work when they hand it on or their device drops, over real sockets.
const RESUME_WINDOW_MS = 1000;

let server: TestServer;
const people = cast(() => server);
const join = people.join;
let n = 0;
const uid = (p: string) => `${p}${++n}h`;

beforeAll(async () => {
  server = await startTestServer({ LAWLINE_RESUME_WINDOW_MS: String(RESUME_WINDOW_MS), LAWLINE_OFFER_TIMEOUT_MS: '20000' });
});
afterAll(() => server.cleanup());
afterEach(() => people.dismiss());

const onDuty = async (claims: DevClaims) => {
  const p = await join(claims);
  await p.client.request('duty.on', {});
  return p;
};
const drop = (p: Participant) => {
  people.forget(p);
  p.close();
};

/** L1 takes a citizen's request, hands it to L2 by name, and L2 accepts it. */
async function transferred() {
  const l1 = await onDuty(lawyer(uid('L'), '王律师', ['labor']));
  const l2 = await onDuty(lawyer(uid('L'), '李律师', ['labor']));
  const cit = await join(citizen(uid('C')));
  const { consultation } = await cit.client.request('consult.request', { category: 'labor', region: '320200', channel: 'text' });
  await l1.next('offer', (o) => o.consultation.id === consultation.id);
  await l1.client.request('offer.accept', { consultationId: consultation.id });
  await l1.client.request('consult.transfer', { consultationId: consultation.id, lawyerId: l2.id, note: '请李律师接手' });
  await l2.next('offer', (o) => o.consultation.id === consultation.id);
  await l2.client.request('offer.accept', { consultationId: consultation.id });
  return { l1, l2, cit, id: consultation.id };
}

describe('after a transfer', () => {
  it('the lawyer who handed a consultation on no longer lists it; the one who took it does', async () => {
    const { l1, l2, id } = await transferred();
    expect((await l1.client.request('consult.list', {})).consultations.map((c) => c.id)).not.toContain(id);
    expect((await l2.client.request('consult.list', {})).consultations.map((c) => c.id)).toEqual([id]);
  });

  it("the first lawyer dropping off duty leaves the second lawyer's consultation with them", async () => {
    const { l1, l2, cit, id } = await transferred();
    drop(l1);
    // Past the resume window the first lawyer goes off duty, their held consultations back in the queue.
    await new Promise((r) => setTimeout(r, RESUME_WINDOW_MS + 800));
    expect(cit.pushes('consult.state').filter((s) => s.consultation.id === id && s.reason === 'lawyer-disconnected')).toEqual([]);
    await l2.client.sendChat(id, '我是接手的李律师').acked;
    await cit.next('chat.message', (m) => m.consultationId === id && m.body === '我是接手的李律师');
    expect((await cit.client.request('consult.list', {})).consultations.find((c) => c.id === id)).toMatchObject({ state: 'active', lawyer: { id: l2.id } });
  });
});


describe('a message consultation (留言)', () => {
  /** A citizen leaves one in `ip`, and the message desk assigns it to the only lawyer on duty for it. */
  async function assigned() {
    const l1 = await onDuty(lawyer(uid('L'), '周律师', ['ip']));
    const cit = await join(citizen(uid('C')));
    const { consultation } = await cit.client.request('consult.request', { category: 'ip', region: '320200', channel: 'message', firstMessage: '商标被抢注了' });
    await cit.next('consult.state', (s) => s.consultation.id === consultation.id && s.consultation.lawyer?.id === l1.id);
    const l2 = await onDuty(lawyer(uid('L'), '郑律师', ['ip']));
    return { l1, l2, cit, id: consultation.id };
  }
  /** The desk assigned it to `lawyerId`, and nobody was offered it live. */
  async function backAtTheDesk(cit: Participant, id: string, lawyerId: string, within: number) {
    const taken = await cit.next('consult.state', (s) => s.consultation.id === id && s.consultation.lawyer?.id === lawyerId, within);
    expect(taken.consultation).toMatchObject({ state: 'active', channel: 'message' });
    // A live offer follows a requeue at once, the desk within its pass: give a stray one time to show.
    await new Promise((r) => setTimeout(r, 300));
    for (const p of people.present()) expect(p.pushes('offer').filter((o) => o.consultation.id === id)).toEqual([]);
  }

  it('goes back to the message desk, never the live queue, when its lawyer drops', async () => {
    const { l1, l2, cit, id } = await assigned();
    drop(l1);
    await cit.next('consult.state', (s) => s.consultation.id === id && s.reason === 'lawyer-disconnected', RESUME_WINDOW_MS + 3000);
    await backAtTheDesk(cit, id, l2.id, 3000);
  });

  it('goes back to the message desk, to the lawyer named, when its lawyer hands it on', async () => {
    const { l1, l2, cit, id } = await assigned();
    const moved = await l1.client.request('consult.transfer', { consultationId: id, lawyerId: l2.id, note: '请郑律师回复' });
    expect(moved.consultation).toMatchObject({ state: 'queued', channel: 'message' });
    await backAtTheDesk(cit, id, l2.id, 3000);
  });
});

describe('a lawyer whose device drops while an offer rings', () => {
  // Both long: an offer that moves on within a couple of seconds can only have been withdrawn.
  const OFFER_TIMEOUT_MS = 20_000;
  let own: TestServer;
  const crew = cast(() => own);
  beforeAll(async () => {
    own = await startTestServer({ LAWLINE_RESUME_WINDOW_MS: '60000', LAWLINE_OFFER_TIMEOUT_MS: String(OFFER_TIMEOUT_MS) });
  });
  afterAll(() => own.cleanup());
  afterEach(() => crew.dismiss());
  const metric = async (line: RegExp) => Number(line.exec(await (await fetch(`http://127.0.0.1:${own.opsPort}/metrics`)).text())?.[1] ?? 0);
  const timeouts = () => metric(/^lawline_offers_total\{outcome="timeout"\} (\d+)$/m);

  it('loses the offer at once, the next lawyer gets it, and the withdrawal waits for them if they come back', async () => {
    const claims = lawyer(uid('L'), '王律师', ['labor']);
    const first = await RawClient.connect(own.url);
    const { sessionId } = await first.hello(await own.token(claims));
    expect(await first.call('duty.on', {})).toMatchObject({ ok: true });
    const second = await crew.join(lawyer(uid('L'), '李律师', ['labor']));
    await second.client.request('duty.on', {});
    const timeoutsBefore = await timeouts();
    const cit = await crew.join(citizen(uid('C')));
    const { consultation } = await cit.client.request('consult.request', { category: 'labor', region: '320200', channel: 'text' });
    // Longest idle first: the first lawyer came on duty earlier.
    const offer = await first.waitFor((f) => isPush('offer')(f) && (f.data as { consultation: { id: string } }).consultation.id === consultation.id);

    const gone = Date.now();
    first.ws.terminate();
    await second.next('offer', (o) => o.consultation.id === consultation.id, OFFER_TIMEOUT_MS / 4);
    expect(Date.now() - gone).toBeLessThan(OFFER_TIMEOUT_MS / 10);
    await second.client.request('offer.accept', { consultationId: consultation.id });

    // Back within the resume window: the withdrawal they missed is replayed, and the offer is gone.
    const back = await RawClient.connect(own.url);
    expect(await back.hello(await own.token(claims), { sessionId, lastSeq: (offer as { seq: number }).seq })).toMatchObject({ resumed: true });
    const ended = await back.waitFor((f) => isPush('offer.ended')(f) && (f.data as { consultationId: string }).consultationId === consultation.id);
    expect(ended).toMatchObject({ data: { outcome: 'withdrawn' } });
    expect(await back.call('offer.accept', { consultationId: consultation.id })).toMatchObject({ ok: false });
    // Not a missed offer: their device went, they did not let it ring out.
    expect(await timeouts()).toBe(timeoutsBefore);
    expect(await back.call('duty.off', {})).toMatchObject({ ok: true });
    back.close();
  });
});
