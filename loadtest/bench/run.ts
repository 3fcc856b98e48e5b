// npm run bench [-- --smoke] [-- --only b1,b2,b3]: B1 session echo, B2 durable chat relay and
// B3 idle-session density, each against a bare uWebSockets.js baseline measured in the same
// run, in alternating rounds (../shared/BENCHMARKS.md). Prints a table and writes
// loadtest/results/bench-<time>.json.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadOrCreateDevIdentity, mintToken, type DevClaims } from '../../server/auth/dev-identity.ts';
import { Histogram } from './histogram.ts';
import type { Arm, Job } from './jobs.ts';
import { machine, rssBytes } from './proc.ts';
import { ROOT, runDriver, startServer, type Measured, type Server } from './processes.ts';
import { printTable, summarize, type Sample } from './report.ts';

const { values } = parseArgs({ options: { smoke: { type: 'boolean', default: false }, only: { type: 'string', default: 'b1,b2,b3' } } });
const smoke = values.smoke ?? false;
const only = new Set((values.only ?? '').split(','));
const size = smoke
  ? { rounds: 1, durationMs: 1000, echoConnections: 20, pairs: 10, rate: 500, idle: 300 }
  : { rounds: 5, durationMs: 4000, echoConnections: 100, pairs: 100, rate: 5000, idle: 10_000 };

/** Tokens signed by the development identity of `dir`, the one a server started on `dir` trusts. */
async function tokensFor(dir: string, n: number, prefix: string, role: 'citizen' | 'lawyer'): Promise<string[]> {
  const identity = await loadOrCreateDevIdentity(dir);
  const claims = (sub: string): DevClaims => ({ sub, role, name: sub, ...(role === 'lawyer' ? { categories: ['labor'] } : {}) });
  return Promise.all(Array.from({ length: n }, (_, i) => mintToken(identity, claims(`${prefix}${i}`), 3600)));
}

const dataDir = mkdtempSync(join(tmpdir(), 'lawline-bench-data-'));
const tokens = (n: number, prefix: string, role: 'citizen' | 'lawyer') => tokensFor(dataDir, n, prefix, role);

const lawlineEnv = (dir: string) => ({
  LAWLINE_PORT: '0',
  LAWLINE_DATA_DIR: dir,
  LAWLINE_LOG_LEVEL: 'warn',
  LAWLINE_RATE_PER_SEC: '100000',
  LAWLINE_RATE_BURST: '100000',
  LAWLINE_HEARTBEAT_MS: '300000',
  LAWLINE_SESSION_BUFFER: '100000',
});
const startLawline = () => startServer('server/main.ts', lawlineEnv(dataDir));
const url = (s: Server) => `ws://127.0.0.1:${s.port}/ws`;
const bareUrl = (s: Server) => `ws://127.0.0.1:${s.port}/`;

const samples: Sample[] = [];
const record = (bench: string, arm: string, round: number, m: Measured, extra: Record<string, number> = {}) => {
  const latency = Histogram.from(m.result.latency);
  const ack = m.result.ack ? Histogram.from(m.result.ack) : undefined;
  samples.push({
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
  });
};

/** A, B, A, B ... then one more A right after an A (A/A) to gauge the machine's noise. */
async function alternate(bench: string, arms: Record<Arm, () => Promise<Measured>>): Promise<void> {
  for (let round = 0; round < size.rounds; round++) {
    for (const arm of ['lawline', 'bare'] as const) {
      record(bench, arm, round, await arms[arm]());
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  record(bench, 'bare-again', size.rounds, await arms.bare());
}

const lawline = await startLawline();
try {
  if (only.has('b1')) {
    const echoServer = await startServer('loadtest/bench/servers/bare-echo.ts');
    const echoTokens = await tokens(size.echoConnections, 'E', 'citizen');
    const job = (arm: Arm, target: string): Job => ({ kind: 'echo', arm, url: target, tokens: echoTokens, connections: size.echoConnections, window: 4, durationMs: size.durationMs });
    await alternate('B1 echo', {
      lawline: () => runDriver(job('lawline', url(lawline)), lawline.pid),
      bare: () => runDriver(job('bare', bareUrl(echoServer)), echoServer.pid),
    });
    await echoServer.stop();
  }

  if (only.has('b2')) {
    const relayServer = await startServer('loadtest/bench/servers/bare-relay.ts');
    const citizens = await tokens(size.pairs, 'RC', 'citizen');
    const lawyers = await tokens(size.pairs, 'RL', 'lawyer');
    const pairs = citizens.map((c, i): [string, string] => [c, lawyers[i] as string]);
    const job = (arm: Arm, target: string, load: Extract<Job, { kind: 'relay' }>['load']): Job => ({ kind: 'relay', arm, url: target, pairs, bodyBytes: 120, durationMs: size.durationMs, load });
    const closed = { mode: 'closed' as const, window: 4 };
    const rate = { mode: 'rate' as const, perSec: size.rate };
    await alternate('B2 relay max', {
      lawline: () => runDriver(job('lawline', url(lawline), closed), lawline.pid),
      bare: () => runDriver(job('bare', bareUrl(relayServer), closed), relayServer.pid),
    });
    await alternate(`B2 relay at ${size.rate}/s`, {
      lawline: () => runDriver(job('lawline', url(lawline), rate), lawline.pid),
      bare: () => runDriver(job('bare', bareUrl(relayServer), rate), relayServer.pid),
    });
    await relayServer.stop();
  }
} finally {
  await lawline.stop();
}

if (only.has('b3')) {
  // Fresh servers: RSS with no connections, then with N idle ones held open.
  for (let round = 0; round < (smoke ? 1 : 2); round++) {
    for (const arm of ['lawline', 'bare'] as const) {
      const dir = mkdtempSync(join(tmpdir(), 'lawline-bench-idle-'));
      const idleTokens = arm === 'lawline' ? await tokensFor(dir, Math.min(size.idle, 2000), 'I', 'citizen') : [];
      const server = arm === 'lawline' ? await startServer('server/main.ts', lawlineEnv(dir)) : await startServer('loadtest/bench/servers/bare-relay.ts');
      await new Promise((r) => setTimeout(r, 1000));
      const before = rssBytes(server.pid);
      let after = 0;
      const m = await runDriver(
        { kind: 'idle', arm, url: arm === 'lawline' ? url(server) : bareUrl(server), tokens: idleTokens, count: size.idle, batch: 200 },
        server.pid,
        async () => {
          await new Promise((r) => setTimeout(r, 1500));
          after = rssBytes(server.pid);
        },
      );
      record('B3 idle density', arm, round, m, { rssBeforeBytes: before, rssAfterBytes: after, bytesPerSession: (after - before) / size.idle });
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

rmSync(dataDir, { recursive: true, force: true });
const summary = summarize(samples);
printTable(summary, samples);
const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT }).toString().trim();
mkdirSync(join(ROOT, 'loadtest/results'), { recursive: true });
const file = join(ROOT, 'loadtest/results', `bench-${smoke ? 'smoke-' : ''}${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, JSON.stringify({ machine: machine(), commit, smoke, size, summary, samples }, null, 2));
console.log(`\nwrote ${file}`);
