// Merging the raw record of several processes: histograms by adding buckets (the merged p99 is
// the p99 of all samples, not the mean of each process's p99), counters added, each thread's
// gauge summed once per second.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Histogram } from '../bench/histogram.ts';
import type { RawWindow } from './engine/recorder.ts';
import { bins, readRaw, summarize, total } from './report.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'lawline-raw-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const hist = (msValues: number[]) => {
  const h = new Histogram();
  for (const v of msValues) h.record(v * 1000);
  return h;
};

describe('raw record merge', () => {
  // Process A: fast (99 × 2 ms, 1 × 40 ms); process B: slow (100 × 50 ms).
  const fast = [...Array.from({ length: 99 }, () => 2), 40];
  const slow = Array.from({ length: 100 }, () => 50);
  const rowsA: RawWindow[] = [
    { t: 1000, h: { 'lawline.ack_ms': hist(fast).toJSON() }, c: { 'lawline.messages_acked': 100 }, g: { connections: 10 } },
    // The same second flushed again by the same thread (its last user finished): added, gauge read once.
    { t: 1000, c: { 'lawline.messages_acked': 1 }, g: { connections: 9 } },
  ];
  const rowsB: RawWindow[] = [
    { t: 1000, h: { 'lawline.ack_ms': hist(slow).toJSON() }, c: { 'lawline.messages_acked': 100 }, g: { connections: 20 } },
    // Second 1001 without a reading from B (its timer was late): B's last one stands, not 0.
    { t: 1001, c: { 'errors.x': 1 } },
    { t: 1002, g: { connections: 18 } },
  ];
  writeFileSync(path.join(dir, 'raw-1-1.ndjson'), rowsA.map((r) => JSON.stringify(r)).join('\n') + '\n');
  writeFileSync(path.join(dir, 'raw-2-1.ndjson'), rowsB.map((r) => JSON.stringify(r)).join('\n') + '\n');

  it('adds histograms bucket by bucket, never averaging percentiles', () => {
    const windows = readRaw(dir);
    const merged = total(windows.values());
    const s = summarize(merged.h.get('lawline.ack_ms') as Histogram);
    const all = summarize(hist([...fast, ...slow]));
    expect(s.count).toBe(200);
    expect(s.p99).toBe(all.p99);
    expect(s.p50).toBe(all.p50);
    // The mean of the two processes' p99s would say ~45 ms; half the samples are 50 ms.
    const meanOfP99s = (summarize(hist(fast)).p99 + summarize(hist(slow)).p99) / 2;
    expect(Math.abs(s.p99 - meanOfP99s)).toBeGreaterThan(4);
    expect(s.p99).toBeCloseTo(50, 0);
  });

  it('adds counters, and sums each thread’s last gauge of a second', () => {
    const windows = readRaw(dir);
    expect(windows.get(1000)?.c.get('lawline.messages_acked')).toBe(201);
    expect(windows.get(1000)?.g.get('connections')).toBe(29);
    expect(windows.get(1001)?.c.get('errors.x')).toBe(1);
    // A's readings ended at 1000; B's carried over its late second.
    expect(windows.get(1001)?.g.get('connections')).toBe(20);
    expect(windows.get(1002)?.g.get('connections')).toBe(18);
    const b = bins(windows);
    expect(b.width).toBe(1);
    expect(b.bins.map((w) => w.t)).toEqual([1000, 1001, 1002]);
  });

  it('reads only what was appended since the last look, for the progress line', () => {
    const offsets = new Map<string, number>();
    expect(readRaw(dir, offsets).size).toBe(3);
    expect(readRaw(dir, offsets).size).toBe(0);
  });
});
