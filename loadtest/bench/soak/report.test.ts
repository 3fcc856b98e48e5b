import { describe, expect, it } from 'vitest';
import { newReconnectCounts } from './device.ts';
import type { SoakTick } from './load.ts';
import { behindAt, summarize, type NodeReading, type Sample, type TracePoint } from './report.ts';

const MB = 1024 * 1024;
const PER_SEC = 300;

/** A driver tick at `minute` with `delivered` messages so far. */
const tick = (minute: number, delivered: number, over: Partial<SoakTick> = {}): SoakTick => ({
  t: minute * 60_000,
  messages: { sent: delivered, acked: delivered, refused: 0, delivered, duplicates: 0, strays: 0 },
  ackP50Us: 5000,
  ackP99Us: 50_000,
  deliveryP50Us: 5000,
  deliveryP99Us: 50_000,
  connected: 100,
  outbox: 0,
  talks: { text: 10, message: 2 },
  world: { requested: 0, accepted: 0, closed: 0, assigned: 0, backOnDuty: 0, failed: {} },
  reconnects: newReconnectCounts(),
  driverCpuShare: 0.3,
  ...over,
});

/** The node at `minute`: 30% of a core, heap flat, RSS as given, one more pipe from minute 5 on. */
const reading = (minute: number, rssMb: number, over: Partial<NodeReading> = {}): NodeReading => ({
  rssBytes: rssMb * MB,
  fds: 110 + (minute >= 5 ? 1 : 0),
  socketFds: 100,
  fileFds: 3,
  fdKinds: { 'ws ESTABLISHED': 100, ...(minute >= 5 ? { pipe: 1 } : {}) },
  cpuUs: minute * 60 * 0.3 * 1e6,
  runQueueWaitNs: 0,
  heapUsedBytes: 30 * MB,
  heapTotalBytes: 40 * MB,
  externalBytes: 4 * MB,
  arrayBuffersBytes: 1 * MB,
  connections: 100,
  ...over,
});

describe('soak report', () => {
  it('fits each series over the whole load and over the steady part after the warm-up, fd kinds included', () => {
    // RSS climbs 60 MB in the first 10 minutes (warming up), then stays: the steady slope is 0.
    const rssAt = (m: number) => 100 + Math.min(m, 10) * 6;
    const samples: Sample[] = Array.from({ length: 31 }, (_, m) => ({ minute: m, node: reading(m, rssAt(m)), ...(m > 0 ? { driver: tick(m, m * 60 * PER_SEC) } : {}) }));
    const trace: TracePoint[] = Array.from({ length: 361 }, (_, i) => ({ minute: i / 12, rssBytes: rssAt(i / 12) * MB, fds: 110 }));
    const s = summarize(samples, trace, 30, 10, { rssMbPerHour: 1, fdsPerHour: 1 }, undefined, PER_SEC);
    expect(s.windows).toEqual({ overall: [0, 30], steady: [10, 30] });
    const rss = s.memory[0];
    expect(rss?.overall.perHour).toBeGreaterThan(60);
    expect(rss?.steady.perHour).toBeCloseTo(0, 6);
    expect(s.rssMb.perHour).toBeCloseTo(0, 6);
    // A kind absent from the early readings counts 0 there: its step at minute 5 is in the overall slope, not the steady one.
    const pipe = s.fdSeries.find((f) => f.name.trim() === 'pipe');
    expect(pipe).toMatchObject({ first: 0, last: 1 });
    expect(pipe?.overall.perHour).toBeGreaterThan(0);
    expect(pipe?.steady.perHour).toBeCloseTo(0, 6);
    expect(s.behind).toEqual([]);
    expect(s.checks.find((c) => c.name === 'node kept up with the load')?.ok).toBe(true);
  });

  it('flags a sample where the node fell behind, and says how long it waited for a CPU', () => {
    const prev: Sample = { minute: 10, node: reading(10, 100), driver: tick(10, 10 * 60 * PER_SEC) };
    const fine: Sample = { minute: 11, node: reading(11, 100), driver: tick(11, 11 * 60 * PER_SEC) };
    expect(behindAt(fine, prev, PER_SEC)).toEqual([]);
    // The loop late and the store a second behind, the node busy a third of the time and waiting for a CPU half of it.
    const late: Sample = {
      minute: 11,
      node: reading(11, 100, { loopLagP99Sec: 0.25, storeWaiting: 400, runQueueWaitNs: 30e9 }),
      driver: tick(11, 10 * 60 * PER_SEC + 60 * 200, { ackP50Us: 900_000 }),
    };
    expect(behindAt(late, prev, PER_SEC)).toEqual([
      '200 msg/s delivered of 300',
      'loop lag p99 250 ms',
      '400 store writes waiting',
      'ack p50 900 ms',
      'node waited for a CPU 50% of the time',
    ]);
    // Its core full: behind whatever else it says.
    const busy: Sample = { minute: 11, node: reading(11, 100, { cpuUs: prev.node.cpuUs + 60e6 }), driver: tick(11, 11 * 60 * PER_SEC) };
    expect(behindAt(busy, prev, PER_SEC)).toEqual(['node CPU 100%', 'node waited for a CPU 0% of the time']);
  });

  it("fits the lowest reading of each 5 minutes too: V8's saw (a climb for minutes, then a major GC) is no trend", () => {
    // Heap used climbs 20 -> 80 MB over 5 minutes, then falls back: a run ending on a climb fits a steep slope.
    const heapAt = (m: number) => 20 + (m % 5) * 15;
    const samples: Sample[] = Array.from({ length: 24 }, (_, m) => ({ minute: m, node: reading(m, 100 + heapAt(m), { heapUsedBytes: heapAt(m) * MB }), ...(m > 0 ? { driver: tick(m, m * 60 * PER_SEC) } : {}) }));
    const trace: TracePoint[] = Array.from({ length: 277 }, (_, i) => ({ minute: i / 12, rssBytes: (100 + heapAt(Math.floor(i / 12))) * MB, fds: 110 }));
    const s = summarize(samples, trace, 23, 5, { rssMbPerHour: 1, fdsPerHour: 1 }, undefined, PER_SEC);
    const [rss, rssLowest, heap, heapLowest] = s.memory;
    expect(rss?.steady.perHour).toBeGreaterThan(10);
    expect(heap?.steady.perHour).toBeGreaterThan(10);
    expect(rssLowest).toMatchObject({ first: 120, last: 120 });
    expect(heapLowest).toMatchObject({ first: 20, last: 20 });
    expect(heapLowest?.steady.perHour).toBeCloseTo(0, 6);
    expect(rssLowest?.overall.perHour).toBeCloseTo(0, 6);
  });
});
