import { describe, expect, it } from 'vitest';
import type { ChatMessageT, ReplyData, RequestData } from '../../protocol/frames.ts';
import { MessageLedger, REMEMBERED_CONSULTATIONS } from './gap-repair.ts';

// The ledger against a transcript held here: history answers pages of it as the server does.

const msg = (seq: number, from = 'other'): ChatMessageT => ({ consultationId: 'c1', seq, from: { id: from, role: 'lawyer', name: from }, clientMsgId: `m${seq}`, body: `#${seq}`, at: seq });

function world(transcript: ChatMessageT[], failFirst = 0, ownUnacked?: (m: ChatMessageT) => boolean) {
  const delivered: number[] = [];
  let calls = 0;
  const history = async ({ beforeSeq, limit }: RequestData<'consult.history'>): Promise<ReplyData<'consult.history'>> => {
    if (calls++ < failFirst) throw new Error('connection lost');
    const older = transcript.filter((m) => m.seq < (beforeSeq ?? Infinity));
    const n = limit ?? 50;
    return { messages: older.slice(-n), hasMore: older.length > n };
  };
  const ledger = new MessageLedger((m) => delivered.push(m.seq), history, undefined, ownUnacked);
  ledger.know({ id: 'c1', lastSeq: 0 } as never);
  return { ledger, delivered, calls: () => calls };
}

const settle = () => new Promise((r) => setTimeout(r, 10));

describe('MessageLedger', () => {
  it('fills a gap in live pushes from history, in order, once', async () => {
    const transcript = Array.from({ length: 250 }, (_, i) => msg(i + 1));
    const { ledger, delivered } = world(transcript);
    ledger.live(msg(1));
    ledger.live(msg(250)); // 2..249 were lost on the way
    ledger.live(msg(250)); // and a duplicate
    await settle();
    expect(delivered).toEqual(transcript.map((m) => m.seq));
  });

  it('holds pushes that arrive while it fills, and keeps trying history until it answers', async () => {
    const { ledger, delivered, calls } = world(Array.from({ length: 5 }, (_, i) => msg(i + 1)), 1);
    ledger.live(msg(3));
    ledger.live(msg(5));
    ledger.live(msg(4));
    await new Promise((r) => setTimeout(r, 700));
    expect(calls()).toBe(2);
    expect(delivered).toEqual([1, 2, 3, 4, 5]);
  });

  it("does not take the client's own messages for a gap (the server does not push them back)", async () => {
    const { ledger, delivered, calls } = world([msg(1), msg(2, 'me'), msg(3)]);
    ledger.live(msg(1));
    ledger.sent('c1', 2);
    ledger.live(msg(3));
    await settle();
    expect(delivered).toEqual([1, 3]);
    expect(calls()).toBe(0);
  });

  it("takes a message of the client's own that history shows before its ack came for that ack, not for news", async () => {
    const acked: number[] = [];
    const { ledger, delivered } = world([msg(1), msg(2, 'me'), msg(3)], 0, (m) => m.from.id === 'me' && acked.push(m.seq) > 0);
    ledger.live(msg(3));
    await settle();
    expect(delivered).toEqual([1, 3]);
    expect(acked).toEqual([2]);
  });

  it('carries what was delivered over to the next client, which then fills only what came after', async () => {
    const transcript = Array.from({ length: 6 }, (_, i) => msg(i + 1));
    const before = world(transcript);
    for (const m of transcript.slice(0, 4)) before.ledger.live(m);
    const after = world(transcript);
    after.ledger.forget();
    after.ledger.restore(before.ledger.saved());
    expect(after.ledger.deliveredUpTo('c1')).toBe(4);
    await after.ledger.repair([{ id: 'c1', lastSeq: 6 } as never]);
    expect(after.delivered).toEqual([5, 6]);
  });

  it('saves at most REMEMBERED_CONSULTATIONS, the most recently changed', () => {
    const { ledger } = world([]);
    for (let i = 0; i < REMEMBERED_CONSULTATIONS + 5; i++) ledger.know({ id: `k${i}`, lastSeq: i } as never);
    ledger.live(msg(1));
    const saved = ledger.saved();
    expect(saved).toHaveLength(REMEMBERED_CONSULTATIONS);
    expect(saved[0]).toEqual(['k6', 6]);
    expect(saved.at(-1)).toEqual(['c1', 1]);
    // This client still knows them all.
    expect(ledger.deliveredUpTo('k0')).toBe(0);
  });
});
