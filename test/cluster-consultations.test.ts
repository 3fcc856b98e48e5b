import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../protocol/errors.ts';
import { sharedCluster } from './helpers/cluster.ts';
import { citizen, lawyer } from './helpers/people.ts';

// Offers and consultations where the people involved sit on different nodes of a cluster
// (Redis backplane, PostgreSQL store).

// Both long: an offer that moves on within a couple of seconds can only have been withdrawn.
const OFFER_TIMEOUT_MS = 20_000;
const MAX_OPEN = 2;

describe('a cluster', () => {
  const { on } = sharedCluster(2, { LAWLINE_RESUME_WINDOW_MS: '60000', LAWLINE_OFFER_TIMEOUT_MS: String(OFFER_TIMEOUT_MS), LAWLINE_MAX_OPEN_PER_CITIZEN: String(MAX_OPEN) });

  it("offers the next lawyer, on another node, at once when the offered lawyer's device drops", async () => {
    const first = await on(0, lawyer('CC-L1', '王律师', ['labor']));
    await first.client.request('duty.on', {});
    const second = await on(1, lawyer('CC-L2', '李律师', ['labor']));
    await second.client.request('duty.on', {});
    const asker = await on(1, citizen('CC-C1'));
    const { consultation } = await asker.client.request('consult.request', { category: 'labor', region: '320200', channel: 'text' });
    // Longest idle first: the first lawyer came on duty earlier.
    await first.next('offer', (o) => o.consultation.id === consultation.id, 5000);
    const gone = Date.now();
    first.close();
    await second.next('offer', (o) => o.consultation.id === consultation.id, OFFER_TIMEOUT_MS / 4);
    expect(Date.now() - gone).toBeLessThan(OFFER_TIMEOUT_MS / 10);
    await second.client.request('offer.accept', { consultationId: consultation.id });
  });

  it("keeps a citizen's cap on open consultations when their devices on two nodes ask at once", async () => {
    const phone = await on(0, citizen('CC-C2'));
    const laptop = await on(1, citizen('CC-C2'));
    const asks = Array.from({ length: 8 }, (_, i) =>
      (i % 2 ? laptop : phone).client.request('consult.request', { category: 'family', region: '320200', channel: i % 4 === 3 ? 'message' : 'text' }).then(
        () => 'created',
        (e: { code: number }) => e.code,
      ),
    );
    const answers = await Promise.all(asks);
    expect(answers.filter((a) => a === 'created')).toHaveLength(MAX_OPEN);
    expect(answers.filter((a) => a !== 'created')).toEqual(Array(8 - MAX_OPEN).fill(ErrorCode.TOO_MANY_OPEN));
    expect((await laptop.client.request('consult.list', {})).consultations).toHaveLength(MAX_OPEN);
  });

  it('makes one consultation of a request resent through two nodes at once, offered once, counted once against the cap', async () => {
    const law = await on(0, lawyer('CC-L3', '赵律师', ['ip']));
    await law.client.request('duty.on', {});
    const phone = await on(0, citizen('CC-C3'));
    const laptop = await on(1, citizen('CC-C3'));
    const asked = { category: 'ip', region: '320200', channel: 'text', firstMessage: '商标被抢注了', clientRequestId: 'q-cc-3' } as const;
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? laptop : phone).client.request('consult.request', asked)));
    const ids = new Set(answers.map((a) => a.consultation.id));
    expect(ids.size).toBe(1);
    const [id] = [...ids] as [string];
    await law.next('offer', (o) => o.consultation.id === id, 5000);
    // One more fits under the cap of two: the six counted once.
    expect((await phone.client.request('consult.request', { category: 'ip', region: '320200', channel: 'message' })).consultation.id).not.toBe(id);
    expect((await laptop.client.request('consult.list', {})).consultations).toHaveLength(MAX_OPEN);
    expect((await phone.client.request('consult.history', { consultationId: id })).messages.map((m) => m.body)).toEqual([asked.firstMessage]);
    await new Promise((r) => setTimeout(r, 300));
    expect(new Set(law.pushes('offer').map((o) => o.consultation.id))).toEqual(new Set([id]));
  });
});
