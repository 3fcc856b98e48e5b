import { Histogram } from '../histogram.ts';
import { median, spread, type Spread } from '../report.ts';
import type { LoadResult, ReadsResult } from './child.ts';
import type { Started } from './store-process.ts';

export interface Fill {
  arm: string;
  toSize: number;
  messages: number;
  msgsPerSec: number;
  cpuUsPerMsg: number;
  errors: number;
}

export interface RoundSample extends Started {
  /** the size being measured */
  size: number;
  /** messages stored when the round began: the size, and what earlier rounds added */
  stored: number;
  arm: string;
  round: number;
  diskBytes: number;
  reads: ReadsResult;
  closed: LoadResult;
  rate: LoadResult;
  loadavg: number[];
}

export interface ArmSummary {
  size: number;
  arm: string;
  rounds: number;
  /** messages stored at its first round */
  stored: number;
  readyMs: Spread;
  rssMB: Spread;
  rssAnonMB: Spread;
  diskMB: number;
  firstReadMs: Spread;
  readP50Ms: number;
  readP99Ms: number;
  closedMsgsPerSec: number;
  closedCpuUsPerMsg: number;
  closedMsgsPerCommit: number;
  rateMsgsPerCommit: number;
  closedAckP99Ms: number;
  rateCpuUsPerMsg: number;
  /** what the fixed rate achieved: below the offered rate, the store (or the machine) could not keep up */
  rateMsgsPerSec: number;
  /** merged over rounds, and the median of each round's own */
  rateAckP99Ms: number;
  rateAckP99MsPerRound: Spread;
  /** engine ÷ baseline, per round, then median (min–max) */
  throughputRatio?: Spread;
  cpuRatio?: Spread;
  rateCpuRatio?: Spread;
  /** must be 0: retries not answered with the first message, refusals of active consultations, misordered pages */
  errors: number;
}

export interface SizeSummary {
  size: number;
  arms: ArmSummary[];
  /** A/A: the baseline twice in a row; closed-loop msgs/s and rate CPU/msg differences */
  noise: { throughput: number; rateCpu: number };
}

const MB = 2 ** 20;
const merged = (hs: ReturnType<Histogram['toJSON']>[]) => hs.reduce((h, d) => h.merge(d), new Histogram());
const perMsg = (r: LoadResult) => r.cpuUs / Math.max(1, r.messages);
const perSec = (r: LoadResult) => (r.messages / r.elapsedMs) * 1000;

export function summarize(samples: RoundSample[], baseline: string): SizeSummary[] {
  const sizes = [...new Set(samples.map((s) => s.size))];
  return sizes.map((size) => {
    const of = (arm: string) => samples.filter((s) => s.size === size && s.arm === arm).sort((a, b) => a.round - b.round);
    const base = of(baseline);
    const arms = [...new Set(samples.filter((s) => s.size === size && !s.arm.endsWith('-again')).map((s) => s.arm))].map((arm): ArmSummary => {
      const rs = of(arm);
      const perRound = (f: (s: RoundSample) => number) => spread(rs.map(f));
      const ratio = (f: (s: RoundSample) => number) => spread(rs.map((s, i) => f(s) / f(base[i] ?? s)));
      return {
        size,
        arm,
        rounds: rs.length,
        stored: rs[0]?.stored ?? size,
        readyMs: perRound((s) => s.readyMs),
        rssMB: perRound((s) => s.rssBytes / MB),
        rssAnonMB: perRound((s) => s.rssAnonBytes / MB),
        diskMB: median(rs.map((s) => s.diskBytes / MB)),
        firstReadMs: perRound((s) => s.reads.firstUs / 1000),
        readP50Ms: merged(rs.map((s) => s.reads.reads)).percentile(50) / 1000,
        readP99Ms: merged(rs.map((s) => s.reads.reads)).percentile(99) / 1000,
        closedMsgsPerSec: median(rs.map((s) => perSec(s.closed))),
        closedCpuUsPerMsg: median(rs.map((s) => perMsg(s.closed))),
        closedMsgsPerCommit: median(rs.map((s) => s.closed.messages / Math.max(1, s.closed.commits))),
        rateMsgsPerCommit: median(rs.map((s) => s.rate.messages / Math.max(1, s.rate.commits))),
        closedAckP99Ms: merged(rs.map((s) => s.closed.ack)).percentile(99) / 1000,
        rateCpuUsPerMsg: median(rs.map((s) => perMsg(s.rate))),
        rateMsgsPerSec: median(rs.map((s) => perSec(s.rate))),
        rateAckP99Ms: merged(rs.map((s) => s.rate.ack)).percentile(99) / 1000,
        rateAckP99MsPerRound: perRound((s) => Histogram.from(s.rate.ack).percentile(99) / 1000),
        ...(arm === baseline
          ? {}
          : { throughputRatio: ratio((s) => perSec(s.closed)), cpuRatio: ratio((s) => perMsg(s.closed)), rateCpuRatio: ratio((s) => perMsg(s.rate)) }),
        errors: rs.reduce((n, s) => n + s.closed.counters.errors + s.rate.counters.errors + s.reads.misordered, 0),
      };
    });
    const again = of(`${baseline}-again`)[0];
    const last = base.at(-1);
    const noise = again && last ? { throughput: Math.abs(perSec(again.closed) - perSec(last.closed)) / perSec(last.closed), rateCpu: Math.abs(perMsg(again.rate) - perMsg(last.rate)) / perMsg(last.rate) } : { throughput: 0, rateCpu: 0 };
    return { size, arms, noise };
  });
}

const f = (n: number, digits = 1) => n.toFixed(digits);
const range = (s: Spread, digits = 2) => `${f(s.median, digits)} (${f(s.min, digits)}–${f(s.max, digits)})`;
const pad = (s: string, n: number) => s.padEnd(n);

export function printTable(summary: SizeSummary[], fills: Fill[], options: { rate: number; cold: boolean; startupMs: number }): void {
  console.log(`\nB8 store scale (median of rounds, min–max; ratios engine ÷ ${summary[0]?.arms[0]?.arm ?? 'baseline'}, per round)${options.cold ? ' — page cache dropped before each start' : ''}`);
  console.log(`  Node + tsx starting the same process with no store: ${f(options.startupMs, 0)} ms (median)`);
  for (const fl of fills) console.log(`  fill ${pad(fl.arm, 7)} to ${fl.toSize}: ${f(fl.msgsPerSec, 0)} msg/s, ${f(fl.cpuUsPerMsg)} µs/msg${fl.errors ? `, ${fl.errors} ERRORS` : ''}`);
  for (const s of summary) {
    console.log(`\n${s.size.toLocaleString('en')} stored messages`);
    const head = ['arm', 'stored', 'ready ms', 'RSS MB (anon)', 'disk MB', 'first read ms', 'read p50/p99 ms', 'closed msg/s', 'CPU µs/msg', 'msg/commit closed, rate', `${options.rate}/s achieved`, `${options.rate}/s CPU µs/msg`, `${options.rate}/s ack p99 ms`, 'ratios msg/s, CPU, CPU@rate'];
    console.log(`  ${head.join(' | ')}`);
    for (const a of s.arms) {
      const row = [
        a.arm,
        a.stored.toLocaleString('en'),
        range(a.readyMs, 0),
        `${f(a.rssMB.median, 0)} (${f(a.rssAnonMB.median, 0)})`,
        f(a.diskMB, 0),
        range(a.firstReadMs),
        `${f(a.readP50Ms, 2)}/${f(a.readP99Ms, 2)}`,
        f(a.closedMsgsPerSec, 0),
        f(a.closedCpuUsPerMsg),
        `${f(a.closedMsgsPerCommit, 0)}, ${f(a.rateMsgsPerCommit, 1)}`,
        f(a.rateMsgsPerSec, 0),
        f(a.rateCpuUsPerMsg),
        `${f(a.rateAckP99Ms, 2)} (rounds ${range(a.rateAckP99MsPerRound)})`,
        a.throughputRatio && a.cpuRatio && a.rateCpuRatio ? `${range(a.throughputRatio)}, ${range(a.cpuRatio)}, ${range(a.rateCpuRatio)}` : 'baseline',
      ];
      console.log(`  ${row.join(' | ')}${a.errors ? `   ${a.errors} ERRORS` : ''}`);
    }
    console.log(`  A/A noise: msg/s ${f(s.noise.throughput * 100)}%, CPU/msg at rate ${f(s.noise.rateCpu * 100)}%${Math.max(s.noise.throughput, s.noise.rateCpu) > 0.05 ? '   (over 5%: the machine is too noisy for small differences)' : ''}`);
  }
}
