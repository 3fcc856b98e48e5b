import { describe, expect, it } from 'vitest';
import { runBenchScript } from './processes.ts';
import type { BenchSummary, Sample } from './report.ts';

// The full bench is `npm run bench`; this smoke-sized run only keeps it from rotting: every arm
// must start, carry traffic and produce a finite ratio and a results file.
describe('bench (smoke size)', () => {
  it('runs B1, B2 and B3 against their bare baselines (B2 also against Socket.IO) and writes the results', async () => {
    const { stdout, results } = await runBenchScript<{ summary: BenchSummary[]; samples: Sample[]; machine: { nproc: number }; commit: string }>('loadtest/bench/run.ts', ['--smoke'], 170_000);

    expect(results.machine.nproc).toBeGreaterThan(0);
    expect(results.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(results.summary.map((s) => s.bench)).toEqual(['B1 echo', 'B2 relay max', 'B2 relay at 500/s', 'B3 idle density']);
    for (const s of results.summary.filter((x) => !x.bench.startsWith('B3'))) {
      expect(s.lawline.msgsPerSec, s.bench).toBeGreaterThan(0);
      expect(s.bare.msgsPerSec, s.bench).toBeGreaterThan(0);
      expect(Number.isFinite(s.throughputRatio.median) && s.throughputRatio.median > 0, s.bench).toBe(true);
      expect(Number.isFinite(s.cpuRatio.median) && s.cpuRatio.median > 0, s.bench).toBe(true);
    }
    for (const s of results.summary.filter((x) => x.bench.startsWith('B2'))) {
      expect(s.socketio?.msgsPerSec, s.bench).toBeGreaterThan(0);
      expect(Number.isFinite(s.socketio?.throughputRatio.median) && (s.socketio?.throughputRatio.median ?? 0) > 0, s.bench).toBe(true);
    }
    const relay = results.summary.find((s) => s.bench === 'B2 relay max');
    expect(relay?.lawline.ackP99Us).toBeGreaterThan(0);
    const density = results.summary.find((s) => s.bench.startsWith('B3'));
    expect(density?.lawline.bytesPerSession).toBeGreaterThan(0);
    // Each lawline round of B1 and B2 carries the node's event-loop budget over its window.
    for (const sample of results.samples.filter((x) => x.arm === 'lawline' && !x.bench.startsWith('B3'))) {
      for (const figure of [sample.loopP50Ms, sample.loopP99Ms, sample.loopMaxMs, sample.gcShare, sample.gcPauseMaxMs]) expect(figure, sample.bench).toBeGreaterThanOrEqual(0);
      expect(sample.heapUsedMB, sample.bench).toBeGreaterThan(0);
    }
    expect(stdout).toContain('event loop   lawline late by p50');
    expect(stdout).toContain('ratio');
  }, 180_000);
});
