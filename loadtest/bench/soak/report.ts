// The soak's figures: one row per sample, least-squares slopes after the warm-up, and the
// verdict against the targets (RSS < 1 MB/h, flat fds, nothing acked lost or doubled).
import type { ResidentMap } from '../proc.ts';
import type { SoakResult, SoakTick } from './load.ts';

/** What the node looked like at one tick: from /proc, and from its /metrics when that answered. */
export interface NodeReading {
  rssBytes: number;
  fds: number;
  socketFds: number;
  /** files on disk (store segments, logs): the rest of `fds` is sockets, pipes, epoll and the like */
  fileFds: number;
  /** RSS by kind of mapping (proc.ts `residentByMapping`): malloc's main and thread arenas, other anonymous memory, files */
  resident?: ResidentMap;
  /** every fd by what it points at (proc.ts `fdKinds`): `ws ESTABLISHED`, `pg ESTABLISHED`, `anon_inode:[eventfd]`, a path … */
  fdKinds: Record<string, number>;
  /** user+system since the node started, microseconds */
  cpuUs: number;
  /** nanoseconds its main thread waited for a CPU while runnable, since it started (proc.ts `runQueueWaitNs`) */
  runQueueWaitNs: number;
  heapUsedBytes?: number;
  heapTotalBytes?: number;
  externalBytes?: number;
  /** of `externalBytes`, ArrayBuffers and Buffers */
  arrayBuffersBytes?: number;
  /** event-loop delay since the previous scrape (the previous sample), seconds */
  loopLagP99Sec?: number;
  loopLagMaxSec?: number;
  /** store writes waiting for the next fsync or commit at this instant */
  storeWaiting?: number;
  connections?: number;
  sessions?: number;
  heldForResume?: number;
  storeRecords?: number;
}

export interface Sample {
  /** minutes since the load started */
  minute: number;
  node: NodeReading;
  /** the machine's load averages (1, 5, 15 min) when read: the machine is shared */
  loadAverage?: number[];
  /** the driver's tick this sample was taken at (absent for the reading before the load) */
  driver?: SoakTick;
}

/** RSS and open fds read every few seconds between the samples: the slopes of both are fitted to these. */
export interface TracePoint {
  minute: number;
  rssBytes: number;
  fds: number;
}

export interface Slope {
  perHour: number;
  /** standard error of the slope: a slope within ~2 of these of zero is no trend */
  stdErr: number;
  points: number;
}

/** Least-squares slope of y against x (hours), with its standard error. */
export function slope(points: readonly { x: number; y: number }[]): Slope {
  const n = points.length;
  if (n < 3) return { perHour: NaN, stdErr: NaN, points: n };
  const mx = points.reduce((a, p) => a + p.x, 0) / n;
  const my = points.reduce((a, p) => a + p.y, 0) / n;
  const sxx = points.reduce((a, p) => a + (p.x - mx) ** 2, 0);
  const b = points.reduce((a, p) => a + (p.x - mx) * (p.y - my), 0) / sxx;
  const residual = points.reduce((a, p) => a + (p.y - my - b * (p.x - mx)) ** 2, 0);
  return { perHour: b, stdErr: Math.sqrt(residual / (n - 2) / sxx), points: n };
}

export interface Targets {
  rssMbPerHour: number;
  fdsPerHour: number;
}

/** One series' first and last value in the load and its slope over all of it and over the steady part. */
export interface SeriesSlopes {
  name: string;
  first: number;
  last: number;
  overall: Slope;
  steady: Slope;
}

/** A sample at which the node (or the driver) fell behind the offered load, and by which signs. */
export interface Behind {
  minute: number;
  signs: string[];
}

/**
 * When a sample says the node fell behind: a backlog grows memory (queued frames, writes,
 * held pushes) that drains later, so its minutes are not a leak's slope. Signs, over the
 * interval since the sample before: its core busy all the time (it is pinned to one); timers
 * 100 ms late at the 99th percentile (they are ~1 ms late when it keeps up); writes of a
 * second's worth of messages waiting for the store; acks slower than 250 ms at the median
 * (a few ms when it keeps up); fewer than 80% of the offered messages delivered. And the
 * driver's own core full, which would make the load lighter than asked. Each sign says how
 * long the node waited for a CPU while it had work (`starved`): a late loop on a node that
 * waited that long is the shared machine's doing, not the load's.
 */
export function behindAt(s: Sample, prev: Sample | undefined, perSec: number): string[] {
  const signs: string[] = [];
  const d = s.driver;
  const dtSec = prev ? (s.minute - prev.minute) * 60 : 0;
  if (prev && dtSec > 0) {
    const cpu = (s.node.cpuUs - prev.node.cpuUs) / (dtSec * 1e6);
    if (cpu >= 0.95) signs.push(`node CPU ${(cpu * 100).toFixed(0)}%`);
    if (d && prev.driver) {
      const rate = (d.messages.delivered - prev.driver.messages.delivered) / dtSec;
      if (rate < 0.8 * perSec) signs.push(`${rate.toFixed(0)} msg/s delivered of ${perSec}`);
    }
  }
  if ((s.node.loopLagP99Sec ?? 0) >= 0.1) signs.push(`loop lag p99 ${((s.node.loopLagP99Sec ?? 0) * 1000).toFixed(0)} ms`);
  if ((s.node.storeWaiting ?? 0) >= perSec) signs.push(`${s.node.storeWaiting} store writes waiting`);
  if (d && d.ackP50Us >= 250_000) signs.push(`ack p50 ${(d.ackP50Us / 1000).toFixed(0)} ms`);
  if (d && d.driverCpuShare >= 0.9) signs.push(`driver CPU ${(d.driverCpuShare * 100).toFixed(0)}%`);
  const wait = starved(s, prev);
  if (signs.length && wait !== undefined) signs.push(`node waited for a CPU ${(wait * 100).toFixed(0)}% of the time`);
  return signs;
}

/** Share of the interval since `prev` the node's main thread spent runnable but not running. */
export function starved(s: Sample, prev: Sample | undefined): number | undefined {
  const dtSec = prev ? (s.minute - prev.minute) * 60 : 0;
  return prev && dtSec > 0 ? (s.node.runQueueWaitNs - prev.node.runQueueWaitNs) / (dtSec * 1e9) : undefined;
}

export interface Summary {
  warmupMinutes: number;
  /** the loaded minutes: all of them (overall), and after the warm-up (steady) */
  windows: { overall: [number, number]; steady: [number, number] };
  rssMb: Slope;
  heapMb: Slope;
  fds: Slope;
  /** fds the node holds beyond its open connections: where a leaked socket or file would show, without the churn of drops */
  fdsBeyondConnections: Slope;
  fileFds: Slope;
  /**
   * RSS, V8 heap used and reserved, external, ArrayBuffers, RSS beyond V8's heap and external
   * (native: uWS, Node's C++ side, malloc), and RSS by kind of mapping, MB
   */
  memory: SeriesSlopes[];
  /** all fds, those beyond connections, and each kind, counts */
  fdSeries: SeriesSlopes[];
  /** samples at which the node or the driver fell behind (`behindAt`) */
  behind: Behind[];
  checks: { name: string; ok: boolean; detail: string }[];
  pass: boolean;
}

const MB = 1024 * 1024;
/** Windows whose lowest reading stands for what outlived V8's GC (`summarize`). */
const TROUGH_WINDOW_MIN = 5;

/**
 * Slopes over the loaded time (`minutes` is the load's length: the drain after it is left out),
 * all of it and after the warm-up; the verdict on the steady part.
 */
export function summarize(samples: readonly Sample[], trace: readonly TracePoint[], minutes: number, warmupMinutes: number, targets: Targets, soak: SoakResult | undefined, perSec: number): Summary {
  const loaded = samples.filter((s) => !s.driver?.final && s.minute <= minutes + 0.5);
  const after = loaded.filter((s) => s.driver && s.minute >= warmupMinutes);
  const fit = (from: readonly Sample[], f: (s: Sample) => number | undefined) =>
    slope(from.flatMap((s) => (f(s) === undefined ? [] : [{ x: s.minute / 60, y: f(s) as number }])));
  const series = (f: (s: Sample) => number | undefined) => fit(after, f);
  const traced = (from: number) => trace.filter((p) => p.minute >= from && p.minute <= minutes);
  const fitTrace = (from: number, f: (p: TracePoint) => number) => slope(traced(from).map((p) => ({ x: p.minute / 60, y: f(p) })));
  const rssMb = fitTrace(warmupMinutes, (p) => p.rssBytes / MB);
  const fds = fitTrace(warmupMinutes, (p) => p.fds);
  const beyondOf = (s: Sample) => (s.node.connections === undefined ? undefined : s.node.fds - s.node.connections);
  const beyond = series(beyondOf);

  const both = (name: string, f: (s: Sample) => number | undefined): SeriesSlopes => {
    const values = loaded.flatMap((s) => (f(s) === undefined ? [] : [f(s) as number]));
    return { name, first: values[0] ?? NaN, last: values.at(-1) ?? NaN, overall: fit(loaded, f), steady: fit(after, f) };
  };
  const mb = (f: (n: NodeReading) => number | undefined) => (s: Sample) => {
    const v = f(s.node);
    return v === undefined ? undefined : v / MB;
  };
  const rssTraced: SeriesSlopes = {
    name: 'RSS (read every 5 s)',
    first: (trace[0]?.rssBytes ?? NaN) / MB,
    last: (traced(0).at(-1)?.rssBytes ?? NaN) / MB,
    overall: fitTrace(0, (p) => p.rssBytes / MB),
    steady: rssMb,
  };
  // V8's heap climbs for minutes between major GCs (20 -> 80 MB at 1,000 connections), and RSS
  // with it: over a short run a slope of either says where the saw stopped. The lowest reading
  // of each window is what survived the last GC: its trend is the heap's (and RSS's) own.
  const lowest = (name: string, points: readonly { minute: number; y: number }[]): SeriesSlopes => {
    const windows = new Map<number, { minute: number; y: number }>();
    for (const p of points) {
      const w = Math.floor(p.minute / TROUGH_WINDOW_MIN);
      const held = windows.get(w);
      if (!held || p.y < held.y) windows.set(w, p);
    }
    const mins = [...windows.entries()].sort(([a], [b]) => a - b);
    const fitted = (from: number) => slope(mins.filter(([w]) => w * TROUGH_WINDOW_MIN >= from).map(([, p]) => ({ x: p.minute / 60, y: p.y })));
    return { name, first: mins[0]?.[1].y ?? NaN, last: mins.at(-1)?.[1].y ?? NaN, overall: fitted(0), steady: fitted(warmupMinutes) };
  };
  const native = (n: NodeReading) => (n.heapTotalBytes === undefined || n.externalBytes === undefined ? undefined : n.rssBytes - n.heapTotalBytes - n.externalBytes);
  const memory = [
    rssTraced,
    lowest(`  lowest of each ${TROUGH_WINDOW_MIN} min`, traced(0).map((p) => ({ minute: p.minute, y: p.rssBytes / MB }))),
    both('V8 heap used', mb((n) => n.heapUsedBytes)),
    lowest(`  lowest of each ${TROUGH_WINDOW_MIN} min`, loaded.flatMap((s) => (s.node.heapUsedBytes === undefined ? [] : [{ minute: s.minute, y: s.node.heapUsedBytes / MB }]))),
    both('V8 heap reserved', mb((n) => n.heapTotalBytes)),
    both('external', mb((n) => n.externalBytes)),
    both('  of it ArrayBuffers', mb((n) => n.arrayBuffersBytes)),
    both('RSS - heap reserved - external', mb(native)),
    both('RSS in malloc main arena (brk)', mb((n) => n.resident?.brk)),
    both('RSS in malloc thread arenas', mb((n) => n.resident?.threadArenas)),
    both('RSS in other anonymous maps', mb((n) => n.resident?.otherAnon)),
    both('RSS in mapped files (code)', mb((n) => n.resident?.files)),
  ];
  const kinds = [...new Set(loaded.flatMap((s) => Object.keys(s.node.fdKinds)))].sort();
  const fdSeries = [
    { name: 'open fds (read every 5 s)', first: trace[0]?.fds ?? NaN, last: traced(0).at(-1)?.fds ?? NaN, overall: fitTrace(0, (p) => p.fds), steady: fds },
    both('beyond connections', beyondOf),
    ...kinds.map((k) => both(`  ${k}`, (s) => s.node.fdKinds[k] ?? 0)),
  ];
  const behind = loaded.flatMap((s, i) => {
    const signs = s.driver ? behindAt(s, loaded[i - 1], perSec) : [];
    return signs.length ? [{ minute: s.minute, signs }] : [];
  });

  // Flat: under the target, or no trend the noise cannot explain (within two standard errors of zero).
  const flat = (s: Slope) => s.perHour < targets.fdsPerHour || Math.abs(s.perHour) < 2 * s.stdErr;
  const few = (s: Slope) => (s.points < 3 ? ` — only ${s.points} readings after the warm-up: run longer` : '');
  const v = soak?.verdict;
  const r = soak?.final.reconnects;
  const checks = [
    { name: 'RSS slope', ok: rssMb.perHour < targets.rssMbPerHour, detail: `${rssMb.perHour.toFixed(2)} ± ${rssMb.stdErr.toFixed(2)} MB/h over minutes ${warmupMinutes}–${minutes} (target < ${targets.rssMbPerHour})${few(rssMb)}` },
    { name: 'fds flat', ok: flat(fds), detail: `${fds.perHour.toFixed(1)} ± ${fds.stdErr.toFixed(1)} /h (flat: < ${targets.fdsPerHour}/h or within 2 standard errors of 0)${few(fds)}` },
    { name: 'fds beyond connections flat', ok: flat(beyond), detail: `${beyond.perHour.toFixed(1)} ± ${beyond.stdErr.toFixed(1)} /h${few(beyond)}` },
    // A node behind its load holds a backlog: the slopes then measure the backlog, not a leak.
    {
      name: 'node kept up with the load',
      ok: behind.length === 0,
      detail: behind.length === 0 ? 'at every sample' : `behind at ${behind.length} sample(s): ${behind.map((b) => `min ${b.minute.toFixed(1)} (${b.signs.join(', ')})`).join('; ')}`,
    },
    { name: 'nothing acked lost', ok: v !== undefined && v.lost === 0, detail: v ? `${v.lost} of ${v.acked} acked never reached the other party` : 'no driver result' },
    { name: 'nothing delivered twice', ok: v !== undefined && v.duplicated === 0, detail: v ? `${v.duplicated} delivered more than once` : '' },
    { name: 'nothing refused delivered', ok: v !== undefined && v.refusedDelivered === 0, detail: v ? `${v.refusedDelivered} refused by the node yet delivered` : '' },
    // A close the soak did not cause (4429 for a backlog resent too fast, 4000 too slow...) and
    // above all one the SDK gives up after: its person is gone, and what was written to them is lost.
    {
      name: 'no connection closed unasked',
      ok: r !== undefined && Object.keys(r.unplanned).length === 0 && r.terminated === 0,
      detail: r ? `closed by the node: ${JSON.stringify(r.unplanned)}; SDK clients that gave up: ${r.terminated}` : '',
    },
    { name: 'brief drops resumed', ok: r !== undefined && r.briefSnapshot === 0, detail: r ? `${r.briefResumed} resumed, ${r.briefSnapshot} got a snapshot instead` : '' },
    // A session resumed after its window would mean the node keeps sessions longer than it says.
    { name: 'stays past the resume window start afresh', ok: r !== undefined && r.longResumed === 0, detail: r ? `${r.longSnapshot} snapshot, ${r.longResumed} resumed` : '' },
    { name: 'drained', ok: soak?.drained === true, detail: soak ? `everyone back and every ack delivered ${(soak.drainMs / 1000).toFixed(1)} s after the load stopped${soak.drained ? '' : ' (limit reached)'}` : '' },
  ];
  return {
    warmupMinutes,
    windows: { overall: [0, minutes], steady: [warmupMinutes, minutes] },
    rssMb,
    heapMb: series((s) => (s.node.heapUsedBytes === undefined ? undefined : s.node.heapUsedBytes / MB)),
    fds,
    fdsBeyondConnections: beyond,
    fileFds: series((s) => s.node.fileFds),
    memory,
    fdSeries,
    behind,
    checks,
    pass: checks.every((c) => c.ok),
  };
}

const pad = (s: string, n: number) => s.padStart(n);
const mb = (b: number | undefined) => (b === undefined ? '-' : (b / MB).toFixed(1));
const ms = (us: number | undefined) => (us === undefined ? '-' : (us / 1000).toFixed(1));

export const HEADER = ['min', 'RSS MB', 'heap MB', 'ext MB', 'AB MB', 'fds', 'beyond', 'conns', 'sessions', 'msgs/s', 'ack p50', 'ack p99', 'lag p99', 'store q', 'node CPU', 'runq', 'drv CPU', 'live/留言', 'resumed', 'snapshot', 'failed'];
const WIDTHS = [6, 8, 8, 7, 7, 6, 7, 6, 9, 7, 8, 8, 8, 8, 9, 6, 8, 10, 8, 9, 7];

export function headerLine(): string {
  return HEADER.map((h, i) => pad(h, WIDTHS[i] as number)).join('');
}

/** One row; `prev` gives the rates (messages and CPU over the interval); `behind` flags the row. */
export function row(s: Sample, prev: Sample | undefined, behind: string[] = []): string {
  const d = s.driver;
  const dtSec = prev ? (s.minute - prev.minute) * 60 : 0;
  const rate = d && prev?.driver && dtSec > 0 ? ((d.messages.delivered - prev.driver.messages.delivered) / dtSec).toFixed(0) : '-';
  const cpu = prev && dtSec > 0 ? `${(((s.node.cpuUs - prev.node.cpuUs) / (dtSec * 1e6)) * 100).toFixed(0)}%` : '-';
  const failed = d ? Object.values(d.world.failed).reduce((a, b) => a + b, 0) : 0;
  const cells = [
    d?.final ? 'end' : s.minute.toFixed(1),
    mb(s.node.rssBytes),
    mb(s.node.heapUsedBytes),
    mb(s.node.externalBytes),
    mb(s.node.arrayBuffersBytes),
    String(s.node.fds),
    s.node.connections === undefined ? '-' : String(s.node.fds - s.node.connections),
    String(s.node.connections ?? '-'),
    String(s.node.sessions ?? '-'),
    rate,
    ms(d?.ackP50Us),
    ms(d?.ackP99Us),
    s.node.loopLagP99Sec === undefined ? '-' : (s.node.loopLagP99Sec * 1000).toFixed(0),
    String(s.node.storeWaiting ?? '-'),
    cpu,
    starved(s, prev) === undefined ? '-' : `${((starved(s, prev) as number) * 100).toFixed(0)}%`,
    d ? `${(d.driverCpuShare * 100).toFixed(0)}%` : '-',
    d ? `${d.talks.text}/${d.talks.message}` : '-',
    d ? String(d.reconnects.briefResumed + d.reconnects.longResumed) : '-',
    d ? String(d.reconnects.briefSnapshot + d.reconnects.longSnapshot) : '-',
    d ? String(failed) : '-',
  ];
  return cells.map((c, i) => pad(c, WIDTHS[i] as number)).join('') + (behind.length ? `  BEHIND: ${behind.join(', ')}` : '');
}

/** The slopes table: each series' first and last value, its slope over the whole load and over the steady part. */
function printSlopes(title: string, unit: string, rows: readonly SeriesSlopes[], digits: number): void {
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(digits) : '-');
  const slopeText = (x: Slope) => (Number.isFinite(x.perHour) ? `${f(x.perHour)} ± ${f(x.stdErr)}` : '-');
  console.log(`  ${title.padEnd(34)}${'first'.padStart(9)}${'last'.padStart(9)}${`overall ${unit}/h`.padStart(22)}${`steady ${unit}/h`.padStart(22)}`);
  for (const r of rows) console.log(`  ${r.name.padEnd(34)}${f(r.first).padStart(9)}${f(r.last).padStart(9)}${slopeText(r.overall).padStart(22)}${slopeText(r.steady).padStart(22)}`);
}

export function printSummary(summary: Summary, soak: SoakResult | undefined): void {
  const [o0, o1] = summary.windows.overall;
  const [s0, s1] = summary.windows.steady;
  console.log(`\nslopes, least squares ± one standard error: overall = minutes ${o0}–${o1} of load, steady = minutes ${s0}–${s1} (after a ${summary.warmupMinutes}-minute warm-up)`);
  printSlopes('memory (MB)', 'MB', summary.memory, 2);
  console.log('');
  printSlopes('open fds, by kind', 'fds', summary.fdSeries, 1);
  console.log(`\nbehind the load: ${summary.behind.length === 0 ? 'never' : summary.behind.map((b) => `min ${b.minute.toFixed(1)} (${b.signs.join(', ')})`).join('; ')}`);
  if (soak) {
    const v = soak.verdict;
    const r = soak.final.reconnects;
    const m = soak.final.messages;
    console.log(`\nmessages  sent ${m.sent}, acked ${v.acked}, refused ${m.refused} (consultation closed meanwhile), delivered once ${v.deliveredOnce}, lost ${v.lost}, doubled ${v.duplicated}, still pending ${v.pending}, strays ${m.strays}`);
    console.log(`drops     ${Object.entries(r.drops).map(([k, n]) => `${k} ${n}`).join(', ')}; brief: ${r.briefResumed} resumed, ${r.briefSnapshot} snapshot; long (past the resume window): ${r.longSnapshot} snapshot, ${r.longResumed} resumed; long ones the end cut short: ${r.cutResumed} resumed, ${r.cutSnapshot} snapshot`);
    console.log(`          closes the soak did not cause: ${JSON.stringify(r.unplanned)}; SDK clients that gave up: ${r.terminated}`);
    const w = soak.final.world;
    console.log(`people    requests ${w.requested}, offers accepted ${w.accepted}, consultations closed ${w.closed}, 留言 assigned ${w.assigned}, lawyers back on duty ${w.backOnDuty}`);
    console.log(`          failed requests: ${JSON.stringify(w.failed)}`);
  }
  console.log('');
  for (const c of summary.checks) console.log(`  ${c.ok ? 'PASS' : 'FAIL'}  ${c.name}: ${c.detail}`);
  console.log(`\n${summary.pass ? 'PASS' : 'FAIL'}`);
}
