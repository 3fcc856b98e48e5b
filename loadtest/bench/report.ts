import { Histogram, type HistogramData } from './histogram.ts';
import type { Measured } from './processes.ts';

export interface Sample {
  bench: string;
  arm: string;
  round: number;
  msgsPerSec: number;
  serverCpuUsPerMsg: number;
  /** driver CPU / wall time: above ~0.7 the driver, not the server, is the bottleneck */
  driverCpuShare: number;
  p50Us: number;
  p99Us: number;
  ackP50Us?: number;
  ackP99Us?: number;
  messages: number;
  latency: HistogramData;
  ack?: HistogramData;
  bytesPerSession?: number;
  rssBeforeBytes?: number;
  rssAfterBytes?: number;
  /** The lawline node's event-loop budget over the window (loop-budget.ts). */
  loopP50Ms?: number;
  loopP99Ms?: number;
  loopMaxMs?: number;
  gcShare?: number;
  gcPauseMaxMs?: number;
  heapUsedMB?: number;
}

/** One driver run as a sample of its bench and arm; `extra` adds bench-specific figures. */
export function toSample(bench: string, arm: string, round: number, m: Measured, extra: Record<string, number> = {}): Sample {
  const latency = Histogram.from(m.result.latency);
  const ack = m.result.ack ? Histogram.from(m.result.ack) : undefined;
  return {
    bench,
    arm,
    round,
    msgsPerSec: (m.result.messages / m.result.elapsedMs) * 1000,
    serverCpuUsPerMsg: m.serverCpuUs / Math.max(1, m.result.messages),
    driverCpuShare: m.result.driverCpuUs / (m.result.elapsedMs * 1000),
    p50Us: latency.percentile(50),
    p99Us: latency.percentile(99),
    ...(ack ? { ackP50Us: ack.percentile(50), ackP99Us: ack.percentile(99) } : {}),
    messages: m.result.messages,
    latency: m.result.latency,
    ...(m.result.ack ? { ack: m.result.ack } : {}),
    ...extra,
  };
}

export interface Spread {
  median: number;
  min: number;
  max: number;
}

export interface BenchSummary {
  bench: string;
  lawline: { msgsPerSec: number; cpuUsPerMsg: number; p99Us: number; ackP99Us?: number; bytesPerSession?: number; driverCpuShare: number };
  bare: { msgsPerSec: number; cpuUsPerMsg: number; p99Us: number; bytesPerSession?: number; driverCpuShare: number };
  throughputRatio: Spread;
  cpuRatio: Spread;
  /** B2: the minimal Socket.IO 4 relay, and lawline's throughput and CPU per message against it (per round). */
  socketio?: { msgsPerSec: number; cpuUsPerMsg: number; p99Us: number; driverCpuShare: number; throughputRatio: Spread; cpuRatio: Spread };
  /** A/A: the baseline run twice in a row; over 5% means the machine is too noisy to trust small ratios */
  noise: number;
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};
export const spread = (xs: number[]): Spread => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });

/** Ratios are taken per round (lawline round i against the baseline's round i), then the median of those. */
export function summarize(samples: Sample[]): BenchSummary[] {
  const benches = [...new Set(samples.map((s) => s.bench))];
  return benches.map((bench) => {
    const of = (arm: string) => samples.filter((s) => s.bench === bench && s.arm === arm).sort((a, b) => a.round - b.round);
    const law = of('lawline');
    const bare = of('bare');
    const sio = of('socketio');
    const again = of('bare-again')[0];
    const isDensity = law[0]?.bytesPerSession !== undefined;
    const lastBare = bare.at(-1);
    const figures = (arm: Sample[]) => ({
      msgsPerSec: median(arm.map((s) => s.msgsPerSec)),
      cpuUsPerMsg: median(arm.map((s) => s.serverCpuUsPerMsg)),
      p99Us: median(arm.map((s) => s.p99Us)),
      driverCpuShare: median(arm.map((s) => s.driverCpuShare)),
    });
    const ratios = (base: Sample[]) => {
      const perRound = law.map((l, i) => [l, base[i] as Sample] as const).filter(([, b]) => b);
      return {
        throughputRatio: spread(perRound.map(([l, b]) => (isDensity ? (l.bytesPerSession ?? 0) / Math.max(1, b.bytesPerSession ?? 1) : l.msgsPerSec / b.msgsPerSec))),
        cpuRatio: spread(perRound.map(([l, b]) => l.serverCpuUsPerMsg / Math.max(1e-9, b.serverCpuUsPerMsg))),
      };
    };
    return {
      bench,
      lawline: {
        ...figures(law),
        ...(law[0]?.ackP99Us !== undefined ? { ackP99Us: median(law.map((s) => s.ackP99Us ?? 0)) } : {}),
        ...(isDensity ? { bytesPerSession: median(law.map((s) => s.bytesPerSession ?? 0)) } : {}),
      },
      bare: { ...figures(bare), ...(isDensity ? { bytesPerSession: median(bare.map((s) => s.bytesPerSession ?? 0)) } : {}) },
      ...ratios(bare),
      ...(sio.length ? { socketio: { ...figures(sio), ...ratios(sio) } } : {}),
      noise: again && lastBare ? Math.abs(again.msgsPerSec - lastBare.msgsPerSec) / lastBare.msgsPerSec : 0,
    };
  });
}

const f = (n: number, digits = 1) => n.toFixed(digits);
const ms = (us: number) => `${f(us / 1000, 2)} ms`;
const range = (s: Spread, digits = 2) => `${f(s.median, digits)} (${f(s.min, digits)}–${f(s.max, digits)})`;

/** Medians over a bench's lawline rounds of its event-loop budget, formatted; none when the node was not watched. */
function loopFigures(rounds: Sample[]) {
  const watched = rounds.filter((r) => r.loopP99Ms !== undefined && Number.isFinite(r.loopP99Ms));
  if (!watched.length) return undefined;
  const m = (pick: (r: Sample) => number | undefined, digits = 2) => f(median(watched.map((r) => pick(r) ?? 0)), digits);
  return { p50: m((r) => r.loopP50Ms), p99: m((r) => r.loopP99Ms), max: m((r) => r.loopMaxMs), gc: m((r) => (r.gcShare ?? 0) * 100, 1), pause: m((r) => r.gcPauseMaxMs), heap: m((r) => r.heapUsedMB, 0) };
}

export function printTable(summary: BenchSummary[], samples: Sample[]): void {
  console.log(`\nlawline benchmarks (ratios: lawline ÷ bare uWS, median of rounds, min–max)\n`);
  for (const s of summary) {
    console.log(`${s.bench}`);
    if (s.lawline.bytesPerSession !== undefined) {
      console.log(`  RSS per idle session: lawline ${f((s.lawline.bytesPerSession ?? 0) / 1024, 2)} KB, bare ${f((s.bare.bytesPerSession ?? 0) / 1024, 2)} KB (target ≤ 8 KB)`);
      continue;
    }
    console.log(`  msgs/s       lawline ${f(s.lawline.msgsPerSec, 0)}   bare ${f(s.bare.msgsPerSec, 0)}   ratio ${range(s.throughputRatio)}`);
    console.log(`  server CPU   lawline ${f(s.lawline.cpuUsPerMsg)} µs/msg   bare ${f(s.bare.cpuUsPerMsg)} µs/msg   ratio ${range(s.cpuRatio)}`);
    console.log(`  p99          lawline ${ms(s.lawline.p99Us)} (delivery)${s.lawline.ackP99Us !== undefined ? `, ${ms(s.lawline.ackP99Us)} (durable ack)` : ''}   bare ${ms(s.bare.p99Us)}`);
    if (s.socketio) {
      const io = s.socketio;
      console.log(`  Socket.IO 4  ${f(io.msgsPerSec, 0)} msgs/s, ${f(io.cpuUsPerMsg)} µs/msg, p99 ${ms(io.p99Us)}, driver CPU ${f(io.driverCpuShare * 100, 0)}%   lawline ÷ Socket.IO: msgs/s ${range(io.throughputRatio)}, CPU/msg ${range(io.cpuRatio)}`);
    }
    const driverBound = Math.max(s.lawline.driverCpuShare, s.bare.driverCpuShare) > 0.7;
    const loop = loopFigures(samples.filter((x) => x.bench === s.bench && x.arm === 'lawline'));
    if (loop) console.log(`  event loop   lawline late by p50 ${loop.p50} ms, p99 ${loop.p99} ms, max ${loop.max} ms; GC ${loop.gc}% of the time, longest pause ${loop.pause} ms; heap ${loop.heap} MB`);
    console.log(`  driver CPU   lawline ${f(s.lawline.driverCpuShare * 100, 0)}%   bare ${f(s.bare.driverCpuShare * 100, 0)}%${driverBound ? '   (driver-bound: read the CPU µs/msg ratio, not msgs/s)' : ''}`);
    console.log(`  A/A noise    ${f(s.noise * 100)}%${s.noise > 0.05 ? '   (over 5%: the machine is too noisy for small differences)' : ''}`);
  }
  console.log(`\n${samples.length} samples`);
}
