// npm run bench:routing [-- --smoke]: B5 (../shared/BENCHMARKS.md). Routing decision latency,
// request -> offer delivered to the lawyer's socket, with lawyers on duty over 13 categories
// and 100 regions at a fixed request rate; and the matcher's decisions per second against a
// plain linear scan over all lawyers, in alternating rounds. Writes loadtest/results/routing-*.json.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadOrCreateDevIdentity, mintToken } from '../../server/auth/dev-identity.ts';
import { Histogram } from './histogram.ts';
import type { RoutingJob } from './jobs.ts';
import { lawlineEnv, wsUrl } from './lawline.ts';
import { machine } from './proc.ts';
import { ROOT, runDriver, startServer } from './processes.ts';
import { prng, province } from './province.ts';

const { values } = parseArgs({ options: { smoke: { type: 'boolean', default: false }, rate: { type: 'string' }, runs: { type: 'string' } } });
const smoke = values.smoke ?? false;
const size = {
  ...(smoke
    ? { lawyers: 200, citizens: 100, perSec: 100, durationMs: 1500, runs: 1, matcherRounds: 1, decisions: 2000 }
    : { lawyers: 2000, citizens: 1000, perSec: 1000, durationMs: 8000, runs: 3, matcherRounds: 5, decisions: 20_000 }),
  // --rate N / --runs N: explore below or above the target load
  ...(values.rate ? { perSec: Number(values.rate) } : {}),
  ...(values.runs ? { runs: Number(values.runs) } : {}),
};

const world = province(size.lawyers);
const dataDir = mkdtempSync(join(tmpdir(), 'lawline-bench-routing-'));
const identity = await loadOrCreateDevIdentity(dataDir);
const lawyerTokens = await Promise.all(world.lawyers.map((l) => mintToken(identity, { sub: l.id, role: 'lawyer', name: l.id, categories: l.categories, region: l.region }, 3600)));
const random = prng(99);
const citizens: RoutingJob['citizens'] = await Promise.all(
  Array.from({ length: size.citizens }, async (_, i) => {
    // Ask for what someone in the citizen's own city serves: the decision, not widening, is measured.
    const [region, category] = world.served[Math.floor(random() * world.served.length)] as [string, string];
    const id = `BC${i}`;
    return { id, token: await mintToken(identity, { sub: id, role: 'citizen', name: id }, 3600), region, category };
  }),
);

const e2e: { run: number; offersPerSec: number; p50Us: number; p99Us: number; serverCpuUsPerRequest: number; skipped: number; latency: ReturnType<Histogram['toJSON']> }[] = [];
const merged = new Histogram();
for (let run = 0; run < size.runs; run++) {
  // Every run on the same data dir: the server trusts the identity the tokens were minted with.
  const server = await startServer('server/main.ts', lawlineEnv(dataDir));
  try {
    const m = await runDriver({ kind: 'routing', url: wsUrl(server), lawyerTokens, citizens, perSec: size.perSec, durationMs: size.durationMs }, server.pid);
    const h = Histogram.from(m.result.latency);
    merged.merge(m.result.latency);
    e2e.push({
      run,
      offersPerSec: (m.result.messages / m.result.elapsedMs) * 1000,
      p50Us: h.percentile(50),
      p99Us: h.percentile(99),
      serverCpuUsPerRequest: m.serverCpuUs / Math.max(1, m.result.messages),
      skipped: m.result.skipped ?? 0,
      latency: m.result.latency,
    });
  } finally {
    await server.stop();
  }
}

const matcherOut = execFileSync('taskset', ['-c', '0', process.execPath, '--import', 'tsx', 'loadtest/bench/matcher.ts', String(size.matcherRounds), String(size.decisions)], { cwd: ROOT }).toString();
const matcher = JSON.parse(matcherOut.trim().split('\n').at(-1) as string) as { lawyers: number; decisions: number; samples: { arm: string; round: number; decisionsPerSec: number }[] };
const of = (arm: string) => matcher.samples.filter((s) => s.arm === arm).sort((a, b) => a.round - b.round);
const ratios = of('indexed').map((s, i) => s.decisionsPerSec / (of('scan')[i]?.decisionsPerSec ?? NaN));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const lastScan = of('scan').at(-1)?.decisionsPerSec ?? NaN;
const noise = Math.abs((of('scan-again')[0]?.decisionsPerSec ?? NaN) - lastScan) / lastScan;

const summary = {
  latencyP50Ms: merged.percentile(50) / 1000,
  latencyP99Ms: merged.percentile(99) / 1000,
  offersPerSec: median(e2e.map((r) => r.offersPerSec)),
  serverCpuUsPerRequest: median(e2e.map((r) => r.serverCpuUsPerRequest)),
  skipped: e2e.reduce((n, r) => n + r.skipped, 0),
  matcher: { indexedPerSec: median(of('indexed').map((s) => s.decisionsPerSec)), scanPerSec: median(of('scan').map((s) => s.decisionsPerSec)), ratio: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios), noise },
};

console.log(`\nB5 routing (${size.lawyers} lawyers on duty, 13 categories, ${world.regions.length} regions, ${size.perSec} requests/s offered, ${size.runs} runs)`);
console.log(`  request -> offer at the lawyer's socket   p50 ${summary.latencyP50Ms.toFixed(2)} ms   p99 ${summary.latencyP99Ms.toFixed(2)} ms   (target p99 < 5 ms)`);
console.log(`  offers/s ${summary.offersPerSec.toFixed(0)}   server CPU ${summary.serverCpuUsPerRequest.toFixed(0)} µs per routed request (request, offer, accept, close)   requests skipped (citizen still waiting) ${summary.skipped}`);
console.log(`  matcher  indexed ${summary.matcher.indexedPerSec.toFixed(0)}/s   linear scan ${summary.matcher.scanPerSec.toFixed(0)}/s   ratio ${summary.matcher.ratio.toFixed(2)} (${summary.matcher.min.toFixed(2)}–${summary.matcher.max.toFixed(2)})   (target ≥ 10)   A/A ${(noise * 100).toFixed(1)}%`);

rmSync(dataDir, { recursive: true, force: true });
const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT }).toString().trim();
mkdirSync(join(ROOT, 'loadtest/results'), { recursive: true });
const file = join(ROOT, 'loadtest/results', `routing-${smoke ? 'smoke-' : ''}${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, JSON.stringify({ machine: machine(), commit, smoke, size, summary, e2e, matcher }, null, 2));
console.log(`\nwrote ${file}`);
