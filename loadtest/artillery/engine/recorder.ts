// The engine's own record of a run, beside what it tells artillery: per-second windows of
// mergeable histograms (bench/histogram.ts), counters and the connections open, appended as
// NDJSON to one file per process and thread under LAWLINE_LOADTEST_RAW. Artillery's JSON keeps
// only percentiles, which cannot be merged across processes; these can (report.ts adds them up).
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { threadId } from 'node:worker_threads';
import { Histogram, type HistogramData } from '../../bench/histogram.ts';

/** One second of one thread: histograms in µs, counters, and the connections open at its end. */
export interface RawWindow {
  /** Unix second */
  t: number;
  h?: Record<string, HistogramData>;
  c?: Record<string, number>;
  /** gauges sampled once a second by the thread (connections, virtual users) */
  g?: Record<string, number>;
}

interface Window {
  h: Map<string, Histogram>;
  c: Map<string, number>;
  g?: Record<string, number>;
}

export class Recorder {
  private readonly windows = new Map<number, Window>();
  private readonly file: string | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  connections = 0;
  activeUsers = 0;

  constructor(dir = process.env.LAWLINE_LOADTEST_RAW) {
    if (!dir) return;
    mkdirSync(dir, { recursive: true });
    this.file = path.join(dir, `raw-${process.pid}-${threadId}.ndjson`);
    this.timer = setInterval(() => this.tick(), 1000);
    this.timer.unref();
  }

  /** `ms` milliseconds into histogram `name` (kept in µs, 1% buckets). */
  histogram(name: string, ms: number): void {
    const w = this.window();
    let h = w.h.get(name);
    if (!h) w.h.set(name, (h = new Histogram()));
    h.record(ms * 1000);
  }

  counter(name: string, n = 1): void {
    const w = this.window();
    w.c.set(name, (w.c.get(name) ?? 0) + n);
  }

  /** Everything recorded so far goes to the file (the last virtual user of this thread finished). */
  flushAll(): void {
    this.sampleGauges();
    this.flush(() => true);
  }

  private tick(): void {
    this.sampleGauges();
    const now = Math.floor(Date.now() / 1000);
    this.flush((t) => t < now);
  }

  private sampleGauges(): void {
    this.window().g = { connections: this.connections, users: this.activeUsers };
  }

  private window(): Window {
    const t = Math.floor(Date.now() / 1000);
    let w = this.windows.get(t);
    if (!w) this.windows.set(t, (w = { h: new Map(), c: new Map() }));
    return w;
  }

  /** Appends the windows `due` picks and forgets them: a second written twice is added up by the reader. */
  private flush(due: (t: number) => boolean): void {
    if (!this.file) return this.windows.clear();
    const lines: string[] = [];
    for (const [t, w] of this.windows) {
      if (!due(t)) continue;
      this.windows.delete(t);
      const row: RawWindow = { t };
      if (w.h.size) row.h = Object.fromEntries([...w.h].map(([k, h]) => [k, h.toJSON()]));
      if (w.c.size) row.c = Object.fromEntries(w.c);
      if (w.g) row.g = w.g;
      lines.push(JSON.stringify(row));
    }
    if (lines.length) appendFileSync(this.file, `${lines.join('\n')}\n`);
  }
}
