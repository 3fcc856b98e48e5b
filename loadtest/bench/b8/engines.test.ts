import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConsultationRecord, NewMessage } from '../../../server/store/port.ts';
import { ENGINES, openEngine } from './engine.ts';

// What B8 compares must be the same work in every arm: the chat path's answers, kept across a restart.
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const consultation = (id: string): ConsultationRecord => ({
  id,
  state: 'active',
  category: 'labor',
  region: '320200',
  channel: 'text',
  citizen: { id: 'C-1', role: 'citizen', name: '市民' },
  lawyer: { id: 'L-1', role: 'lawyer', name: '律师' },
  createdAt: 1,
  updatedAt: 1,
  lastSeq: 0,
});
const message = (consultationId: string, clientMsgId: string, body = '你好'): NewMessage => ({ consultationId, from: { id: 'C-1', role: 'citizen', name: '市民' }, clientMsgId, body, at: 2 });

describe.each(ENGINES)('B8 engine %s', (name) => {
  it('numbers messages, answers a retry with the first, refuses a closed consultation, and keeps it all across a reopen', async () => {
    const dir = mkdtempSync(join(tmpdir(), `lawline-b8-${name}-`));
    dirs.push(dir);
    const engine = await openEngine(name, dir);
    await Promise.all([engine.create(consultation('c_a')), engine.create(consultation('c_b'))]);
    // Concurrent appends: one group commit; the retry in the same batch gets the first's seq.
    const [a1, a2, retry, b1] = await Promise.all([
      engine.append(message('c_a', 'm1')),
      engine.append(message('c_a', 'm2')),
      engine.append(message('c_a', 'm1', 'resent')),
      engine.append(message('c_b', 'm1')),
    ]);
    expect([a1, a2, retry, b1]).toEqual([
      { seq: 1, duplicate: false },
      { seq: 2, duplicate: false },
      { seq: 1, duplicate: true },
      { seq: 1, duplicate: false },
    ]);
    await engine.finish('c_b', 3);
    expect(await engine.append(message('c_b', 'm9'))).toEqual({ refused: true });
    await engine.shutdown();

    const again = await openEngine(name, dir);
    const page = await again.history('c_a', 50);
    expect(page.consultation?.state).toBe('active');
    expect(page.messages.map((m) => [m.seq, m.clientMsgId, m.body])).toEqual([
      [1, 'm1', '你好'],
      [2, 'm2', '你好'],
    ]);
    expect(await again.append(message('c_a', 'm2'))).toEqual({ seq: 2, duplicate: true });
    expect(await again.append(message('c_a', 'm3'))).toEqual({ seq: 3, duplicate: false });
    expect((await again.history('c_a', 2)).messages.map((m) => m.seq)).toEqual([2, 3]);
    expect((await again.history('c_b', 50)).consultation?.state).toBe('closed');
    expect(await again.append(message('c_b', 'm10'))).toEqual({ refused: true });
    expect((await again.history('c_none', 50)).consultation).toBeUndefined();
    await again.shutdown();
  });
});
