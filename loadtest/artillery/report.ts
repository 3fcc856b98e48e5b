// What a load test run adds up to: the engine's raw per-second records (one NDJSON file per
// process and worker thread, engine/recorder.ts) merged by adding histogram buckets and counters,
// never by averaging percentiles; artillery's own JSON per process for what only it counts; the
// scenario's `ensure` checks evaluated on the merged figures with artillery's own evaluator.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Histogram, type HistogramData } from '../bench/histogram.ts';
import type { RawWindow } from './engine/recorder.ts';

export interface Window {
  t: number;
  h: Map<string, Histogram>;
  c: Map<string, number>;
  g: Map<string, number>;
}

/**
 * Adds up every raw file under `dir`: per second, histograms and counters summed; gauges are
 * each thread's reading of that second (or its last before, when its timer was late), summed
 * over threads.
 */
export function readRaw(dir: string, offsets?: Map<string, number>): Map<number, Window> {
  const windows = new Map<number, Window>();
  let names: string[] = [];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.ndjson'));
  } catch {
    return windows;
  }
  const series: [number, Record<string, number>][][] = [];
  for (const name of names) {
    const text = readFileSync(path.join(dir, name), 'utf8');
    const from = offsets?.get(name) ?? 0;
    const end = text.lastIndexOf('\n') + 1;
    offsets?.set(name, Math.max(from, end));
    const gauges = new Map<number, Record<string, number>>();
    for (const line of text.slice(from, end).split('\n')) {
      if (!line) continue;
      const row = JSON.parse(line) as RawWindow;
      const w = windowAt(windows, row.t);
      for (const [k, data] of Object.entries(row.h ?? {})) {
        const h = w.h.get(k);
        if (h) h.merge(data);
        else w.h.set(k, Histogram.from(data));
      }
      for (const [k, n] of Object.entries(row.c ?? {})) w.c.set(k, (w.c.get(k) ?? 0) + n);
      if (row.g) gauges.set(row.t, row.g);
    }
    series.push([...gauges].sort((a, b) => a[0] - b[0]));
  }
  for (const readings of series) {
    if (readings.length === 0) continue;
    const first = (readings[0] as [number, Record<string, number>])[0];
    const last = (readings[readings.length - 1] as [number, Record<string, number>])[0];
    let i = 0;
    for (const t of [...windows.keys()].filter((t) => t >= first && t <= last).sort((a, b) => a - b)) {
      while (i + 1 < readings.length && (readings[i + 1] as [number, Record<string, number>])[0] <= t) i++;
      const w = windows.get(t) as Window;
      for (const [k, v] of Object.entries((readings[i] as [number, Record<string, number>])[1])) w.g.set(k, (w.g.get(k) ?? 0) + v);
    }
  }
  return windows;
}

function windowAt(windows: Map<number, Window>, t: number): Window {
  let w = windows.get(t);
  if (!w) windows.set(t, (w = { t, h: new Map(), c: new Map(), g: new Map() }));
  return w;
}

/** Everything in `windows` merged into one. */
export function total(windows: Iterable<Window>): Window {
  const all: Window = { t: 0, h: new Map(), c: new Map(), g: new Map() };
  for (const w of windows) {
    for (const [k, h] of w.h) {
      const into = all.h.get(k);
      if (into) into.merge(h.toJSON());
      else all.h.set(k, Histogram.from(h.toJSON()));
    }
    for (const [k, n] of w.c) all.c.set(k, (all.c.get(k) ?? 0) + n);
    for (const [k, v] of w.g) all.g.set(k, Math.max(all.g.get(k) ?? 0, v));
  }
  return all;
}

export interface Summary {
  count: number;
  min: number;
  max: number;
  mean: number;
  median: number;
  p50: number;
  p75: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
}

const ms = (us: number) => Math.round(us / 10) / 100;

/** In artillery's shape (milliseconds), so `ensure` reads `lawline.ack_ms.p99` as it would from artillery. */
export function summarize(h: Histogram): Summary {
  const data = h.toJSON();
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  for (const [k, n] of Object.entries(data.buckets)) {
    const upper = Math.min(Math.exp(Number(k) * Math.log(1.01)), data.max);
    sum += upper * n;
    min = Math.min(min, upper);
  }
  const p = (q: number) => ms(h.percentile(q));
  return {
    count: data.count,
    min: ms(Number.isFinite(min) ? min : 0),
    max: ms(data.max),
    mean: data.count ? ms(sum / data.count) : 0,
    median: p(50),
    p50: p(50),
    p75: p(75),
    p90: p(90),
    p95: p(95),
    p99: p(99),
    p999: p(99.9),
  };
}

export interface ArtilleryReport {
  aggregate?: { counters?: Record<string, number>; rates?: Record<string, number>; summaries?: Record<string, Record<string, number>> };
}

export interface Check {
  original: string;
  strict: boolean;
  result: boolean;
}

/**
 * The scenario's `ensure` (config.ensure or config.plugins.ensure, the environment's over the
 * base) on the merged run: counters added over processes, histograms from the merged raw
 * record; artillery's own summaries only when one process ran (they cannot be merged).
 */
export async function evaluateChecks(ensure: unknown, artillery: ArtilleryReport[], merged: Window, artilleryDir: string): Promise<Check[]> {
  if (!ensure) return [];
  const counters: Record<string, number> = {};
  const rates: Record<string, number> = {};
  const summaries: Record<string, Summary | Record<string, number>> = {};
  for (const r of artillery) {
    for (const [k, n] of Object.entries(r.aggregate?.counters ?? {})) counters[k] = (counters[k] ?? 0) + n;
    for (const [k, n] of Object.entries(r.aggregate?.rates ?? {})) rates[k] = (rates[k] ?? 0) + n;
  }
  if (artillery.length === 1) Object.assign(summaries, artillery[0]?.aggregate?.summaries ?? {});
  for (const [k, h] of merged.h) summaries[k] = summarize(h);
  const g = globalThis as { artillery?: unknown };
  const before = g.artillery;
  g.artillery = { log: () => undefined };
  try {
    const pluginPath = path.join(artilleryDir, 'dist/builtin-packages/artillery-plugin-ensure/dist/plugin.js');
    const { Plugin } = (await import(pluginPath)) as {
      Plugin: { statsToVars(d: unknown): unknown; runChecks(c: unknown, v: unknown): { original: string; strict: boolean; result: unknown }[] };
    };
    const vars = Plugin.statsToVars({ report: { counters, rates, summaries } });
    return Plugin.runChecks(ensure, vars).map((c) => ({ original: c.original, strict: c.strict, result: c.result === 1 || c.result === true }));
  } finally {
    g.artillery = before;
  }
}

/** Windows grouped into bins of `width` seconds (a long run's plot keeps a few hundred points). */
export function bins(windows: Map<number, Window>, maxPoints = 300): { width: number; bins: Window[]; start: number } {
  const ts = [...windows.keys()].sort((a, b) => a - b);
  if (ts.length === 0) return { width: 1, bins: [], start: 0 };
  const start = ts[0] as number;
  const span = (ts[ts.length - 1] as number) - start + 1;
  const width = Math.max(1, Math.ceil(span / maxPoints));
  const out: Window[] = [];
  for (let b = 0; b * width < span; b++) {
    const members = ts.filter((t) => t >= start + b * width && t < start + (b + 1) * width).map((t) => windows.get(t) as Window);
    const merged = total(members);
    merged.t = start + b * width;
    // A gauge in a bin is its last reading there, not the largest (a second with no reading —
    // the thread's timer late behind a busy loop — has none, which is not 0).
    const last = [...members].reverse().find((w) => w.g.size > 0);
    merged.g = new Map(last?.g ?? []);
    out.push(merged);
  }
  return { width, bins: out, start };
}

export type { HistogramData };
