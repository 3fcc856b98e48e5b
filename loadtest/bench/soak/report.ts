// The soak's figures: one row per sample, least-squares slopes after the warm-up, and the
// verdict against the targets (RSS < 1 MB/h, flat fds, nothing acked lost or doubled).
import type { SoakResult, SoakTick } from './load.ts';

/** What the node looked like at one tick: from /proc, and from its /metrics when that answered. */
export interface NodeReading {
  rssBytes: number;
  fds: number;
  socketFds: number;
  /** files on disk (store segments, logs): the rest of `fds` is sockets, pipes, epoll and the like */
  fileFds: number;
  /** user+system since the node started, microseconds */
  cpuUs: number;
  heapUsedBytes?: number;
  externalBytes?: number;
  connections?: number;
  sessions?: number;
  heldForResume?: number;
  storeRecords?: number;
}

export interface Sample {
  /** minutes since the load started */
  minute: number;
  node: NodeReading;
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

export interface Summary {
  warmupMinutes: number;
  rssMb: Slope;
  heapMb: Slope;
  fds: Slope;
  /** fds the node holds beyond its open connections: where a leaked socket or file would show, without the churn of drops */
  fdsBeyondConnections: Slope;
  fileFds: Slope;
  checks: { name: string; ok: boolean; detail: string }[];
  pass: boolean;
}

const MB = 1024 * 1024;

/** Slopes over the loaded time after the warm-up (`minutes` is the load's length: the drain after it is left out). */
export function summarize(samples: readonly Sample[], trace: readonly TracePoint[], minutes: number, warmupMinutes: number, targets: Targets, soak: SoakResult | undefined): Summary {
  const after = samples.filter((s) => s.driver && !s.driver.final && s.minute >= warmupMinutes);
  const series = (f: (s: Sample) => number | undefined) =>
    slope(after.flatMap((s) => (f(s) === undefined ? [] : [{ x: s.minute / 60, y: f(s) as number }])));
  const traced = trace.filter((p) => p.minute >= warmupMinutes && p.minute <= minutes);
  const rssMb = slope(traced.map((p) => ({ x: p.minute / 60, y: p.rssBytes / MB })));
  const fds = slope(traced.map((p) => ({ x: p.minute / 60, y: p.fds })));
  const beyond = series((s) => (s.node.connections === undefined ? undefined : s.node.fds - s.node.connections));
  // Flat: under the target, or no trend the noise cannot explain (within two standard errors of zero).
  const flat = (s: Slope) => s.perHour < targets.fdsPerHour || Math.abs(s.perHour) < 2 * s.stdErr;
  const few = (s: Slope) => (s.points < 3 ? ` — only ${s.points} readings after the warm-up: run longer` : '');
  const v = soak?.verdict;
  const r = soak?.final.reconnects;
  const checks = [
    { name: 'RSS slope', ok: rssMb.perHour < targets.rssMbPerHour, detail: `${rssMb.perHour.toFixed(2)} ± ${rssMb.stdErr.toFixed(2)} MB/h (target < ${targets.rssMbPerHour})${few(rssMb)}` },
    { name: 'fds flat', ok: flat(fds), detail: `${fds.perHour.toFixed(1)} ± ${fds.stdErr.toFixed(1)} /h (flat: < ${targets.fdsPerHour}/h or within 2 standard errors of 0)${few(fds)}` },
    { name: 'fds beyond connections flat', ok: flat(beyond), detail: `${beyond.perHour.toFixed(1)} ± ${beyond.stdErr.toFixed(1)} /h${few(beyond)}` },
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
    rssMb,
    heapMb: series((s) => (s.node.heapUsedBytes === undefined ? undefined : s.node.heapUsedBytes / MB)),
    fds,
    fdsBeyondConnections: beyond,
    fileFds: series((s) => s.node.fileFds),
    checks,
    pass: checks.every((c) => c.ok),
  };
}

const pad = (s: string, n: number) => s.padStart(n);
const mb = (b: number | undefined) => (b === undefined ? '-' : (b / MB).toFixed(1));
const ms = (us: number | undefined) => (us === undefined ? '-' : (us / 1000).toFixed(1));

export const HEADER = ['min', 'RSS MB', 'heap MB', 'fds', 'files', 'conns', 'sessions', 'msgs/s', 'ack p50', 'ack p99', 'dlv p50', 'node CPU', 'drv CPU', 'live/留言', 'resumed', 'snapshot', 'failed'];
const WIDTHS = [6, 8, 8, 6, 6, 6, 9, 7, 8, 8, 8, 9, 8, 10, 8, 9, 7];

export function headerLine(): string {
  return HEADER.map((h, i) => pad(h, WIDTHS[i] as number)).join('');
}

/** One row; `prev` gives the rates (messages and CPU over the interval). */
export function row(s: Sample, prev: Sample | undefined): string {
  const d = s.driver;
  const dtSec = prev ? (s.minute - prev.minute) * 60 : 0;
  const rate = d && prev?.driver && dtSec > 0 ? ((d.messages.delivered - prev.driver.messages.delivered) / dtSec).toFixed(0) : '-';
  const cpu = prev && dtSec > 0 ? `${(((s.node.cpuUs - prev.node.cpuUs) / (dtSec * 1e6)) * 100).toFixed(0)}%` : '-';
  const failed = d ? Object.values(d.world.failed).reduce((a, b) => a + b, 0) : 0;
  const cells = [
    d?.final ? 'end' : s.minute.toFixed(1),
    mb(s.node.rssBytes),
    mb(s.node.heapUsedBytes),
    String(s.node.fds),
    String(s.node.fileFds),
    String(s.node.connections ?? '-'),
    String(s.node.sessions ?? '-'),
    rate,
    ms(d?.ackP50Us),
    ms(d?.ackP99Us),
    ms(d?.deliveryP50Us),
    cpu,
    d ? `${(d.driverCpuShare * 100).toFixed(0)}%` : '-',
    d ? `${d.talks.text}/${d.talks.message}` : '-',
    d ? String(d.reconnects.briefResumed + d.reconnects.longResumed) : '-',
    d ? String(d.reconnects.briefSnapshot + d.reconnects.longSnapshot) : '-',
    d ? String(failed) : '-',
  ];
  return cells.map((c, i) => pad(c, WIDTHS[i] as number)).join('');
}

export function printSummary(summary: Summary, soak: SoakResult | undefined): void {
  const s = (x: Slope, unit: string, digits = 2) => `${x.perHour.toFixed(digits)} ± ${x.stdErr.toFixed(digits)} ${unit}/h over ${x.points} samples`;
  console.log(`\nslopes after a ${summary.warmupMinutes}-minute warm-up (least squares; ± one standard error)`);
  console.log(`  RSS            ${s(summary.rssMb, 'MB')} (readings between samples included)`);
  console.log(`  V8 heap used   ${s(summary.heapMb, 'MB')}`);
  console.log(`  open fds       ${s(summary.fds, 'fds', 1)} (readings between samples included)`);
  console.log(`    beyond conns ${s(summary.fdsBeyondConnections, 'fds', 1)}`);
  console.log(`    files        ${s(summary.fileFds, 'fds', 1)}`);
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
