import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../protocol/errors.ts';
import { LIMITS } from '../protocol/frames.ts';
import { citizen, lawyer } from './helpers/people.ts';
import { cast, type Participant } from './helpers/recorder.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

// What the citizen's app is told over real sockets (SDK clients): the record of ended ones.
let server: TestServer;
const people = cast(() => server);
let n = 0;
const uid = (p: string) => `${p}${++n}`;

beforeAll(async () => {
  server = await startTestServer({ LAWLINE_OFFER_TIMEOUT_MS: '5000' });
});
afterAll(() => server.cleanup());
afterEach(() => people.dismiss());

const ask = (c: Participant, over: Record<string, unknown> = {}) =>
  c.client.request('consult.request', { category: 'labor', region: '320200', channel: 'text', ...over } as never);
const code = (p: Promise<unknown>) => p.then(() => 'ok', (e: { code: number }) => e.code);

describe("the citizen's steps", () => {
  it("lists a citizen's own ended consultations a page at a time, newest first; only citizens may ask", async () => {
    const law = await people.join(lawyer(uid('L')));
    const cit = await people.join(citizen(uid('C')));
    const other = await people.join(citizen(uid('C')));
    const ended: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { consultation } = await ask(cit, { firstMessage: `第${i}次` });
      await law.client.request('consult.pick', { consultationId: consultation.id });
      await law.client.request('consult.join', { consultationId: consultation.id });
      await law.client.request('consult.close', { consultationId: consultation.id, note: '仅律师可见' });
      ended.unshift(consultation.id);
    }
    const { consultation: cancelled } = await ask(cit);
    await cit.client.request('consult.cancel', { consultationId: cancelled.id });
    ended.unshift(cancelled.id);
    const { consultation: open } = await ask(cit);
    const { consultation: theirs } = await ask(other);
    await other.client.request('consult.cancel', { consultationId: theirs.id });

    const first = await cit.client.request('consult.past', { limit: 3 });
    expect(first.consultations.map((c) => c.id)).toEqual(ended.slice(0, 3));
    expect(first.hasMore).toBe(true);
    const last = first.consultations.at(-1);
    const second = await cit.client.request('consult.past', { limit: 3, before: { createdAt: last?.createdAt ?? 0, id: last?.id ?? '' } });
    expect(second).toEqual({ consultations: [expect.objectContaining({ id: ended[3], state: 'closed', lawyer: expect.objectContaining({ id: law.id }) })], hasMore: false });
    // The view, as everywhere: never the lawyer's note; the open one is not past.
    expect(JSON.stringify([first, second])).not.toContain('仅律师可见');
    expect(JSON.stringify([first, second])).not.toContain(open.id);
    expect((await other.client.request('consult.past', {})).consultations.map((c) => c.id)).toEqual([theirs.id]);

    expect(await code(law.client.request('consult.past', {}))).toBe(ErrorCode.FORBIDDEN);
    expect(await code(cit.client.request('consult.past', { limit: LIMITS.pastPageMax + 1 }))).toBe(ErrorCode.SCHEMA_VIOLATION);
  });
});
