import { describe, expect, it } from 'vitest';
import type { ServerFrame } from '../../protocol/frames.ts';
import type { Identity } from '../auth/identity.ts';
import { SessionRegistry } from './registry.ts';
import type { Session, Transport } from './session.ts';

const citizen: Identity = { id: 'C1', role: 'citizen', name: '张三', expiresAt: Number.MAX_SAFE_INTEGER };
const message = (seq: number) => ({ consultationId: 'c1', seq, from: { id: 'L1', role: 'lawyer' as const, name: '李律师' }, clientMsgId: `m${seq}`, body: '您好', at: seq });

function connect(registry: SessionRegistry): { session: Session; transport: Transport; sent: ServerFrame[] } {
  const sent: ServerFrame[] = [];
  const transport = { send: (f: ServerFrame) => void sent.push(f), close: () => undefined };
  const session = registry.create(citizen);
  session.attach(transport);
  registry.attached(session);
  return { session, transport, sent };
}

function disconnect(registry: SessionRegistry, { session, transport }: { session: Session; transport: Transport }): void {
  if (session.detach(transport)) registry.detached(session);
}

describe('session registry: what disconnected sessions hold', () => {
  it('bounds the pushes held by a user’s abandoned sessions, dropping the longest gone first', () => {
    // A client that starts afresh every few seconds (a reload, a load test's next run) leaves a
    // session behind each time, and each went on taking every push for the whole window.
    const registry = new SessionRegistry(60_000, { bufferMax: 100_000, onOverflow: () => undefined, detachedHoldMax: 1_000 });
    const left: Session[] = [];
    let seq = 0;
    for (let run = 0; run < 30; run++) {
      const device = connect(registry);
      for (let i = 0; i < 200; i++) registry.push(['u:C1'], 'chat.message', message(++seq));
      device.session.ack(device.session.lastSeq - 3); // a few pushes still unacked when the socket goes
      disconnect(registry, device);
      left.push(device.session);
      const kept = left.filter((s) => registry.get(s.id) === s);
      const held = kept.reduce((n, s) => n + s.pendingCount(), 0);
      expect(held).toBeLessThanOrEqual(1_000);
      expect(registry.heldForResume).toBe(held);
    }
    expect(registry.get((left[0] as Session).id)).toBeUndefined();
    // The most recent one still resumes with exactly what it missed.
    const last = left.at(-1) as Session;
    expect(registry.get(last.id)).toBe(last);
    const acked = last.lastSeq - 3;
    expect(last.canResumeFrom(acked)).toBe(true);
    const sent: ServerFrame[] = [];
    last.attach({ send: (f) => void sent.push(f), close: () => undefined });
    registry.attached(last);
    last.replayAfter(acked);
    expect(sent.map((f) => (f.type === 'push' ? f.seq : -1))).toEqual([acked + 1, acked + 2, acked + 3]);
    registry.closeAll();
    expect(registry.heldForResume).toBe(0);
  });

  it('drops a disconnected session as soon as it overflows: it can never be resumed, and holds its buffer until then', () => {
    const registry = new SessionRegistry(60_000, { bufferMax: 10, onOverflow: () => undefined });
    const gone = connect(registry);
    const here = connect(registry);
    disconnect(registry, gone);
    for (let i = 1; i <= 12; i++) registry.push(['u:C1'], 'chat.message', message(i));
    expect(registry.get(gone.session.id)).toBeUndefined();
    expect(registry.heldForResume).toBe(0);
    expect(here.sent).toHaveLength(10);
    registry.closeAll();
  });

  it('counts only sessions waiting to be resumed: a resumed one holds nothing for the budget', () => {
    const registry = new SessionRegistry(60_000, { bufferMax: 1_000, onOverflow: () => undefined, detachedHoldMax: 5 });
    const device = connect(registry);
    for (let i = 1; i <= 20; i++) registry.push(['u:C1'], 'chat.message', message(i));
    expect(registry.heldForResume).toBe(0); // attached: its client acks, the budget is for the departed
    device.session.ack(20);
    disconnect(registry, device);
    for (let i = 21; i <= 24; i++) registry.push(['u:C1'], 'chat.message', message(i));
    expect(registry.heldForResume).toBe(4);
    device.session.attach(device.transport);
    registry.attached(device.session);
    expect(registry.heldForResume).toBe(0);
    for (let i = 25; i <= 40; i++) registry.push(['u:C1'], 'chat.message', message(i));
    expect(registry.get(device.session.id)).toBe(device.session);
    registry.closeAll();
  });
});
