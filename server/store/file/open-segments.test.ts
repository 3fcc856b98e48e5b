import { mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { consultation } from '../../../test/contracts/store.ts';
import type { Person } from '../port.ts';
import { FileStore } from './index.ts';
import { OLD_SEGMENTS_OPEN } from './segment-handles.ts';

const citizen: Person = { id: 'C1', role: 'citizen', name: '张三' };
/** The old segments the cache may hold, and the one being written. */
const BOUND = OLD_SEGMENTS_OPEN + 1;

/** Files this process has open under `dir`, as the kernel sees them. */
function openFilesUnder(dir: string): number {
  let count = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    let target: string;
    try {
      target = readlinkSync(join('/proc/self/fd', fd));
    } catch (e) {
      // The fd readdir itself used is gone by now; any other failure is real.
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw e;
    }
    if (target.startsWith(`${dir}/`)) count++;
  }
  return count;
}

describe('file store: open segment files', () => {
  it('keeps its open files bounded across many rotations, and reads every old segment, before and after a restart', async () => {
    // Each rotated segment used to keep its fd for good: at 64 MB a segment, 4-5 more an hour
    // under the soak's 300 msg/s. Here 1 KB segments make ~60 of them.
    const dir = mkdtempSync(join(tmpdir(), 'lawline-fds-'));
    const segmentsDir = join(dir, 'segments');
    try {
      let store = await FileStore.open({ dir, segmentBytes: 1024 });
      const cs = [consultation({ state: 'active' }), consultation({ state: 'active' }), consultation({ state: 'active' })];
      for (const c of cs) await store.createConsultation(c);
      const count = 120;
      const body = (c: number, i: number) => `消息 ${c}/${i} ${'z'.repeat(60)}`;
      for (let i = 0; i < count; i++) {
        for (const [k, c] of cs.entries()) await store.appendMessage({ consultationId: c.id, from: citizen, clientMsgId: `m${i}`, body: body(k, i), at: i });
      }
      const segments = readdirSync(segmentsDir).length;
      expect(segments).toBeGreaterThan(4 * BOUND);
      expect(openFilesUnder(segmentsDir)).toBeLessThanOrEqual(BOUND);

      const readAll = async (s: FileStore) => {
        // Every message one page at a time, all at once: handles are evicted while reads are in flight.
        const pages = await Promise.all(cs.flatMap((c) => Array.from({ length: count }, (_, i) => s.history(c.id, { beforeSeq: i + 2, limit: 1 }))));
        const bodies = pages.map((p) => p.messages.map((m) => m.body));
        expect(bodies).toEqual(cs.flatMap((_, k) => Array.from({ length: count }, (_, i) => [body(k, i)])));
        // And newest first, page by page, as a client scrolls back.
        for (const [k, c] of cs.entries()) {
          const seen: string[] = [];
          let before: number | undefined;
          for (;;) {
            const page = await s.history(c.id, { beforeSeq: before, limit: 7 });
            seen.unshift(...page.messages.map((m) => m.body));
            if (!page.hasMore) break;
            before = page.messages[0]?.seq;
          }
          expect(seen).toEqual(Array.from({ length: count }, (_, i) => body(k, i)));
        }
      };

      await readAll(store);
      expect(openFilesUnder(segmentsDir)).toBeLessThanOrEqual(BOUND);
      await store.close();
      expect(openFilesUnder(segmentsDir)).toBe(0);

      store = await FileStore.open({ dir, segmentBytes: 1024 });
      expect(openFilesUnder(segmentsDir)).toBe(1);
      await readAll(store);
      expect(openFilesUnder(segmentsDir)).toBeLessThanOrEqual(BOUND);
      await store.close();
      expect(openFilesUnder(segmentsDir)).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
