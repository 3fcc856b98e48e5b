import { describe, expect, it } from 'vitest';
import { DATABASE_URL } from '../../test/helpers/services.ts';
import type { ClusterSample, ClusterSummary, PresenceSample } from './cluster-report.ts';
import { runBenchScript } from './processes.ts';

// Keeps B4 from rotting: three nodes with their own Redis and PostgreSQL schema and one embedded
// node carry the same cross-node relay, every figure comes out, and deliveries are batched.
describe('cluster bench (smoke size)', () => {
  it('relays across nodes, counts Redis commands per delivery and measures presence propagation', async () => {
    const { stdout, results } = await runBenchScript<{ machine: { nproc: number }; commit: string; size: { rates: number[] }; summary: ClusterSummary; samples: ClusterSample[]; presence: PresenceSample[] }>(
      'loadtest/bench/cluster.ts',
      ['--smoke', '--database-url', DATABASE_URL],
      110_000,
    );
    const { summary } = results;
    expect(results.machine.nproc).toBeGreaterThan(0);
    expect(results.commit).toMatch(/^[0-9a-f]{40}$/);

    for (const load of [summary.closed, ...summary.rates]) {
      for (const arm of [load.embedded, load.cluster]) {
        expect(arm.msgsPerSec).toBeGreaterThan(0);
        expect(arm.ackP99Us).toBeGreaterThan(0);
        expect(arm.deliveryP99Us).toBeGreaterThanOrEqual(arm.deliveryP50Us);
        expect(arm.nodesCpuUsPerMsg).toBeGreaterThan(0);
      }
      expect(Number.isFinite(load.throughputRatio.median) && load.throughputRatio.median > 0).toBe(true);
      expect(Number.isFinite(load.addedAckP99Us) && Number.isFinite(load.addedP99PerRoundUs.median)).toBe(true);
      // The cluster's own Redis and its nodes' PostgreSQL backends were found and did work.
      expect(load.cluster.pgCpuUsPerMsg).toBeGreaterThan(0);
      expect(load.embedded.redisCpuUsPerMsg).toBe(0);
    }

    // Well under what both arms can carry: everything offered is delivered.
    const [rate] = summary.rates;
    expect(rate?.offeredPerSec).toBe(results.size.rates[0]);
    expect(rate?.embedded.msgsPerSec).toBeGreaterThan((rate?.offeredPerSec ?? 0) * 0.8);
    expect(rate?.cluster.msgsPerSec).toBeGreaterThan((rate?.offeredPerSec ?? 0) * 0.8);

    // Cross-node delivery: one stream entry and one SPUBLISH per batch, from one script call.
    for (const r of [summary.closed.redis, rate?.redis]) {
      expect(r?.batches).toBeGreaterThan(0);
      expect(r?.spublishPerBatch).toBe(1);
      // Deliveries are counted in the driver's window and commands in Redis's: edges differ by a few.
      expect(r?.messagesPerBatch).toBeGreaterThanOrEqual(0.9);
      expect(r?.evalshaPerMsg).toBeGreaterThan(0);
      expect(r?.spublishPerMsg).toBeLessThanOrEqual(1.1);
    }

    for (const p of [summary.presence.embedded, summary.presence.cluster]) {
      expect(p.changes).toBeGreaterThanOrEqual(2);
      expect(p.directoryP99Us).toBeGreaterThan(0);
      expect(p.deviceP99Us).toBeGreaterThan(0);
      expect(p.replyP99Us).toBeGreaterThan(0);
    }

    // Raw samples with their histograms, and the targets stated.
    expect(results.samples.filter((s) => s.bench === 'closed').map((s) => s.arm)).toEqual(['cluster', 'embedded', 'embedded-again']);
    for (const s of results.samples) expect(s.latency.count).toBe(s.messages);
    expect(results.presence).toHaveLength(2);
    expect(summary.targets.map((t) => Number.isFinite(t.value))).toEqual([true, true, true]);
    expect(stdout).toContain('targets');
  }, 120_000);
});
