import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../protocol/errors.ts';
import type { ConsultationViewT } from '../protocol/frames.ts';
import { citizen, lawyer } from './helpers/people.ts';
import { Participant } from './helpers/recorder.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';
import { DATABASE_URL } from './helpers/services.ts';

// One citizen may have only so many consultations open at once, live and message together.
const CAP = 2;
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ LAWLINE_MAX_OPEN_PER_CITIZEN: String(CAP) });
});
afterAll(() => server.cleanup());
const refusals = async () => Number(/^lawline_refused_total\{limit="open-per-citizen"\} (\d+)$/m.exec(await (await fetch(`http://127.0.0.1:${server.opsPort}/metrics`)).text())?.[1] ?? 0);

type Answer = ConsultationViewT | { code: number };
const ask = (p: Participant, channel: 'text' | 'message'): Promise<Answer> =>
  p.client.request('consult.request', { category: 'labor', region: '320200', channel }).then(
    (r) => r.consultation,
    (e: { code: number }) => ({ code: e.code }),
  );
const isCreated = (a: Answer): a is ConsultationViewT => 'id' in a;

describe('open consultations per citizen', () => {
  it('refuses one more than the cap with 4002, also when two devices ask at once, counts it, and lets them ask again once one is over', async () => {
    const law = await Participant.connect(server, lawyer('CAP-L1'));
    await law.client.request('duty.on', { capacity: 10 });
    const phone = await Participant.connect(server, citizen('CAP-C1'));
    const laptop = await Participant.connect(server, citizen('CAP-C1'));
    const before = await refusals();

    const answers = await Promise.all([ask(phone, 'text'), ask(laptop, 'message'), ask(phone, 'text'), ask(laptop, 'text'), ask(phone, 'message')]);
    const created = answers.filter(isCreated);
    expect(created).toHaveLength(CAP);
    expect(answers.filter((a) => !isCreated(a))).toEqual([{ code: ErrorCode.TOO_MANY_OPEN }, { code: ErrorCode.TOO_MANY_OPEN }, { code: ErrorCode.TOO_MANY_OPEN }]);
    expect(await refusals()).toBe(before + 3);
    expect((await phone.client.request('consult.list', {})).consultations.map((c) => c.id).sort()).toEqual(created.map((c) => c.id).sort());
    // A refused request left nothing behind: no record, and no offer rang for it.
    await new Promise((r) => setTimeout(r, 200));
    expect(law.pushes('offer').every((o) => created.some((c) => c.id === o.consultation.id))).toBe(true);

    // Someone else is not held back by this citizen's cap; this citizen is, until one is over.
    const other = await Participant.connect(server, citizen('CAP-C2'));
    expect(isCreated(await ask(other, 'text'))).toBe(true);
    expect(await ask(phone, 'message')).toEqual({ code: ErrorCode.TOO_MANY_OPEN });
    const first = created[0] as ConsultationViewT;
    if (first.state === 'queued') await phone.client.request('consult.cancel', { consultationId: first.id });
    else await phone.client.request('consult.close', { consultationId: first.id });
    expect(isCreated(await ask(laptop, 'message'))).toBe(true);
    for (const p of [law, phone, laptop, other]) p.close();
  });
});

// The embedded node routes a request while its record commits. A request the cap refuses must
// not ring at all: not offered and withdrawn, not offered. On the file store the refusal is
// known before the fsync; on PostgreSQL only at the commit, so it is routed after that.
describe.each([
  ['the file store', () => ({})],
  ['PostgreSQL', () => ({ DATABASE_URL, LAWLINE_DATABASE_SCHEMA: `lawline_cap_${randomBytes(5).toString('hex')}` })],
])('a request over the cap, on an embedded node with %s', (_, env) => {
  it('never rings for the lawyer on duty, also when asked again and again, from two devices at once', async () => {
    const settings: Record<string, string> = { LAWLINE_MAX_OPEN_PER_CITIZEN: '1', ...env() };
    const node = await startTestServer(settings);
    try {
      const law = await Participant.connect(node, lawyer('RING-L1', '王律师', ['labor']));
      await law.client.request('duty.on', { capacity: 10 });
      const phone = await Participant.connect(node, citizen('RING-C1'));
      const laptop = await Participant.connect(node, citizen('RING-C1'));
      // At the cap with a message left in a category this lawyer does not serve.
      await phone.client.request('consult.request', { category: 'family', region: '320200', channel: 'message' });
      for (let round = 0; round < 10; round++) {
        const answers = await Promise.all([phone, laptop].map((p) => ask(p, 'text')));
        expect(answers).toEqual([{ code: ErrorCode.TOO_MANY_OPEN }, { code: ErrorCode.TOO_MANY_OPEN }]);
      }
      await new Promise((r) => setTimeout(r, 200));
      expect(law.pushes('offer')).toEqual([]);
      expect(law.pushes('offer.ended')).toEqual([]);
      // Below the cap the same request is offered.
      const { consultations } = await phone.client.request('consult.list', {});
      await phone.client.request('consult.cancel', { consultationId: (consultations[0] as ConsultationViewT).id });
      const asked = await ask(laptop, 'text');
      expect(isCreated(asked)).toBe(true);
      await law.next('offer', (o) => isCreated(asked) && o.consultation.id === asked.id);
      for (const p of [law, phone, laptop]) p.close();
    } finally {
      await node.cleanup();
      if (settings.LAWLINE_DATABASE_SCHEMA) {
        const client = new pg.Client({ connectionString: DATABASE_URL });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS ${settings.LAWLINE_DATABASE_SCHEMA} CASCADE`);
        await client.end();
      }
    }
  });
});
