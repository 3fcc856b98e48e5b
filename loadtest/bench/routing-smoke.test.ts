import { describe, expect, it } from 'vitest';
import { runBenchScript } from './processes.ts';

// Keeps B5 from rotting: every offered request is routed and measured, and the matcher arms run.
describe('routing bench (smoke size)', () => {
  it('measures request -> offer latency and the matcher against a linear scan', async () => {
    const { results } = await runBenchScript<{ summary: { latencyP50Ms: number; latencyP99Ms: number; offersPerSec: number; matcher: { indexedPerSec: number; scanPerSec: number; ratio: number } } }>('loadtest/bench/routing.ts', ['--smoke'], 170_000);
    const { summary } = results;
    expect(summary.offersPerSec).toBeGreaterThan(50);
    expect(summary.latencyP50Ms).toBeGreaterThan(0);
    expect(summary.latencyP99Ms).toBeGreaterThanOrEqual(summary.latencyP50Ms);
    expect(summary.matcher.indexedPerSec).toBeGreaterThan(0);
    expect(summary.matcher.scanPerSec).toBeGreaterThan(0);
    expect(Number.isFinite(summary.matcher.ratio)).toBe(true);
  }, 180_000);
});
