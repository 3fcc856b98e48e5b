import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SegmentLog } from './segment-log.ts';

describe('segment log', () => {
  it('reopens a segment holding more records than a call may take arguments', async () => {
    // Recovery once spread a segment's records into one push(): ~130,000 chat messages (34 MB of a
    // 64 MB segment) and the node could no longer start (RangeError: Maximum call stack size exceeded).
    const dir = mkdtempSync(join(tmpdir(), 'lawline-segments-'));
    try {
      const count = 200_000;
      const { log } = await SegmentLog.open(dir, 64 * 1024 * 1024);
      const payload = (i: number) => Uint8Array.of(i & 0xff, (i >> 8) & 0xff, i >> 16);
      const written = await Promise.all(Array.from({ length: count }, (_, i) => log.append(payload(i))));
      await log.close();
      expect(new Set(written.map((l) => l.segment)).size).toBe(1);
      const reopened = await SegmentLog.open(dir, 64 * 1024 * 1024);
      expect(reopened.recovered.length).toBe(count);
      expect([...(reopened.recovered.at(-1)?.payload ?? [])]).toEqual([...payload(count - 1)]);
      await reopened.log.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
