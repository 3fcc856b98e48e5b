import { describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.ts';

const gauges = { connections: () => 0, sessions: () => 0, heldForResume: () => 0, store: () => ({ fsyncs: 0, records: 0, waiting: 0 }) };
const value = (text: string, line: RegExp) => Number(line.exec(text)?.[1]);

describe('the event-loop budget in /metrics', () => {
  it('counts garbage-collection pauses by kind and the longest since the last scrape', async () => {
    const metrics = createMetrics(gauges);
    try {
      // Some 200 MB of short-lived arrays: the young generation is collected many times over.
      let kept = 0;
      for (let i = 0; i < 200_000; i++) kept += new Array(128).fill(i).length;
      expect(kept).toBe(200_000 * 128);
      // PerformanceObserver delivers its entries on a later turn.
      await new Promise((r) => setTimeout(r, 50));
      const text = metrics.registry.render();
      expect(value(text, /^nodejs_gc_runs_total\{kind="minor"\} (\d+)$/m)).toBeGreaterThan(0);
      expect(value(text, /^nodejs_gc_duration_seconds_total\{kind="minor"\} (\S+)$/m)).toBeGreaterThan(0);
      expect(value(text, /^nodejs_gc_pause_max_seconds (\S+)$/m)).toBeGreaterThan(0);
      // The longest pause is per scrape: nothing collected since, nothing to report.
      expect(value(metrics.registry.render(), /^nodejs_gc_pause_max_seconds (\S+)$/m)).toBe(0);
    } finally {
      metrics.process.loopDelay.stop();
      metrics.process.gc.stop();
    }
  });

  it('says how late the loop ran, without the sampling timer’s own interval', async () => {
    const metrics = createMetrics(gauges);
    try {
      metrics.registry.render();
      await new Promise((r) => setTimeout(r, 200));
      const idle = metrics.registry.render();
      // An idle loop runs its timer on time: well under the 20 ms it samples at.
      expect(value(idle, /^nodejs_eventloop_lag_p50_seconds (\S+)$/m)).toBeLessThan(0.01);
      // A scrape starts the timer's intervals afresh: one interval after it, then the loop is blocked.
      await new Promise((r) => setTimeout(r, 60));
      const until = Date.now() + 120;
      while (Date.now() < until);
      await new Promise((r) => setTimeout(r, 60));
      const blocked = metrics.registry.render();
      // Blocked for 120 ms: the timer ran at least ~100 ms late once.
      expect(value(blocked, /^nodejs_eventloop_lag_max_seconds (\S+)$/m)).toBeGreaterThan(0.09);
    } finally {
      metrics.process.loopDelay.stop();
      metrics.process.gc.stop();
    }
  });
});
