import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../protocol/errors.ts';
import type { DevClaims } from '../server/auth/dev-identity.ts';
import { citizen, lawyer } from './helpers/people.ts';
import { cast, Participant } from './helpers/recorder.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

// Automatic routing over real sockets, driven with the SDK the way the apps use it.
let server: TestServer;
const people = cast(() => server);
const join = people.join;
let n = 0;
/** A unique id per test, so consultations and presence of one test never meet another's. */
const uid = (p: string) => `${p}${++n}`;

beforeAll(async () => {
  server = await startTestServer({
    LAWLINE_OFFER_TIMEOUT_MS: '400',
    LAWLINE_MAX_MISSED_OFFERS: '2',
    LAWLINE_WIDEN_PROVINCE_MS: '600',
    LAWLINE_WIDEN_NATIONAL_MS: '1200',
    LAWLINE_RESUME_WINDOW_MS: '1000',
    LAWLINE_PREFERRED_WAIT_MS: '800',
    // Routing alone: a lawyer who closes is offered the next at once (the wrap-up between: test/wrap-up.test.ts).
    LAWLINE_WRAP_UP_MS: '0',
  });
});
afterAll(() => server.cleanup());
afterEach(() => people.dismiss());

const onDuty = async (claims: DevClaims, data: Parameters<Participant['client']['request']>[1] = {}) => {
  const p = await join(claims);
  await p.client.request('duty.on', data as never);
  return p;
};
const ask = (c: Participant, over: Record<string, unknown> = {}) =>
  c.client.request('consult.request', { category: 'labor', region: '320200', channel: 'text', ...over } as never);

describe('automatic routing', () => {
  it('offers a request to the lawyer on duty; accepting makes it active and the citizen is told', async () => {
    const law = await onDuty(lawyer(uid('L')));
    const cit = await join(citizen(uid('C')));
    const { consultation } = await ask(cit, { firstMessage: '公司拖欠工资' });
    const offer = await law.next('offer', (o) => o.consultation.id === consultation.id);
    expect(offer.expiresAt).toBeGreaterThan(Date.now());
    const { consultation: active } = await law.client.request('offer.accept', { consultationId: consultation.id });
    expect(active.state).toBe('active');
    const told = await cit.next('consult.state', (s) => s.consultation.id === consultation.id && s.consultation.state === 'active');
    expect(told.consultation.lawyer?.id).toBe(active.lawyer?.id);
    await law.client.sendChat(consultation.id, '您好，请讲').acked;
    expect((await cit.next('chat.message', (m) => m.body === '您好，请讲')).from.role).toBe('lawyer');
    expect((await law.next('duty.state', (d) => d.presence.load === 1)).presence.state).toBe('available');
  });

  it('moves on to the next lawyer after a decline or a timeout, never back to one who passed', async () => {
    const first = await onDuty(lawyer(uid('L')));
    const second = await onDuty(lawyer(uid('L')));
    const cit = await join(citizen(uid('C')));
    const { consultation } = await ask(cit);
    // Longest idle first: `first` came on duty earlier.
    await first.next('offer', (o) => o.consultation.id === consultation.id);
    expect(second.pushes('offer')).toHaveLength(0);
    await first.client.request('offer.decline', { consultationId: consultation.id });
    await second.next('offer', (o) => o.consultation.id === consultation.id);
    // `second` lets it time out; nobody else is eligible, so nobody is offered it again.
    await second.next('offer.ended', (e) => e.consultationId === consultation.id && e.outcome === 'timeout', 2000);
    await new Promise((r) => setTimeout(r, 600));
    expect(first.pushes('offer')).toHaveLength(1);
    expect(second.pushes('offer')).toHaveLength(1);
    const late = await first.client.request('offer.accept', { consultationId: consultation.id }).catch((e: { code: number }) => e);
    expect(late).toMatchObject({ code: ErrorCode.OFFER_GONE });
  });

  it('sets a lawyer away after offers time out in a row, and says why', async () => {
    const law = await onDuty(lawyer(uid('L')), { capacity: 3 });
    const a = await join(citizen(uid('C')));
    const b = await join(citizen(uid('C')));
    await ask(a);
    await ask(b);
    const away = await law.next('duty.state', (d) => d.presence.state === 'away', 3000);
    expect(away.reason).toBe('missed-offers');
    expect(law.pushes('offer.ended').filter((e) => e.outcome === 'timeout')).toHaveLength(2);
    // Away: a new request is not offered.
    const c = await join(citizen(uid('C')));
    await ask(c);
    await new Promise((r) => setTimeout(r, 500));
    expect(law.pushes('offer')).toHaveLength(2);
  });

  it('widens from the city to the province to the whole country as the wait grows', async () => {
    const suzhou = await onDuty({ ...lawyer(uid('L')), region: '320500' });
    const cit = await join(citizen(uid('C')));
    const asked = Date.now();
    const { consultation } = await ask(cit, { region: '320211' });
    await suzhou.next('offer', (o) => o.consultation.id === consultation.id, 3000);
    expect(Date.now() - asked).toBeGreaterThanOrEqual(550);
    await suzhou.client.request('offer.decline', { consultationId: consultation.id });
    const beijing = await onDuty({ ...lawyer(uid('L')), region: '110000' });
    await beijing.next('offer', (o) => o.consultation.id === consultation.id, 3000);
    expect(Date.now() - asked).toBeGreaterThanOrEqual(1150);
  });

  it('serves priority classes first, FIFO within a class, and tells citizens their place', async () => {
    const normal = await join(citizen(uid('C')));
    const elderly = await join({ ...citizen(uid('C')), priority: 'elderly' });
    const { consultation: first } = await ask(normal);
    const firstPlace = await normal.next('queue.position', (p) => p.consultationId === first.id);
    expect(firstPlace.position).toBe(1);
    expect(firstPlace.estimatedWaitMs).toBeGreaterThan(0);
    const { consultation: urgent } = await ask(elderly);
    expect((await elderly.next('queue.position', (p) => p.consultationId === urgent.id)).position).toBe(1);
    expect((await normal.next('queue.position', (p) => p.consultationId === first.id && p.position === 2)).position).toBe(2);
    const law = await onDuty(lawyer(uid('L')), { capacity: 1 });
    await law.next('offer', (o) => o.consultation.id === urgent.id);
    await law.client.request('offer.accept', { consultationId: urgent.id });
    expect((await normal.next('queue.position', (p) => p.consultationId === first.id && p.position === 1)).position).toBe(1);
    // At capacity: the next one waits until the lawyer closes.
    await new Promise((r) => setTimeout(r, 200));
    expect(law.pushes('offer').map((o) => o.consultation.id)).toEqual([urgent.id]);
    await law.client.request('consult.close', { consultationId: urgent.id, note: '已解答' });
    await law.next('offer', (o) => o.consultation.id === first.id);
  });

  it('never offers a consultation to a lawyer with a declared conflict against the opposing party', async () => {
    const conflicted = await onDuty(lawyer(uid('L')), { conflicts: ['无锡某某科技有限公司'] });
    const free = await onDuty(lawyer(uid('L')));
    const cit = await join(citizen(uid('C')));
    const { consultation } = await ask(cit, { opposingParty: '无锡某某科技 有限公司' });
    await free.next('offer', (o) => o.consultation.id === consultation.id);
    await free.client.request('offer.decline', { consultationId: consultation.id });
    await new Promise((r) => setTimeout(r, 500));
    expect(conflicted.pushes('offer')).toHaveLength(0);
  });

  it('rings every device of a lawyer; accepting on one ends the offer on the other; a new device keeps the duty state', async () => {
    const id = uid('L');
    const desktop = await onDuty(lawyer(id));
    const phone = await join(lawyer(id));
    expect((await phone.next('duty.state')).presence.state).toBe('available');
    const cit = await join(citizen(uid('C')));
    const { consultation } = await ask(cit);
    await desktop.next('offer', (o) => o.consultation.id === consultation.id);
    await phone.next('offer', (o) => o.consultation.id === consultation.id);
    await phone.client.request('offer.accept', { consultationId: consultation.id });
    expect((await desktop.next('offer.ended', (e) => e.consultationId === consultation.id)).outcome).toBe('accepted');
    await desktop.client.request('duty.away', {});
    expect((await phone.next('duty.state', (d) => d.presence.state === 'away')).presence.load).toBe(1);
    const tablet = await join(lawyer(id));
    expect((await tablet.next('duty.state')).presence.state).toBe('away');
  });

  it('holds a dropped lawyer as reconnecting, then puts their consultations back at the front of the queue', async () => {
    const law = await onDuty(lawyer(uid('L')));
    const cit = await join(citizen(uid('C')));
    const { consultation } = await ask(cit);
    await law.next('offer', (o) => o.consultation.id === consultation.id);
    await law.client.request('offer.accept', { consultationId: consultation.id });
    people.forget(law);
    law.close();
    const other = await onDuty(lawyer(uid('L')));
    // Within the resume window the consultation stays with its lawyer: nothing is offered.
    await new Promise((r) => setTimeout(r, 500));
    expect(other.pushes('offer')).toHaveLength(0);
    const back = await cit.next('consult.state', (s) => s.consultation.state === 'queued' && s.reason === 'lawyer-disconnected', 3000);
    expect(back.consultation.lawyer).toBeUndefined();
    await other.next('offer', (o) => o.consultation.id === consultation.id);
  });

  it('checks the licence again when a lawyer goes on duty', async () => {
    const law = await join({ ...lawyer(uid('L')), licence: { number: 'X-1', status: 'practising', expiresAt: Date.now() + 1000 } });
    await law.client.request('duty.on', {});
    await new Promise((r) => setTimeout(r, 1100));
    const refused = await law.client.request('duty.on', {}).catch((e: { code: number }) => e);
    expect(refused).toMatchObject({ code: ErrorCode.LICENCE_INVALID });
    expect((await law.next('duty.state', (d) => d.presence.state === 'offline' && d.reason !== undefined)).reason).toBe('licence');
    const outside = await (await join(lawyer(uid('L'), '王律师', ['labor']))).client.request('duty.on', { categories: ['criminal'] }).catch((e: { code: number }) => e);
    expect(outside).toMatchObject({ code: ErrorCode.FORBIDDEN });
  });

  it('shows the live queue to lawyers off duty only; on duty, offers come instead', async () => {
    const id = uid('L');
    const browsing = await join(lawyer(id, '王律师', ['labor']));
    const other = await join(lawyer(uid('L'), '李律师', ['family']));
    const cit = await join(citizen(uid('C')));
    const { consultation: first } = await ask(cit, { category: 'family' });
    await other.next('queue.changed', (q) => q.consultation.id === first.id && q.change === 'added');
    expect(browsing.pushes('queue.changed')).toHaveLength(0);
    await browsing.client.request('duty.on', {});
    const secondDevice = await join(lawyer(id, '王律师', ['labor']));
    const { consultation: second } = await ask(cit);
    await browsing.next('offer', (o) => o.consultation.id === second.id);
    await secondDevice.next('offer', (o) => o.consultation.id === second.id);
    expect([...browsing.pushes('queue.changed'), ...secondDevice.pushes('queue.changed')].filter((q) => q.consultation.id === second.id)).toHaveLength(0);
    await browsing.client.request('offer.decline', { consultationId: second.id });
    await browsing.client.request('duty.off', {});
    const { consultation: third } = await ask(cit);
    await browsing.next('queue.changed', (q) => q.consultation.id === third.id);
    await secondDevice.next('queue.changed', (q) => q.consultation.id === third.id);
  });

  it('lists lawyers on duty in the directory with public details only', async () => {
    const wuxi = await onDuty({ ...lawyer(uid('L'), '王律师', ['labor']), region: '320200' });
    await onDuty({ ...lawyer(uid('L'), '李律师', ['family']), region: '320500' }, { conflicts: ['某公司'] });
    const beijing = await onDuty({ ...lawyer(uid('L'), '赵律师', ['labor', 'family']), region: '110000' });
    await beijing.client.request('duty.away', {});
    const cit = await join(citizen(uid('C')));
    const all = (await cit.client.request('directory.list', {})).lawyers;
    expect(all.map((l) => l.name).sort()).toEqual(['李律师', '王律师', '赵律师'].sort());
    for (const entry of all) expect(Object.keys(entry).sort()).toEqual(['categories', 'lawyerId', 'name', 'region', 'serviceHours', 'status']);
    expect(all.find((l) => l.lawyerId === beijing.id)?.status).toBe('away');
    expect((await cit.client.request('directory.list', { category: 'labor', region: '320000' })).lawyers.map((l) => l.lawyerId)).toEqual([wuxi.id]);
    expect((await cit.client.request('directory.list', { region: '320500' })).lawyers.map((l) => l.name)).toEqual(['李律师']);
  });

  it('exposes queue length, offers by outcome, lawyers by state and time to answer in /metrics', async () => {
    const law = await onDuty(lawyer(uid('L')), { capacity: 1 });
    const cit = await join(citizen(uid('C')));
    const { consultation } = await ask(cit);
    await law.next('offer', (o) => o.consultation.id === consultation.id);
    await law.client.request('offer.accept', { consultationId: consultation.id });
    const waiting = await join(citizen(uid('C')));
    await ask(waiting, { category: 'labor' });
    // Gauges follow the queue at most every report interval: read until they settle.
    const metric = (line: RegExp) => async () => Number(line.exec(await (await fetch(`http://127.0.0.1:${server.opsPort}/metrics`)).text())?.[1] ?? NaN);
    const settled = { timeout: 3000, interval: 50 };
    await expect.poll(metric(/^lawline_offers_total\{outcome="offered"\} (\d+)$/m), settled).toBeGreaterThanOrEqual(1);
    await expect.poll(metric(/^lawline_offers_total\{outcome="accepted"\} (\d+)$/m), settled).toBeGreaterThanOrEqual(1);
    await expect.poll(metric(/^lawline_time_to_answer_seconds_count\{category="labor"\} (\d+)$/m), settled).toBeGreaterThanOrEqual(1);
    await expect.poll(metric(/^lawline_queue_length\{category="labor"\} (\d+)$/m), settled).toBe(1);
    await expect.poll(metric(/^lawline_lawyers\{state="busy"\} (\d+)$/m), settled).toBe(1);
  });

  it('waits for the lawyer the citizen chose, then falls back to the queue; without fallback it keeps waiting', async () => {
    const other = await onDuty(lawyer(uid('L')));
    const chosen = await onDuty(lawyer(uid('L')));
    const cit = await join(citizen(uid('C')));
    const { consultation } = await ask(cit, { lawyerId: chosen.id });
    await chosen.next('offer', (o) => o.consultation.id === consultation.id);
    expect(other.pushes('offer')).toHaveLength(0);
    await chosen.client.request('offer.decline', { consultationId: consultation.id });
    await other.next('offer', (o) => o.consultation.id === consultation.id, 3000);

    await chosen.client.request('duty.away', {});
    const loyal = await join(citizen(uid('C')));
    const { consultation: waiting } = await ask(loyal, { lawyerId: chosen.id, fallbackToQueue: false });
    await new Promise((r) => setTimeout(r, 1200));
    expect(other.pushes('offer').filter((o) => o.consultation.id === waiting.id)).toHaveLength(0);
    await chosen.client.request('duty.on', {});
    await chosen.next('offer', (o) => o.consultation.id === waiting.id);
  });

  it('offers a returning citizen to their previous lawyer first when they agree', async () => {
    const idleLonger = await onDuty(lawyer(uid('L')));
    const previous = await onDuty(lawyer(uid('L')));
    const cit = await join(citizen(uid('C')));
    const { consultation: first } = await ask(cit, { lawyerId: previous.id });
    await previous.next('offer', (o) => o.consultation.id === first.id);
    await previous.client.request('offer.accept', { consultationId: first.id });
    await previous.client.request('consult.close', { consultationId: first.id });
    const { consultation: again } = await ask(cit, { preferPrevious: true });
    await previous.next('offer', (o) => o.consultation.id === again.id);
    await previous.client.request('offer.decline', { consultationId: again.id });
    await idleLonger.next('offer', (o) => o.consultation.id === again.id, 3000);
    // Without consent the usual order applies: the lawyer idle longest first.
    const { consultation: third } = await ask(cit);
    await idleLonger.client.request('offer.decline', { consultationId: again.id });
    await idleLonger.next('offer', (o) => o.consultation.id === third.id);
  });

  it('transfers a consultation to another category with a note; the transcript follows and the citizen is told', async () => {
    const labor = await onDuty(lawyer(uid('L'), '王律师', ['labor']));
    const family = await onDuty(lawyer(uid('L'), '李律师', ['family']));
    const cit = await join(citizen(uid('C')));
    const { consultation } = await ask(cit, { firstMessage: '离婚后单位不发工资' });
    await labor.next('offer', (o) => o.consultation.id === consultation.id);
    await labor.client.request('offer.accept', { consultationId: consultation.id });
    await cit.client.sendChat(consultation.id, '孩子抚养权也有问题').acked;
    const moved = await labor.client.request('consult.transfer', { consultationId: consultation.id, category: 'family', note: '主要是抚养权问题' });
    expect(moved.consultation).toMatchObject({ state: 'queued', category: 'family' });
    expect(moved.consultation.lawyer).toBeUndefined();
    expect((await cit.next('consult.state', (s) => s.reason === 'transferred')).consultation.category).toBe('family');
    const offer = await family.next('offer', (o) => o.consultation.id === consultation.id);
    expect(offer.handover).toMatchObject({ from: { id: labor.id }, note: '主要是抚养权问题' });
    await family.client.request('offer.accept', { consultationId: consultation.id });
    const { messages } = await family.client.request('consult.history', { consultationId: consultation.id });
    expect(messages.map((m) => m.body)).toEqual(['离婚后单位不发工资', '孩子抚养权也有问题']);
    await expect.poll(() => labor.pushes('duty.state').at(-1)?.presence).toMatchObject({ state: 'available', load: 0 });
    expect(labor.pushes('duty.state').some((d) => d.presence.load === 1)).toBe(true);
    const notMine = await labor.client.request('consult.transfer', { consultationId: consultation.id, category: 'labor', note: 'x' }).catch((e: { code: number }) => e);
    expect(notMine).toMatchObject({ code: ErrorCode.NOT_A_MEMBER });
    expect(JSON.stringify(cit.seen)).not.toContain('主要是抚养权问题');
  });

  it('answers bad routing requests with stable codes', async () => {
    const law = await join(lawyer(uid('L')));
    const code = (p: Promise<unknown>) => p.then(() => 'ok', (e: { code: number }) => e.code);
    expect(await code(law.client.request('duty.away', {}))).toBe(ErrorCode.NOT_ON_DUTY);
    expect(await code(law.client.request('duty.on', { capacity: 0 }))).toBe(ErrorCode.SCHEMA_VIOLATION);
    expect(await code(law.client.request('offer.decline', { consultationId: 'c_nothing' }))).toBe(ErrorCode.OFFER_GONE);
    const cit = await join(citizen(uid('C')));
    const other = await join(citizen(uid('C')));
    const { consultation } = await ask(cit);
    expect(await code(other.client.request('consult.convert', { consultationId: consultation.id }))).toBe(ErrorCode.NOT_A_MEMBER);
    await law.client.request('duty.on', {});
    await law.next('offer', (o) => o.consultation.id === consultation.id);
    await law.client.request('offer.accept', { consultationId: consultation.id });
    expect(await code(law.client.request('consult.transfer', { consultationId: consultation.id, note: '无目标' }))).toBe(ErrorCode.SCHEMA_VIOLATION);
    expect(await code(law.client.request('consult.transfer', { consultationId: consultation.id, lawyerId: law.id, note: '给自己' }))).toBe(ErrorCode.CONSULTATION_STATE);
    const { consultation: message } = await cit.client.request('consult.request', { category: 'labor', region: '320200', channel: 'message' });
    expect(await code(law.client.request('consult.pick', { consultationId: message.id }))).toBe(ErrorCode.CONSULTATION_STATE);
  });
});

const NO_WRAP_UP = { LAWLINE_WRAP_UP_MS: '0' };

describe('routing across a restart', () => {
  it("queues again what was waiting, and a lawyer's held consultations still count against capacity", async () => {
    const first = await startTestServer(NO_WRAP_UP);
    const cit = await Participant.connect(first, citizen('RS-C1'));
    const law = await Participant.connect(first, lawyer('RS-L1'));
    await law.client.request('duty.on', { capacity: 1 });
    const { consultation: held } = await cit.client.request('consult.request', { category: 'labor', region: '320200', channel: 'text' });
    await law.next('offer', (o) => o.consultation.id === held.id);
    await law.client.request('offer.accept', { consultationId: held.id });
    const { consultation: waiting } = await cit.client.request('consult.request', { category: 'labor', region: '320200', channel: 'text' });
    cit.close();
    law.close();
    await first.stop();

    const again = await startTestServer(NO_WRAP_UP, first.dataDir);
    try {
      const back = await Participant.connect(again, lawyer('RS-L1'));
      const { presence } = await back.client.request('duty.on', { capacity: 1 });
      expect(presence).toMatchObject({ load: 1, state: 'busy' });
      await back.client.request('consult.close', { consultationId: held.id });
      await back.next('offer', (o) => o.consultation.id === waiting.id);
      back.close();
    } finally {
      await again.cleanup();
    }
  });
});
