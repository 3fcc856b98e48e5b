import { describe, expect, it } from 'vitest';
import { runBenchScript } from '../processes.ts';

interface Spread {
  median: number;
  min: number;
  max: number;
}

// Keeps B6 from rotting: both arms write, the sealed recording is the plain one plus its tags,
// and every figure is a real measurement.
describe('crypto at rest bench B6 (smoke size)', () => {
  it('writes a recording plain and sealed in alternating rounds, with AES-GCM speed beside it', async () => {
    const { stdout, results } = await runBenchScript<{
      commit: string;
      summary: { throughputRatio: Spread; cpuThroughputRatio: Spread; sizeOverhead: number; nodeGcmGBps: number; opensslGcmGBps?: number; sealBodyUs: number; plainMBps: Spread; sealedMBps: Spread };
      samples: { arm: string; bytes: number }[];
    }>('loadtest/bench/b6/run.ts', ['--smoke'], 120_000);
    expect(results.commit).toMatch(/^[0-9a-f]{40}$/);
    const { summary } = results;
    for (const s of [summary.plainMBps, summary.sealedMBps, summary.throughputRatio, summary.cpuThroughputRatio]) expect(s.median).toBeGreaterThan(0);
    // 16 bytes of tag per 64 KiB chunk and a 16-byte header: more than nothing, far less than 0.1%.
    expect(summary.sizeOverhead).toBeGreaterThan(0);
    expect(summary.sizeOverhead).toBeLessThan(0.001);
    expect(summary.nodeGcmGBps).toBeGreaterThan(0);
    expect(summary.sealBodyUs).toBeGreaterThan(0);
    expect(results.samples.filter((s) => s.arm === 'sealed').length).toBe(results.samples.filter((s) => s.arm === 'plain').length);
    expect(stdout).toContain('sealed ÷ plain');
  }, 130_000);
});
