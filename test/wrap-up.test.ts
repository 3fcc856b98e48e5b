import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../protocol/errors.ts';
import type { DevClaims } from '../server/auth/dev-identity.ts';
import { citizen, lawyer } from './helpers/people.ts';
import { cast, type Participant } from './helpers/recorder.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

// The wrap-up after a close (the duty state `wrap-up`), and the lawyer's notes, over real
// sockets: no offer while it lasts, its end by time or by "ready", who gets one, and the notes
// that stay writable until it is over.
const WRAP_UP_MS = 1500;

let server: TestServer;
const people = cast(() => server);
let n = 0;
const uid = (p: string) => `${p}${++n}w`;

beforeAll(async () => {
  // A 5 s offer timeout makes the router's tick (which ends due wrap-ups) 500 ms.
  server = await startTestServer({ LAWLINE_WRAP_UP_MS: String(WRAP_UP_MS), LAWLINE_OFFER_TIMEOUT_MS: '5000' });
});
afterAll(() => server.cleanup());
afterEach(() => people.dismiss());

const onDuty = async (claims: DevClaims, capacity = 1) => {
  const p = await people.join(claims);
  await p.client.request('duty.on', { capacity });
  return p;
};

/** A citizen asks in labor, and `law` (on duty) accepts the offer. */
async function taken(law: Participant) {
  const cit = await people.join(citizen(uid('C')));
  const { consultation } = await cit.client.request('consult.request', { category: 'labor', region: '320200', channel: 'text', firstMessage: '工资被拖欠' });
  await law.next('offer', (o) => o.consultation.id === consultation.id);
  await law.client.request('offer.accept', { consultationId: consultation.id });
  return { cit, id: consultation.id };
}

/** A second citizen's request waits in the queue. */
async function waiting() {
  const cit = await people.join(citizen(uid('C')));
  const { consultation } = await cit.client.request('consult.request', { category: 'labor', region: '320200', channel: 'text' });
  return consultation.id;
}

const refusal = (p: Promise<unknown>) => p.then(() => undefined, (e: { code?: number }) => e.code);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the wrap-up after a close', () => {
  it('keeps offers away from the lawyer who closed until its time has passed, then offers the next request', async () => {
    const law = await onDuty(lawyer(uid('L'), '王律师', ['labor']));
    const { id } = await taken(law);
    const next = await waiting();
    const closedAt = Date.now();
    await law.client.request('consult.close', { consultationId: id, note: '建议仲裁' });
    const wrapping = await law.next('duty.state', (s) => s.presence.state === 'wrap-up');
    expect(wrapping.presence.wrapUpUntil).toBeGreaterThanOrEqual(closedAt + WRAP_UP_MS);
    expect(wrapping.presence.wrapUpUntil).toBeLessThanOrEqual(Date.now() + WRAP_UP_MS);
    // Since the close: what closed from then on may still be written up.
    const [closed] = (await law.client.request('consult.past', {})).consultations;
    expect(wrapping.presence.wrapUpSince).toBe(closed?.updatedAt);
    expect((await law.client.request('duty.get', {})).presence).toMatchObject({ state: 'wrap-up', load: 0 });
    // A free place and a request waiting, but no offer while wrapping up (without it one comes within milliseconds).
    await sleep(WRAP_UP_MS / 2);
    expect(law.pushes('offer').filter((o) => o.consultation.id === next)).toEqual([]);
    const offer = await law.next('offer', (o) => o.consultation.id === next, WRAP_UP_MS + 3000);
    expect(Date.now()).toBeGreaterThanOrEqual(closedAt + WRAP_UP_MS);
    expect(law.pushes('duty.state').at(-1)?.presence.state).not.toBe('wrap-up');
    // Once over, it leaves no time behind.
    expect((await law.client.request('duty.get', {})).presence.wrapUpUntil).toBeUndefined();
    expect(offer.expiresAt).toBeGreaterThan(Date.now());
  });

  it('ends at once when the lawyer says ready, and "ready" again (or outside a wrap-up) changes nothing', async () => {
    const law = await onDuty(lawyer(uid('L'), '李律师', ['labor']));
    const { id } = await taken(law);
    const next = await waiting();
    await law.client.request('consult.close', { consultationId: id });
    await law.next('duty.state', (s) => s.presence.state === 'wrap-up');
    const asked = Date.now();
    expect((await law.client.request('duty.ready', {})).presence).toMatchObject({ state: 'available' });
    await law.next('offer', (o) => o.consultation.id === next, 1000);
    expect(Date.now() - asked).toBeLessThan(WRAP_UP_MS);
    // Taken: busy (capacity 1), and "ready" says so without an error.
    await law.client.request('offer.accept', { consultationId: next });
    expect((await law.client.request('duty.ready', {})).presence).toMatchObject({ state: 'busy', load: 1 });
    const off = await people.join(lawyer(uid('L'), '不在班', ['labor']));
    expect(await refusal(off.client.request('duty.ready', {}))).toBe(ErrorCode.NOT_ON_DUTY);
  });

  it("begins whoever closes (the citizen too), moves its end with a second close, and leaves a lawyer on a break, or off duty, as they are", async () => {
    const law = await onDuty(lawyer(uid('L'), '赵律师', ['labor']), 2);
    const first = await taken(law);
    const second = await taken(law);
    await first.cit.client.request('consult.close', { consultationId: first.id });
    const one = await law.next('duty.state', (s) => s.presence.state === 'wrap-up');
    await sleep(300);
    await law.client.request('consult.close', { consultationId: second.id });
    const two = await law.next('duty.state', (s) => s.presence.state === 'wrap-up' && s.presence.wrapUpUntil !== one.presence.wrapUpUntil);
    expect(two.presence.wrapUpUntil).toBeGreaterThanOrEqual((one.presence.wrapUpUntil ?? 0) + 300);

    const away = await onDuty(lawyer(uid('L'), '钱律师', ['labor']));
    const third = await taken(away);
    await away.client.request('duty.away', {});
    await away.client.request('consult.close', { consultationId: third.id });
    await sleep(200);
    expect((await away.client.request('duty.get', {})).presence.state).toBe('away');
    expect(away.pushes('duty.state').map((s) => s.presence.state)).not.toContain('wrap-up');

    // Off duty, a lawyer takes from the queue and closes: no duty, no wrap-up.
    const offDuty = await people.join(lawyer(uid('L'), '孙律师', ['family']));
    const cit = await people.join(citizen(uid('C')));
    const { consultation } = await cit.client.request('consult.request', { category: 'family', region: '320200', channel: 'text' });
    await offDuty.client.request('consult.pick', { consultationId: consultation.id });
    await offDuty.client.request('consult.join', { consultationId: consultation.id });
    await offDuty.client.request('consult.close', { consultationId: consultation.id });
    expect((await offDuty.client.request('duty.get', {})).presence.state).toBe('offline');
  });
});

describe("the lawyer's notes", () => {
  it('are written and read by the lawyer who holds the consultation, never by the citizen, another lawyer or an assistant', async () => {
    const law = await onDuty(lawyer(uid('L'), '周律师', ['labor']));
    const { cit, id } = await taken(law);
    expect(await law.client.request('note.get', { consultationId: id })).toEqual({ note: '' });
    expect(await law.client.request('note.set', { consultationId: id, note: '当事人有劳动合同' })).toEqual({ note: '当事人有劳动合同' });
    expect(await law.client.request('note.get', { consultationId: id })).toEqual({ note: '当事人有劳动合同' });
    const other = await people.join(lawyer(uid('L'), '吴律师', ['labor']));
    expect(await refusal(other.client.request('note.get', { consultationId: id }))).toBe(ErrorCode.NOT_A_MEMBER);
    expect(await refusal(other.client.request('note.set', { consultationId: id, note: 'x' }))).toBe(ErrorCode.NOT_A_MEMBER);
    expect(await refusal(cit.client.request('note.get', { consultationId: id }))).toBe(ErrorCode.FORBIDDEN);
    const assistant = await people.join({ sub: uid('A'), role: 'assistant', name: '助理', lawyerId: law.id });
    expect(await refusal(assistant.client.request('note.set', { consultationId: id, note: 'x' }))).toBe(ErrorCode.FORBIDDEN);
    // Nobody was told: a note is no step of the consultation, and the citizen's view has none.
    expect(cit.pushes('consult.state').some((s) => JSON.stringify(s).includes('劳动合同'))).toBe(false);
    expect(JSON.stringify(await cit.client.request('consult.list', {}))).not.toContain('劳动合同');
    // Emptied: cleared.
    expect(await law.client.request('note.set', { consultationId: id, note: '' })).toEqual({ note: '' });
  });

  it('stay writable after the close during its wrap-up only, and a lawyer lists what they closed', async () => {
    const law = await onDuty(lawyer(uid('L'), '郑律师', ['labor']));
    const { id } = await taken(law);
    await law.client.request('note.set', { consultationId: id, note: '初步意见' });
    await law.client.request('consult.close', { consultationId: id });
    await law.next('duty.state', (s) => s.presence.state === 'wrap-up');
    expect(await law.client.request('note.set', { consultationId: id, note: '初步意见；建议申请仲裁' })).toEqual({ note: '初步意见；建议申请仲裁' });
    // The close keeps its time: the lawyer's list shows when it ended, not when the note was written.
    const [closed] = (await law.client.request('consult.past', {})).consultations;
    expect(closed).toMatchObject({ id, state: 'closed' });
    await law.client.request('duty.ready', {});
    expect(await refusal(law.client.request('note.set', { consultationId: id, note: '太迟了' }))).toBe(ErrorCode.CONSULTATION_STATE);
    expect(await law.client.request('note.get', { consultationId: id })).toEqual({ note: '初步意见；建议申请仲裁' });
    expect((await law.client.request('consult.past', {})).consultations[0]?.updatedAt).toBe(closed?.updatedAt);

    // Ended by time, too; and one closed before this wrap-up began stays final in the next.
    const second = await taken(law);
    await law.client.request('consult.close', { consultationId: second.id });
    await expect.poll(async () => (await law.client.request('duty.get', {})).presence.state, { timeout: WRAP_UP_MS + 3000 }).toBe('available');
    expect(await refusal(law.client.request('note.set', { consultationId: second.id, note: '太迟了' }))).toBe(ErrorCode.CONSULTATION_STATE);
    const third = await taken(law);
    await law.client.request('consult.close', { consultationId: third.id });
    await expect.poll(async () => (await law.client.request('duty.get', {})).presence.state).toBe('wrap-up');
    expect(await refusal(law.client.request('note.set', { consultationId: second.id, note: '太迟了' }))).toBe(ErrorCode.CONSULTATION_STATE);
    expect((await law.client.request('note.set', { consultationId: third.id, note: '可以' })).note).toBe('可以');
  });

  it("show the receiving lawyer the handover note of the lawyer who transferred it, and keep the first lawyer's notes from them no longer", async () => {
    const l1 = await onDuty(lawyer(uid('L'), '冯律师', ['labor']));
    const l2 = await onDuty(lawyer(uid('L'), '陈律师', ['labor']));
    const { id } = await taken(l1);
    await l1.client.request('consult.transfer', { consultationId: id, lawyerId: l2.id, note: '当事人需要仲裁申请书' });
    const offer = await l2.next('offer', (o) => o.consultation.id === id);
    expect(offer.handover).toMatchObject({ from: { id: l1.id }, note: '当事人需要仲裁申请书' });
    await l2.client.request('offer.accept', { consultationId: id });
    expect(await l2.client.request('note.get', { consultationId: id })).toMatchObject({ handover: { from: { id: l1.id, name: '冯律师' }, note: '当事人需要仲裁申请书' } });
    expect(await refusal(l1.client.request('note.get', { consultationId: id }))).toBe(ErrorCode.NOT_A_MEMBER);
  });
});

describe('with LAWLINE_WRAP_UP_MS=0', () => {
  let bare: TestServer;
  beforeAll(async () => {
    bare = await startTestServer({ LAWLINE_WRAP_UP_MS: '0', LAWLINE_OFFER_TIMEOUT_MS: '5000' });
  });
  afterAll(() => bare.cleanup());

  it('has no wrap-up: the next offer comes as the close frees the place, and a closed consultation’s notes are final', async () => {
    const bareCast = cast(() => bare);
    try {
      const law = await bareCast.join(lawyer(uid('L'), '褚律师', ['labor']));
      await law.client.request('duty.on', { capacity: 1 });
      const cit = await bareCast.join(citizen(uid('C')));
      const { consultation: a } = await cit.client.request('consult.request', { category: 'labor', region: '320200', channel: 'text' });
      await law.next('offer', (o) => o.consultation.id === a.id);
      await law.client.request('offer.accept', { consultationId: a.id });
      const other = await bareCast.join(citizen(uid('C')));
      const { consultation: b } = await other.client.request('consult.request', { category: 'labor', region: '320200', channel: 'text' });
      await law.client.request('consult.close', { consultationId: a.id });
      await law.next('offer', (o) => o.consultation.id === b.id, 1000);
      expect(law.pushes('duty.state').map((s) => s.presence.state)).not.toContain('wrap-up');
      expect(await refusal(law.client.request('note.set', { consultationId: a.id, note: '太迟了' }))).toBe(ErrorCode.CONSULTATION_STATE);
    } finally {
      await bareCast.dismiss();
    }
  });
});
