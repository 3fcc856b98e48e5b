import { describe, expect, it } from 'vitest';
import type { ChatMessageT, ReplyData, RequestData } from '../../protocol/frames.ts';
import { MessageLedger } from './gap-repair.ts';

// The ledger against a transcript held here: history answers pages of it as the server does.

const msg = (seq: number, from = 'other'): ChatMessageT => ({ consultationId: 'c1', seq, from: { id: from, role: 'lawyer', name: from }, clientMsgId: `m${seq}`, body: `#${seq}`, at: seq });

function world(transcript: ChatMessageT[], failFirst = 0) {
  const delivered: number[] = [];
  let calls = 0;
  const history = async ({ beforeSeq, limit }: RequestData<'consult.history'>): Promise<ReplyData<'consult.history'>> => {
    if (calls++ < failFirst) throw new Error('connection lost');
    const older = transcript.filter((m) => m.seq < (beforeSeq ?? Infinity));
    const n = limit ?? 50;
    return { messages: older.slice(-n), hasMore: older.length > n };
  };
  const ledger = new MessageLedger((m) => delivered.push(m.seq), history);
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
});
