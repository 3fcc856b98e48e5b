import { describe, expect, it } from 'vitest';
import { MemoryCoordination } from '../backplane/memory/coordination.ts';
import { createLogger } from '../log.ts';
import { Leadership } from './leadership.ts';

describe('Leadership', () => {
  it('steps down and says so in the log when the backplane cannot be asked', async () => {
    const lines: string[] = [];
    const log = createLogger('info', { write: (line: string) => void lines.push(line) });
    const coordination = new MemoryCoordination();
    const leadership = new Leadership(coordination, 'n1', log, Date.now, 60);
    await leadership.start();
    expect(leadership.held).toBe(true);
    coordination.lead = () => Promise.reject(new Error('redis unreachable'));
    await new Promise((r) => setTimeout(r, 100));
    expect(leadership.held).toBe(false);
    leadership.stop();
    const line = lines.find((l) => l.includes('leadership: could not ask the backplane'));
    expect(line, 'the warning').toBeDefined();
    expect(line).toContain('redis unreachable');
    expect(line).toContain('"held":true');
  });
});
