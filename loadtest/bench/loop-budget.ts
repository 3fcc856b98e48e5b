// The event-loop budget of a lawline node over a driver's loaded window, from its own /metrics
// (server/metrics.ts): how late its loop ran, how much of the window went to garbage collection
// and its longest pause, its heap at the end. Scraping at the window's start resets the loop's
// histogram and the longest pause, so what is read at its end is the window's alone.

export interface LoopBudget {
  loopP50Ms: number;
  loopP99Ms: number;
  loopMaxMs: number;
  /** Share of the window's wall time spent in garbage collection. */
  gcShare: number;
  gcPauseMaxMs: number;
  heapUsedMB: number;
}

const read = (text: string, name: string): number => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
const gcSeconds = (text: string): number => [...text.matchAll(/^nodejs_gc_duration_seconds_total\{[^}]*\} (\S+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);

async function scrape(opsPort: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${opsPort}/metrics`);
  return res.text();
}

/** Hooks for `runDriver` (its `atStart` and `atEnd`), and the window's figures once it ended. */
export function watchLoop(opsPort: number) {
  let start: { at: number; gc: number } | undefined;
  let figures: LoopBudget | undefined;
  return {
    atStart: async () => {
      const text = await scrape(opsPort);
      start = { at: performance.now(), gc: gcSeconds(text) };
    },
    atEnd: async () => {
      const text = await scrape(opsPort);
      if (!start) return;
      const windowS = (performance.now() - start.at) / 1000;
      figures = {
        loopP50Ms: read(text, 'nodejs_eventloop_lag_p50_seconds') * 1000,
        loopP99Ms: read(text, 'nodejs_eventloop_lag_p99_seconds') * 1000,
        loopMaxMs: read(text, 'nodejs_eventloop_lag_max_seconds') * 1000,
        gcShare: (gcSeconds(text) - start.gc) / windowS,
        gcPauseMaxMs: read(text, 'nodejs_gc_pause_max_seconds') * 1000,
        heapUsedMB: read(text, 'nodejs_heap_size_used_bytes') / 1024 / 1024,
      };
    },
    figures: (): Partial<LoopBudget> => figures ?? {},
  };
}
