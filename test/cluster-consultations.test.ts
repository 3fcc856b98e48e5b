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
});
