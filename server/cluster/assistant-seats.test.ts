import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../protocol/errors.ts';
import { MemoryCoordination } from '../backplane/memory/coordination.ts';
import { createLogger } from '../log.ts';
import { AssistantRegistry } from './assistant-seats.ts';

const seatsOn = (nodeId: string) => ({ nodeId, log: createLogger('silent'), onSeatLost: () => undefined });

describe('AssistantRegistry', () => {
  it('allows three distinct assistants per lawyer, counts devices once, and frees a slot on release', async () => {
    const reg = new AssistantRegistry(new MemoryCoordination(), seatsOn('n1'));
    const a1 = await reg.claim('L1', 'A1');
    const a1again = await reg.claim('L1', 'A1');
    const a2 = await reg.claim('L1', 'A2');
    const a3 = await reg.claim('L1', 'A3');
    expect([a1.ok, a1again.ok, a2.ok, a3.ok]).toEqual([true, true, true, true]);
    expect(await reg.claim('L1', 'A4')).toMatchObject({ ok: false, error: { code: ErrorCode.ASSISTANT_LIMIT } });
    expect((await reg.claim('L2', 'A4')).ok).toBe(true);
    if (a1.ok) a1.value();
    expect((await reg.claim('L1', 'A4')).ok).toBe(false); // A1 still has a second device
    if (a1again.ok) a1again.value();
    await new Promise((r) => setImmediate(r));
    expect((await reg.claim('L1', 'A4')).ok).toBe(true);
  });

  it('fails (to be retried) rather than refuses when the seats cannot be counted', async () => {
    const down = new MemoryCoordination();
    down.claimAssistantSeat = () => Promise.reject(new Error('redis unreachable'));
    await expect(new AssistantRegistry(down, seatsOn('n1')).claim('L1', 'A1')).rejects.toThrow('redis unreachable');
  });

  it('says so in the log when its seats cannot be renewed', async () => {
    const lines: string[] = [];
    const down = new MemoryCoordination();
    down.renewAssistantSeats = () => Promise.reject(new Error('redis unreachable'));
    const reg = new AssistantRegistry(down, { ...seatsOn('n1'), log: createLogger('info', { write: (line: string) => void lines.push(line) }), ttlMs: 60 });
    expect((await reg.claim('L1', 'A1')).ok).toBe(true);
    reg.start();
    await new Promise((r) => setTimeout(r, 100));
    reg.stop();
    expect(lines.some((l) => l.includes('assistant seats could not be renewed') && l.includes('redis unreachable'))).toBe(true);
  });

  it('counts assistants across nodes sharing a backplane', async () => {
    const shared = new MemoryCoordination();
    const [n1, n2] = [new AssistantRegistry(shared, seatsOn('n1')), new AssistantRegistry(shared, seatsOn('n2'))];
    expect([(await n1.claim('L1', 'A1')).ok, (await n2.claim('L1', 'A2')).ok, (await n2.claim('L1', 'A3')).ok]).toEqual([true, true, true]);
    expect(await n1.claim('L1', 'A4')).toMatchObject({ ok: false, error: { code: ErrorCode.ASSISTANT_LIMIT } });
    expect((await n2.claim('L1', 'A1')).ok).toBe(true);
  });
});
