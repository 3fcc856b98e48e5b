// B4's figures from its samples: per arm, per load, the ratios and the targets; and the table.
// Percentiles come from histograms merged over every round of an arm (BENCHMARKS.md, rule 5).
import { Histogram, type HistogramData } from './histogram.ts';
import type { PresenceResult } from './jobs.ts';
import { median, spread, type Sample, type Spread } from './report.ts';

export type ArmName = 'cluster' | 'embedded';

export interface ClusterSample extends Sample {
  /** 'closed' or 'rate <msgs/s>' */
  bench: string;
  /** server CPU per delivered message: the node processes, and for the cluster Redis and the nodes' PostgreSQL backends */
  cpu: { nodesUsPerMsg: number; redisUsPerMsg: number; pgUsPerMsg: number; otherArmShare: number };
  /** Redis INFO commandstats calls over the loaded window (cluster only; commands inside scripts included) */
  redisCalls: Record<string, number>;
  /** how long the servers took to go idle before this run (the last run's backlog) */
  settledMs: number;
  /** the machine's disk writes during the run, MB/s (every process: PostgreSQL, the file store, others') */
  diskWriteMBps: number;
}

export interface PresenceSample {
  arm: ArmName;
  round: number;
  changes: number;
  presence: PresenceResult;
}

interface ArmFigures {
  msgsPerSec: number;
  nodesCpuUsPerMsg: number;
  redisCpuUsPerMsg: number;
  pgCpuUsPerMsg: number;
  /** the other arm's CPU during this arm's runs, as a share of a core (largest round): work left over on the shared core */
  otherArmShare: number;
  /** the machine's disk writes during this arm's runs, MB/s (largest round) */
  diskWriteMBps: number;
  deliveryP50Us: number;
  deliveryP99Us: number;
  ackP50Us: number;
  ackP99Us: number;
  driverCpuShare: number;
}

interface RedisFigures {
  delivered: number;
  calls: Record<string, number>;
  /** XADD count: one stream entry per (script call, target node), i.e. per delivery batch */
  batches: number;
  spublishPerBatch: number;
  messagesPerBatch: number;
  spublishPerMsg: number;
  evalshaPerMsg: number;
  commandsPerMsg: number;
}

interface LoadFigures {
  embedded: ArmFigures;
  cluster: ArmFigures;
  /** cluster ÷ embedded, per round, median (min–max) */
  throughputRatio: Spread;
  cpuRatio: Spread;
  addedDeliveryP99Us: number;
  addedAckP99Us: number;
  /**
   * Per round, the larger of added delivery p99 and added ack p99 (each arm's own histograms
   * of that round), median (min–max): one disturbed round of either arm moves the merged
   * figures a lot on a shared machine, and the median of rounds much less. The target is read here.
   */
  addedP99PerRoundUs: Spread;
  addedDeliveryP50Us: number;
  addedAckP50Us: number;
  redis: RedisFigures;
}

interface PresenceFigures {
  changes: number;
  directoryP50Us: number;
  directoryP99Us: number;
  deviceP50Us: number;
  deviceP99Us: number;
  replyP50Us: number;
  replyP99Us: number;
  pollsPerChange: number;
}

export interface ClusterSummary {
  closed: LoadFigures;
  /** one per fixed offered rate, highest first */
  rates: (LoadFigures & { offeredPerSec: number })[];
  presence: Record<ArmName, PresenceFigures>;
  /** A/A: the embedded arm's closed loop twice in a row */
  noise: number;
  targets: { name: string; target: string; value: number; met: boolean }[];
}

const merged = (hs: (HistogramData | undefined)[]) => hs.reduce((h, d) => (d ? h.merge(d) : h), new Histogram());
const sumCalls = (samples: ClusterSample[]) => {
  const out: Record<string, number> = {};
  for (const s of samples) for (const [k, v] of Object.entries(s.redisCalls)) out[k] = (out[k] ?? 0) + v;
  return out;
};

function arm(samples: ClusterSample[]): ArmFigures {
  const delivery = merged(samples.map((s) => s.latency));
  const ack = merged(samples.map((s) => s.ack));
  return {
    msgsPerSec: median(samples.map((s) => s.msgsPerSec)),
    nodesCpuUsPerMsg: median(samples.map((s) => s.cpu.nodesUsPerMsg)),
    redisCpuUsPerMsg: median(samples.map((s) => s.cpu.redisUsPerMsg)),
    pgCpuUsPerMsg: median(samples.map((s) => s.cpu.pgUsPerMsg)),
    otherArmShare: Math.max(...samples.map((s) => s.cpu.otherArmShare)),
    diskWriteMBps: Math.max(...samples.map((s) => s.diskWriteMBps)),
    deliveryP50Us: delivery.percentile(50),
    deliveryP99Us: delivery.percentile(99),
    ackP50Us: ack.percentile(50),
    ackP99Us: ack.percentile(99),
    driverCpuShare: median(samples.map((s) => s.driverCpuShare)),
  };
}

function redisFigures(samples: ClusterSample[]): RedisFigures {
  const calls = sumCalls(samples);
  const delivered = samples.reduce((n, s) => n + s.messages, 0);
  const per = (n: number) => n / Math.max(1, delivered);
  const batches = calls.xadd ?? 0;
  return {
    delivered,
    calls,
    batches,
    spublishPerBatch: (calls.spublish ?? 0) / Math.max(1, batches),
    messagesPerBatch: per(batches) === 0 ? 0 : delivered / batches,
    spublishPerMsg: per(calls.spublish ?? 0),
    evalshaPerMsg: per(calls.evalsha ?? 0),
    commandsPerMsg: per(Object.values(calls).reduce((a, b) => a + b, 0)),
  };
}

function load(samples: ClusterSample[], bench: string): LoadFigures {
  const of = (label: string) => samples.filter((s) => s.bench === bench && s.arm === label).sort((a, b) => a.round - b.round);
  const cluster = of('cluster');
  const embedded = of('embedded');
  const rounds = cluster.map((c, i) => [c, embedded[i]] as const).filter((p): p is readonly [ClusterSample, ClusterSample] => p[1] !== undefined);
  const c = arm(cluster);
  const e = arm(embedded);
  return {
    embedded: e,
    cluster: c,
    throughputRatio: spread(rounds.map(([x, y]) => x.msgsPerSec / y.msgsPerSec)),
    cpuRatio: spread(rounds.map(([x, y]) => x.cpu.nodesUsPerMsg / Math.max(1e-9, y.cpu.nodesUsPerMsg))),
    addedDeliveryP99Us: c.deliveryP99Us - e.deliveryP99Us,
    addedAckP99Us: c.ackP99Us - e.ackP99Us,
    addedP99PerRoundUs: spread(rounds.map(([x, y]) => Math.max(x.p99Us - y.p99Us, (x.ackP99Us ?? 0) - (y.ackP99Us ?? 0)))),
    addedDeliveryP50Us: c.deliveryP50Us - e.deliveryP50Us,
    addedAckP50Us: c.ackP50Us - e.ackP50Us,
    redis: redisFigures(cluster),
  };
}

function presence(samples: PresenceSample[]): PresenceFigures {
  const directory = merged(samples.map((s) => s.presence.directory));
  const device = merged(samples.map((s) => s.presence.device));
  const reply = merged(samples.map((s) => s.presence.reply));
  const changes = samples.reduce((n, s) => n + s.changes, 0);
  return {
    changes,
    directoryP50Us: directory.percentile(50),
    directoryP99Us: directory.percentile(99),
    deviceP50Us: device.percentile(50),
    deviceP99Us: device.percentile(99),
    replyP50Us: reply.percentile(50),
    replyP99Us: reply.percentile(99),
    pollsPerChange: samples.reduce((n, s) => n + s.presence.polls, 0) / Math.max(1, changes),
  };
}

export function summarizeCluster(samples: ClusterSample[], presenceSamples: PresenceSample[], offered: number[]): ClusterSummary {
  const closed = load(samples, 'closed');
  const rates = [...offered].sort((a, b) => b - a).map((perSec) => ({ ...load(samples, `rate ${perSec}`), offeredPerSec: perSec }));
  const again = samples.find((s) => s.bench === 'closed' && s.arm === 'embedded-again');
  const last = samples.filter((s) => s.bench === 'closed' && s.arm === 'embedded').at(-1);
  // Added latency is judged at the lowest rate: the one the cluster is meant to sustain.
  const judged = rates.at(-1) as (typeof rates)[number];
  const addedP99 = judged.addedP99PerRoundUs.median / 1000;
  const redis = judged.redis;
  return {
    closed,
    rates,
    presence: { embedded: presence(presenceSamples.filter((s) => s.arm === 'embedded')), cluster: presence(presenceSamples.filter((s) => s.arm === 'cluster')) },
    noise: again && last ? Math.abs(again.msgsPerSec - last.msgsPerSec) / last.msgsPerSec : 0,
    targets: [
      { name: 'msgs/s ratio, closed loop (cluster ÷ embedded)', target: '≥ 0.5', value: closed.throughputRatio.median, met: closed.throughputRatio.median >= 0.5 },
      { name: `added p99 at ${judged.offeredPerSec}/s, ms (larger of delivery and ack, median of rounds)`, target: '≤ 2', value: addedP99, met: addedP99 <= 2 },
      { name: `SPUBLISH per delivery batch at ${judged.offeredPerSec}/s`, target: '1', value: redis.spublishPerBatch, met: redis.batches > 0 && redis.spublishPerBatch <= 1 },
    ],
  };
}

const f = (n: number, digits = 1) => n.toFixed(digits);
const ms = (us: number) => `${f(us / 1000, 2)} ms`;
const signedMs = (us: number) => `${us >= 0 ? '+' : '−'}${f(Math.abs(us) / 1000, 2)} ms`;
const range = (s: Spread) => `${f(s.median, 2)} (${f(s.min, 2)}–${f(s.max, 2)})`;

function printLoad(title: string, l: LoadFigures): void {
  const { embedded: e, cluster: c, redis: r } = l;
  console.log(title);
  console.log(`  msgs/s        embedded ${f(e.msgsPerSec, 0)}   cluster ${f(c.msgsPerSec, 0)}   ratio ${range(l.throughputRatio)}`);
  const perRound = l.addedP99PerRoundUs;
  console.log(`  ack p50/p99   embedded ${ms(e.ackP50Us)} / ${ms(e.ackP99Us)}   cluster ${ms(c.ackP50Us)} / ${ms(c.ackP99Us)}   added p50 ${signedMs(l.addedAckP50Us)}, p99 ${signedMs(l.addedAckP99Us)}`);
  console.log(`  delivery      embedded ${ms(e.deliveryP50Us)} / ${ms(e.deliveryP99Us)}   cluster ${ms(c.deliveryP50Us)} / ${ms(c.deliveryP99Us)}   added p50 ${signedMs(l.addedDeliveryP50Us)}, p99 ${signedMs(l.addedDeliveryP99Us)}`);
  console.log(`                added p99 (larger of the two) round by round: median ${signedMs(perRound.median)} (${signedMs(perRound.min)} to ${signedMs(perRound.max)})`);
  console.log(`  server CPU    embedded ${f(e.nodesCpuUsPerMsg)} µs/msg   cluster nodes ${f(c.nodesCpuUsPerMsg)} µs/msg (+ Redis ${f(c.redisCpuUsPerMsg)}, PostgreSQL ${f(c.pgCpuUsPerMsg)})   nodes ratio ${range(l.cpuRatio)}`);
  console.log(`  Redis         ${f(r.commandsPerMsg, 2)} commands per delivered message (SPUBLISH ${f(r.spublishPerMsg, 3)}, EVALSHA ${f(r.evalshaPerMsg, 3)}); ${r.batches} batches, ${f(r.messagesPerBatch, 1)} messages and ${f(r.spublishPerBatch, 2)} SPUBLISH per batch`);
  const driverBound = Math.max(e.driverCpuShare, c.driverCpuShare) > 0.7;
  console.log(`  driver CPU    embedded ${f(e.driverCpuShare * 100, 0)}%   cluster ${f(c.driverCpuShare * 100, 0)}%${driverBound ? '   (driver-bound: read CPU µs/msg, not msgs/s)' : ''}`);
  console.log(`  interference  other arm busy up to ${f(e.otherArmShare * 100, 0)}% of a core during embedded runs, ${f(c.otherArmShare * 100, 0)}% during cluster runs; disk writes up to ${f(e.diskWriteMBps)} / ${f(c.diskWriteMBps)} MB/s`);
}

function printPresence(name: ArmName, p: PresenceFigures): void {
  console.log(
    `  ${name.padEnd(9)} directory.list shows it p50 ${ms(p.directoryP50Us)} p99 ${ms(p.directoryP99Us)}   other device pushed p50 ${ms(p.deviceP50Us)} p99 ${ms(p.deviceP99Us)}   reply p99 ${ms(p.replyP99Us)}   (${p.changes} changes, ${f(p.pollsPerChange)} polls each)`,
  );
}

export function printCluster(s: ClusterSummary, run: { rounds: number; pairs: number; window: number; nodes: number; serverCore: number; seconds: number; loadavg: { start: number; end: number } }): void {
  console.log(`\nB4 cluster: ${run.nodes} nodes + Redis + PostgreSQL vs 1 embedded node (file store, memory backplane), ${run.rounds} alternating rounds`);
  console.log(`  ${run.pairs} pairs, each citizen and lawyer on different nodes; every node of both arms and Redis on core ${run.serverCore}, PostgreSQL unpinned, driver on core 1\n`);
  printLoad(`closed loop (${run.window} in flight per pair)`, s.closed);
  for (const rate of s.rates) printLoad(`\nat ${rate.offeredPerSec} msg/s offered`, rate);
  console.log(`\npresence propagation (duty.on/off on one node, seen from the others)`);
  printPresence('embedded', s.presence.embedded);
  printPresence('cluster', s.presence.cluster);
  console.log(`\nA/A noise (embedded, closed loop) ${f(s.noise * 100)}%${s.noise > 0.05 ? '   (over 5%: the machine is too noisy for small differences)' : ''}`);
  console.log(`\ntargets`);
  for (const t of s.targets) console.log(`  ${t.met ? 'met    ' : 'MISSED '} ${t.name}: ${f(t.value, 2)} (target ${t.target})`);
  console.log(`\n${f(run.seconds, 0)} s; machine load average ${f(run.loadavg.start, 2)} at the start, ${f(run.loadavg.end, 2)} at the end (2 cores: above ~2, other work shares them)`);
}
