import { describe, expect, it } from 'vitest';
import { MemoryCoordination } from '../backplane/memory/coordination.ts';
import { createLogger } from '../log.ts';
import { Leadership } from './leadership.ts';

/** A logger whose lines the test reads. */
function recorded() {
  const lines: string[] = [];
  const log = createLogger('info', { write: (line: string) => void lines.push(line) });
  return { log, saying: (text: string) => lines.filter((l) => l.includes(text)) };
}

/** About `n` asks of a Leadership with a 150 ms lease. */
const ticks = (n: number, askEveryMs = 50) => new Promise((r) => setTimeout(r, n * askEveryMs + 20));

describe('Leadership', () => {
  it('steps down and says so once when the backplane cannot be asked, and once when it answers again', async () => {
    const { log, saying } = recorded();
    const coordination = new MemoryCoordination();
    const lead = coordination.lead.bind(coordination);
    // A lease of 150 ms: asked every 50 ms.
    const leadership = new Leadership(coordination, 'n1', log, Date.now, 150);
    await leadership.start();
    expect(leadership.held).toBe(true);
    let failures = 0;
    coordination.lead = () => {
      failures++;
      return Promise.reject(new Error('redis unreachable'));
    };
    await expect.poll(() => failures, { timeout: 5000 }).toBeGreaterThanOrEqual(6);
    expect(leadership.held).toBe(false);
    // Six failed asks (a Redis outage asks every third of the lease): one line, not six.
    const failed = saying('leadership: could not ask the backplane');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toContain('redis unreachable');
    expect(failed[0]).toContain('"held":true');
    coordination.lead = lead;
    await expect.poll(() => leadership.held, { timeout: 5000 }).toBe(true);
    await ticks(3);
    leadership.stop();
    expect(saying('leadership: the backplane answers again')).toHaveLength(1);
    expect(saying('leadership: could not ask the backplane')).toHaveLength(1);
  });

  it('says once that another node took the role', async () => {
    const { log, saying } = recorded();
    const coordination = new MemoryCoordination();
    const leadership = new Leadership(coordination, 'n1', log, Date.now, 150);
    await leadership.start();
    expect(leadership.held).toBe(true);
    // n2's clock is past n1's lease: it takes the role, and keeps it while it asks.
    const other = new Leadership(coordination, 'n2', createLogger('silent'), () => Date.now() + 1_000, 150);
    await other.start();
    expect(other.held).toBe(true);
    await expect.poll(() => leadership.held, { timeout: 5000 }).toBe(false);
    await ticks(3);
    leadership.stop();
    other.stop();
    expect(saying('leadership: another node took the role')).toHaveLength(1);
    expect(saying('leadership: could not ask the backplane')).toHaveLength(0);
  });
});
