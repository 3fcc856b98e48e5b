// npm run bench [-- --smoke] [-- --only b1,b2,b3]: B1 session echo, B2 durable chat relay and
// B3 idle-session density, each against a bare uWebSockets.js baseline measured in the same
// run (B2 also against a minimal Socket.IO 4 relay), in alternating rounds (../shared/BENCHMARKS.md). Prints a table and writes
// loadtest/results/bench-<time>.json.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Arm, Job } from './jobs.ts';
import { lawlineEnv, tokensFor, wsUrl as url } from './lawline.ts';
import { machine, rssBytes } from './proc.ts';
import { alternateRounds, ROOT, runDriver, startServer, type Measured, type Server } from './processes.ts';
import { watchLoop } from './loop-budget.ts';
import { printTable, summarize, toSample, type Sample } from './report.ts';

const { values } = parseArgs({ options: { smoke: { type: 'boolean', default: false }, only: { type: 'string', default: 'b1,b2,b3' } } });
const smoke = values.smoke ?? false;
const only = new Set((values.only ?? '').split(','));
const size = smoke
  ? // 2,000 idle sessions even at smoke size: with 300 (about 1.5 MB), a settling heap alone made RSS per session negative.
    { rounds: 1, durationMs: 1000, echoConnections: 20, pairs: 10, rate: 500, idle: 2000 }
  : { rounds: 5, durationMs: 4000, echoConnections: 100, pairs: 100, rate: 5000, idle: 10_000 };

const dataDir = mkdtempSync(join(tmpdir(), 'lawline-bench-data-'));
const tokens = (n: number, prefix: string, role: 'citizen' | 'lawyer') => tokensFor(dataDir, n, prefix, role);
const startLawline = () => startServer('server/main.ts', lawlineEnv(dataDir));
const bareUrl = (s: Server) => `ws://127.0.0.1:${s.port}/`;

const samples: Sample[] = [];
const record = (bench: string, arm: string, round: number, m: Measured, extra: Record<string, number> = {}) => void samples.push(toSample(bench, arm, round, m, extra));

/** A driver run against the lawline node, with its event-loop budget over the loaded window beside the figures. */
const watched = async (job: Job, server: Server): Promise<Measured & { extra: Record<string, number> }> => {
  const loop = watchLoop(server.opsPort as number);
  const m = await runDriver(job, server.pid, loop.atStart, loop.atEnd);
  return { ...m, extra: loop.figures() as Record<string, number> };
};

type Run = () => Promise<Measured & { extra?: Record<string, number> }>;
/** The bare arm goes last: it is the one run twice in a row for the A/A noise figure. */
const alternate = (bench: string, arms: { lawline: Run; bare: Run; socketio?: Run }) => {
  const order = (['lawline', 'socketio', 'bare'] as const).filter((arm) => arms[arm]);
  return alternateRounds(size.rounds, order, async (arm, round, again) => {
    const m = await (arms[arm] as Run)();
    record(bench, again ? `${arm}-again` : arm, round, m, m.extra);
  });
};

const lawline = await startLawline();
try {
  if (only.has('b1')) {
    const echoServer = await startServer('loadtest/bench/servers/bare-echo.ts');
    const echoTokens = await tokens(size.echoConnections, 'E', 'citizen');
    const job = (arm: Arm, target: string): Job => ({ kind: 'echo', arm, url: target, tokens: echoTokens, connections: size.echoConnections, window: 4, durationMs: size.durationMs });
    await alternate('B1 echo', {
      lawline: () => watched(job('lawline', url(lawline)), lawline),
      bare: () => runDriver(job('bare', bareUrl(echoServer)), echoServer.pid),
    });
    await echoServer.stop();
  }

  if (only.has('b2')) {
    const relayServer = await startServer('loadtest/bench/servers/bare-relay.ts');
    const socketioServer = await startServer('loadtest/bench/servers/socketio-relay.ts');
    const socketioUrl = `http://127.0.0.1:${socketioServer.port}`;
    const citizens = await tokens(size.pairs, 'RC', 'citizen');
    const lawyers = await tokens(size.pairs, 'RL', 'lawyer');
    const pairs = citizens.map((c, i): [string, string] => [c, lawyers[i] as string]);
    const job = (arm: Arm, target: string, load: Extract<Job, { kind: 'relay' }>['load']): Job => ({ kind: 'relay', arm, url: target, pairs, bodyBytes: 120, durationMs: size.durationMs, load });
    const closed = { mode: 'closed' as const, window: 4 };
    const rate = { mode: 'rate' as const, perSec: size.rate };
    await alternate('B2 relay max', {
      lawline: () => watched(job('lawline', url(lawline), closed), lawline),
      socketio: () => runDriver(job('socketio', socketioUrl, closed), socketioServer.pid),
      bare: () => runDriver(job('bare', bareUrl(relayServer), closed), relayServer.pid),
    });
    await alternate(`B2 relay at ${size.rate}/s`, {
      lawline: () => watched(job('lawline', url(lawline), rate), lawline),
      socketio: () => runDriver(job('socketio', socketioUrl, rate), socketioServer.pid),
      bare: () => runDriver(job('bare', bareUrl(relayServer), rate), relayServer.pid),
    });
    await relayServer.stop();
    await socketioServer.stop();
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
