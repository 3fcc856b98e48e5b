import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RecordedPushes } from '../../test/helpers/pushes.ts';
import { MemoryBackplane } from '../backplane/memory/index.ts';
import { createLogger } from '../log.ts';
import { openFileStore, type FileStore } from '../store/file/index.ts';
import { LocalTime } from './coverage.ts';
import { RosterService } from './roster.ts';

const time = new LocalTime(480);
const DAY_MS = 24 * 3600_000;

describe('roster reminders', () => {
  let dir: string | undefined;
  let store: FileStore | undefined;
  afterEach(async () => {
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('remember the shifts of yesterday and today only: a node up for a year does not keep every shift it reminded of', async () => {
    dir = mkdtempSync(join(tmpdir(), 'lawline-roster-'));
    store = await openFileStore({ dir });
    const pushes = new RecordedPushes();
    const first = time.at('2026-11-01', '09:30');
    let now = first;
    const roster = new RosterService({ store, presence: new MemoryBackplane().presence, pusher: pushes, log: createLogger('silent'), now: () => now, utcOffsetMin: 480, tickMs: 1e9 });
    const lawyers = ['L1', 'L2', 'L3'];
    for (let d = 0; d < 30; d++) {
      now = first + d * DAY_MS;
      const day = time.day(now);
      await roster.putRoster(day, lawyers.map((lawyerId) => ({ lawyerId, start: '09:00', end: '17:00', categories: ['labor'], region: '320200' })));
      await roster.remind();
      // Once per shift: a second pass the same hour reminds nobody again.
      await roster.remind();
    }
    expect(pushes.of('roster.reminder')).toHaveLength(30 * lawyers.length);
    // Yesterday's and today's shifts (a night shift may run past midnight), not thirty days' worth.
    expect(roster.remembered).toBeLessThanOrEqual(2 * lawyers.length);
  });
});
