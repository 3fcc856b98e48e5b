import { describe, expect, it } from 'vitest';
import { runBenchScript } from '../processes.ts';
import type { Fill, RoundSample, SizeSummary } from './report.ts';

// Keeps B8 from rotting: every engine fills, restarts after a crash with its history readable,
// carries a closed loop and a fixed rate with every retry answered as the first message.
describe('store scale bench B8 (smoke size)', () => {
  it('fills, restarts and loads the file store and the SQLite store, and writes the results', async () => {
    const { stdout, results } = await runBenchScript<{ summary: SizeSummary[]; fills: Fill[]; samples: RoundSample[]; startups: number[]; machine: { nproc: number }; commit: string }>(
      'loadtest/bench/b8/run.ts',
      ['--smoke'],
      170_000,
    );
    expect(results.commit).toMatch(/^[0-9a-f]{40}$/);
    expect([...new Set(results.fills.map((f) => f.arm))]).toEqual(['file', 'sqlite']);
    for (const f of results.fills) expect(f.errors, f.arm).toBe(0);
    const [size] = results.summary;
    expect(size?.arms.map((a) => a.arm)).toEqual(['file', 'sqlite']);
    for (const a of size?.arms ?? []) {
      expect(a.errors, a.arm).toBe(0);
      expect(a.readyMs.median, a.arm).toBeGreaterThan(0);
      expect(a.rssAnonMB.median, a.arm).toBeGreaterThan(0);
      expect(a.rssMB.median, a.arm).toBeGreaterThanOrEqual(a.rssAnonMB.median);
      expect(a.diskMB, a.arm).toBeGreaterThan(0);
      expect(a.closedMsgsPerSec, a.arm).toBeGreaterThan(0);
      expect(a.rateAckP99Ms, a.arm).toBeGreaterThan(0);
    }
    for (const a of size?.arms.slice(1) ?? []) expect(Number.isFinite(a.cpuRatio?.median) && (a.cpuRatio?.median ?? 0) > 0, a.arm).toBe(true);
    // After a SIGKILL, the old consultations' messages are all there to read.
    for (const s of results.samples) expect(s.reads.messages, s.arm).toBeGreaterThan(0);
    // Retries were sent and answered as the first message (each arm's errors are 0 above).
    expect(results.samples.reduce((n, s) => n + s.closed.counters.duplicates + s.rate.counters.duplicates, 0)).toBeGreaterThan(0);
    expect(results.startups.length).toBeGreaterThan(0);
    expect(stdout).toContain('stored messages');
  }, 180_000);
});
