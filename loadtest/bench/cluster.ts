// npm run bench:cluster [-- --smoke] [-- --rate N,N] [-- --rounds N]: B4 (../shared/BENCHMARKS.md). The durable
// chat relay of B2 with each citizen and their lawyer on different nodes of a cluster (three
// nodes sharing Redis and PostgreSQL), against the same pairs and load on one embedded node
// (file store, memory backplane), in alternating rounds: closed-loop throughput, ack and
// delivery p99 at a fixed offered rate, server CPU per message, Redis commands per delivered
// message, and how fast a duty change shows on other nodes. Writes loadtest/results/cluster-*.json.
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg as osLoadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { callsBetween, dropSchema, pgBackends, startRedis } from './cluster-infra.ts';
import { printCluster, summarizeCluster, type ArmName, type ClusterSample, type PresenceSample } from './cluster-report.ts';
import type { Job, RelayJob } from './jobs.ts';
import { lawlineEnv, tokensFor, wsUrl } from './lawline.ts';
import { diskWrittenBytes, machine } from './proc.ts';
import { alternateRounds, ROOT, runDriver, startServer, waitIdle, type Server } from './processes.ts';
import { toSample } from './report.ts';

const { values } = parseArgs({ options: { smoke: { type: 'boolean', default: false }, rate: { type: 'string' }, rounds: { type: 'string' }, 'database-url': { type: 'string' } } });
const smoke = values.smoke ?? false;
const size = {
  ...(smoke
    ? { rounds: 1, pairs: 12, durationMs: 800, rates: [300], presenceLawyers: 3, presenceCycles: 6 }
    : // 3,000 msg/s is well inside what one embedded node relays durably (B2 holds 5,000/s under
      // its p99 target); 500/s is also inside what the cluster sustains (its closed loop
      // reached ~1,400/s when this was written), so the added latency is read there.
      { rounds: 5, pairs: 99, durationMs: 4000, rates: [3000, 500], presenceLawyers: 9, presenceCycles: 60 }),
  // --rate N[,N…] / --rounds N: explore other loads, or a quicker look
  ...(values.rate ? { rates: values.rate.split(',').map(Number) } : {}),
  ...(values.rounds ? { rounds: Number(values.rounds) } : {}),
  window: 4,
  bodyBytes: 120,
};
const NODES = 3;
/** Both arms' servers (and Redis) share core 0 on this 2-core machine; the driver has core 1. */
const SERVER_CORE = 0;
// --database-url (the smoke test passes the test run's), else DATABASE_URL, else the machine's.
const DATABASE_URL = values['database-url'] ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** The backends of that server are found by its port (under npm test, perhaps the set-up's own PostgreSQL). */
const PG_PORT = Number(new URL(DATABASE_URL).port || 5432);

// Tokens first: every node of the cluster trusts the identity of its shared data dir, and the
// embedded node gets a copy, so both arms serve the very same pairs.
const runId = randomBytes(4).toString('hex');
const clusterDir = mkdtempSync(join(tmpdir(), 'lawline-b4-cluster-'));
const embeddedDir = mkdtempSync(join(tmpdir(), 'lawline-b4-embedded-'));
const citizens = await tokensFor(clusterDir, size.pairs, 'B4C', 'citizen');
const lawyers = await tokensFor(clusterDir, size.pairs, 'B4L', 'lawyer');
const pairs = citizens.map((c, i): [string, string] => [c, lawyers[i] as string]);
const dutyLawyers = await tokensFor(clusterDir, size.presenceLawyers, 'B4P', 'lawyer', ['general']);
const watchers = await tokensFor(clusterDir, size.presenceLawyers, 'B4W', 'citizen');
cpSync(join(clusterDir, 'identity'), join(embeddedDir, 'identity'), { recursive: true });

const schema = `lawline_b4_${runId}`;
const redis = await startRedis(SERVER_CORE);
const nodes: Server[] = [];
let embedded: Server | undefined;
const relaySamples: ClusterSample[] = [];
const presenceSamples: PresenceSample[] = [];

/** Node i of an arm: the embedded arm has one node, so every session lands on it. */
const urlsOf = (arm: ArmName): string[] => (arm === 'cluster' ? nodes.map(wsUrl) : Array.from({ length: NODES }, () => wsUrl(embedded as Server)));
const nodePids = (arm: ArmName): number[] => (arm === 'cluster' ? nodes.map((n) => n.pid) : [(embedded as Server).pid]);
/** Everything that does the arm's work: its nodes and, for the cluster, Redis and the nodes' PostgreSQL backends. */
const workPids = (arm: ArmName) => () => (arm === 'cluster' ? [...nodePids(arm), redis.pid, ...pgBackends(nodePids(arm), PG_PORT)] : nodePids(arm));
const allPids = () => [...workPids('cluster')(), ...workPids('embedded')()];
/** Before each run: both arms' servers have worked off the last run (an overloaded cluster keeps committing its backlog). */
const settle = () => waitIdle(allPids);

function relayJob(arm: ArmName, load: RelayJob['load']): Job {
  const u = urlsOf(arm);
  // Citizen on node i, their lawyer on node i+1: every message crosses nodes.
  const urls = pairs.map((_, i): [string, string] => [u[i % NODES] as string, u[(i + 1) % NODES] as string]);
  return { kind: 'relay', arm: 'lawline', url: u[0] as string, pairs, urls, bodyBytes: size.bodyBytes, durationMs: size.durationMs, load };
}

async function relay(bench: string, arm: ArmName, round: number, label: string, load: RelayJob['load']): Promise<void> {
  const counting = arm === 'cluster';
  // Redis counters read as the load starts and as it stops (the embedded arm uses no Redis).
  let before: Record<string, number> = {};
  let redisCalls: Record<string, number> = {};
  // Disk writes of the whole machine over the window: the embedded arm's fsyncs share the disk
  // with PostgreSQL, which may still be writing out the cluster's last run.
  let disk = 0;
  const atStart = async () => {
    disk = diskWrittenBytes();
    if (counting) before = await redis.commandCalls();
  };
  const atEnd = async () => {
    disk = diskWrittenBytes() - disk;
    if (counting) redisCalls = callsBetween(before, await redis.commandCalls());
  };
  const settledMs = await settle();
  // Both arms are measured: the idle arm's CPU during the run is interference on the shared core.
  const m = await runDriver(relayJob(arm, load), allPids, atStart, atEnd);
  const sum = (pids: readonly number[]) => pids.reduce((n, pid) => n + (m.cpuUsByPid[pid] ?? 0), 0);
  const nodesUs = sum(nodePids(arm));
  const redisUs = counting ? sum([redis.pid]) : 0;
  const ownUs = sum(Object.keys(m.cpuUsByPid).map(Number).filter((pid) => (counting ? pid !== embedded?.pid : pid === embedded?.pid)));
  const per = (us: number) => us / Math.max(1, m.result.messages);
  relaySamples.push({
    ...toSample(bench, label, round, m),
    bench,
    settledMs,
    // The headline CPU figure: the node processes only; Redis and PostgreSQL beside it.
    serverCpuUsPerMsg: per(nodesUs),
    cpu: { nodesUsPerMsg: per(nodesUs), redisUsPerMsg: per(redisUs), pgUsPerMsg: per(ownUs - nodesUs - redisUs), otherArmShare: (m.serverCpuUs - ownUs) / (m.result.elapsedMs * 1000) },
    redisCalls,
    diskWriteMBps: disk / 1e6 / (m.result.elapsedMs / 1000),
  });
}

async function presence(arm: ArmName, round: number): Promise<void> {
  const u = urlsOf(arm);
  // Switch on node i, second device on node i+1, watcher on node i+2.
  const job: Job = {
    kind: 'presence',
    lawyers: dutyLawyers.map((token, i) => ({ id: `B4P${i}`, token, dutyUrl: u[i % NODES] as string, deviceUrl: u[(i + 1) % NODES] as string, watcherToken: watchers[i] as string, watcherUrl: u[(i + 2) % NODES] as string })),
    category: 'general',
    cycles: size.presenceCycles,
    timeLimitMs: 30_000,
  };
  await settle();
  const m = await runDriver(job, workPids(arm));
  if (!m.result.presence) throw new Error('presence job returned no presence result');
  presenceSamples.push({ arm, round, changes: m.result.messages, presence: m.result.presence });
}

const started = Date.now();
// Other work on this shared machine shows here first: read it beside the A/A noise.
const loadavg = { start: osLoadavg()[0] as number, end: NaN };
try {
  const clusterEnv = lawlineEnv(clusterDir, { REDIS_URL: redis.url, LAWLINE_REDIS_PREFIX: `lawline-b4-${runId}`, DATABASE_URL, LAWLINE_DATABASE_SCHEMA: schema });
  // The first node creates and migrates the schema; the others start once it has.
  nodes.push(await startServer('server/main.ts', clusterEnv));
  await Promise.all(Array.from({ length: NODES - 1 }, async () => nodes.push(await startServer('server/main.ts', clusterEnv))));
  embedded = await startServer('server/main.ts', lawlineEnv(embeddedDir));

  const arms = ['cluster', 'embedded'] as const;
  const closed = { mode: 'closed' as const, window: size.window };
  await alternateRounds(size.rounds, arms, (arm, round, again) => relay('closed', arm, round, again ? `${arm}-again` : arm, closed));
  for (const perSec of size.rates) {
    await alternateRounds(size.rounds, arms, (arm, round, again) => (again ? Promise.resolve() : relay(`rate ${perSec}`, arm, round, arm, { mode: 'rate', perSec })));
  }
  await alternateRounds(size.rounds, arms, (arm, round, again) => (again ? Promise.resolve() : presence(arm, round)));
} finally {
  await Promise.all([...nodes, ...(embedded ? [embedded] : [])].map((s) => s.stop()));
  await redis.stop();
  await dropSchema(DATABASE_URL, schema);
  rmSync(clusterDir, { recursive: true, force: true });
  rmSync(embeddedDir, { recursive: true, force: true });
}

const summary = summarizeCluster(relaySamples, presenceSamples, size.rates);
loadavg.end = osLoadavg()[0] as number;
printCluster(summary, { ...size, nodes: NODES, serverCore: SERVER_CORE, seconds: (Date.now() - started) / 1000, loadavg });
const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT }).toString().trim();
mkdirSync(join(ROOT, 'loadtest/results'), { recursive: true });
const file = join(ROOT, 'loadtest/results', `cluster-${smoke ? 'smoke-' : ''}${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
const placement = { serverCore: SERVER_CORE, driverCore: 1, note: 'all nodes of both arms and Redis pinned to core 0; PostgreSQL (the machine-wide server) not pinned' };
// Other work in the tree at the time (the servers ran from the working tree, not from `commit`).
const uncommitted = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT }).toString().split('\n').filter(Boolean);
writeFileSync(file, JSON.stringify({ machine: { ...machine(), loadavg }, commit, uncommitted, smoke, size, placement, summary, samples: relaySamples, presence: presenceSamples }, null, 2));
console.log(`\nwrote ${file}`);
