// npm run bench:store [-- --smoke] [-- --sizes 1000000,5000000] [-- --rounds 5] [-- --engines file,sqlite[,lmdb]]
//   [-- --root DIR (keeps the filled data dirs there: a later run with the same root grows them)] [-- --cold]
//   [-- --fill-window N (appends in flight while filling: more fill faster, in bigger commits)] [-- --rate N (the fixed rate, 5,000/s)]
// B8, store scale (../../../shared/BENCHMARKS.md): each engine's data dir is filled to each size
// through the engine itself, then in alternating rounds (file, sqlite[, lmdb], …, then file twice
// for A/A) a store process is started on it (spawn -> READY, RSS at READY), reads history pages
// of random old consultations (the first one timed alone), takes a closed loop of appends and
// then 5,000/s, and is killed (SIGKILL: a crash, every write acked before). The file store,
// through its real port, is the baseline: ratios are engine ÷ file store, per round.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { machine } from '../proc.ts';
import { ROOT } from '../processes.ts';
import { median } from '../report.ts';
import type { LoadResult, ReadsResult } from './child.ts';
import { ENGINES, type EngineName } from './engine.ts';
import { printTable, summarize, type Fill, type RoundSample } from './report.ts';
import { StoreProcess } from './store-process.ts';

const { values } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    sizes: { type: 'string' },
    rounds: { type: 'string' },
    // The product's SQLite store against the file store it replaced; the LMDB prototype on request.
    engines: { type: 'string', default: 'file,sqlite' },
    root: { type: 'string' },
    cold: { type: 'boolean', default: false },
    'fill-window': { type: 'string' },
    rate: { type: 'string' },
  },
});
const smoke = values.smoke ?? false;
const size = smoke
  ? { sizes: [5000], rounds: 1, durationMs: 500, rate: 500, reads: 10, window: 64, live: 100, fillWindow: 256, fillLive: 500 }
  : { sizes: [1_000_000, 5_000_000], rounds: 5, durationMs: 5000, rate: 5000, reads: 200, window: 256, live: 1000, fillWindow: 512, fillLive: 2000 };
if (values.sizes) size.sizes = values.sizes.split(',').map(Number);
if (values.rounds) size.rounds = Number(values.rounds);
if (values['fill-window']) size.fillWindow = Number(values['fill-window']);
if (values.rate) size.rate = Number(values.rate);
const engines = (values.engines ?? '').split(',') as EngineName[];
for (const e of engines) if (!ENGINES.includes(e)) throw new Error(`unknown engine ${e}`);
// The baseline first, so it is the one run twice for A/A.
engines.sort((a, b) => ENGINES.indexOf(a) - ENGINES.indexOf(b));
const baseline = engines[0] as EngineName;

const root = values.root ?? mkdtempSync(join(tmpdir(), 'lawline-b8-'));
const dataDir = (e: EngineName) => join(root, e, 'data');
const manifest = (e: EngineName) => join(root, e, 'ids.txt');
for (const e of engines) mkdirSync(dataDir(e), { recursive: true });
/** Every command of a store process is bounded: a 5 M file store took 97 s to open (issue 21). */
const LIMIT_MS = 15 * 60_000;

function bytesUnder(dir: string): number {
  let n = 0;
  for (const f of readdirSync(dir, { withFileTypes: true, recursive: true })) if (f.isFile()) n += statSync(join(f.parentPath, f.name)).size;
  return n;
}

/** Drops the data files from the page cache (fadvise DONTNEED through dd), so a restart reads the disk as after a reboot. */
function dropCache(dir: string): void {
  for (const f of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (f.isFile()) execFileSync('dd', [`if=${join(f.parentPath, f.name)}`, 'iflag=nocache', 'count=0', 'status=none']);
  }
}

const storedOf = (e: EngineName) => (existsSync(join(root, e, 'stored')) ? Number(readFileSync(join(root, e, 'stored'), 'utf8')) : 0);
const addStored = (e: EngineName, n: number) => writeFileSync(join(root, e, 'stored'), String(storedOf(e) + n));

/** Old consultations to read back: drawn at random from every one ever opened in this data dir. */
function oldIds(e: EngineName, n: number): string[] {
  const ids = readFileSync(manifest(e), 'utf8').split('\n').filter(Boolean);
  return Array.from({ length: n }, () => ids[Math.floor(Math.random() * ids.length)] as string);
}

const fills: Fill[] = [];
const samples: RoundSample[] = [];
const loadAt = () => loadavg().map((x) => Number(x.toFixed(2)));
const startedAt = { time: new Date().toISOString(), loadavg: loadAt() };

async function fill(e: EngineName, target: number): Promise<void> {
  if (storedOf(e) >= target) return;
  const { process: p } = await StoreProcess.start(e, dataDir(e), manifest(e), LIMIT_MS);
  try {
    // In steps well inside the command limit: a 5 M fill on a busy machine takes longer than it.
    while (storedOf(e) < target) {
      const r = await p.run<LoadResult>({ cmd: 'closed', window: size.fillWindow, live: size.fillLive, messages: target - storedOf(e), durationMs: 5 * 60_000 });
      if (r.counters.appended === 0) throw new Error(`${e}: a fill step stored nothing`);
      addStored(e, r.counters.appended);
      fills.push({ arm: e, toSize: target, messages: r.messages, msgsPerSec: (r.messages / r.elapsedMs) * 1000, cpuUsPerMsg: r.cpuUs / r.messages, errors: r.counters.errors });
      console.log(`filled ${e} to ${storedOf(e)} messages: ${((r.messages / r.elapsedMs) * 1000).toFixed(0)} msg/s, ${(r.cpuUs / r.messages).toFixed(1)} µs/msg`);
    }
  } finally {
    await p.exit();
  }
}

const startups: number[] = [];
/** Node and tsx starting the same process with no store: the floor under every ready time. */
async function startup(): Promise<void> {
  const { process: p, started } = await StoreProcess.start('none', root, manifest(baseline), LIMIT_MS);
  startups.push(started.readyMs);
  await p.kill();
}

async function round(e: EngineName, target: number, n: number, arm: string): Promise<void> {
  if (values.cold) dropCache(dataDir(e));
  const stored = storedOf(e);
  const { process: p, started } = await StoreProcess.start(e, dataDir(e), manifest(e), LIMIT_MS);
  try {
    const reads = await p.run<ReadsResult>({ cmd: 'reads', ids: oldIds(e, size.reads) });
    const closed = await p.run<LoadResult>({ cmd: 'closed', window: size.window, live: size.live, messages: Number.MAX_SAFE_INTEGER, durationMs: size.durationMs });
    const rate = await p.run<LoadResult>({ cmd: 'rate', perSec: size.rate, live: size.live, durationMs: size.durationMs });
    addStored(e, closed.counters.appended + rate.counters.appended);
    samples.push({ size: target, stored, arm, round: n, ...started, diskBytes: bytesUnder(dataDir(e)), reads, closed, rate, loadavg: loadAt() });
    console.log(`${stored} ${arm} round ${n}: ready ${started.readyMs.toFixed(0)} ms, RSS ${(started.rssBytes / 2 ** 20).toFixed(0)} MB, first read ${(reads.firstUs / 1000).toFixed(2)} ms, ${((closed.messages / closed.elapsedMs) * 1000).toFixed(0)} msg/s`);
  } finally {
    await p.kill();
  }
}

for (const target of size.sizes) {
  for (const e of engines) await fill(e, target);
  for (let n = 0; n < size.rounds; n++) {
    await startup();
    for (const e of engines) await round(e, target, n, e);
  }
  // A/A: the baseline right after itself, to show how noisy the machine is.
  await round(baseline, target, size.rounds, `${baseline}-again`);
}

const summary = summarize(samples, baseline);
printTable(summary, fills, { rate: size.rate, cold: values.cold ?? false, startupMs: median(startups) });
const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT }).toString().trim();
mkdirSync(join(ROOT, 'loadtest/results'), { recursive: true });
const file = join(ROOT, 'loadtest/results', `store-${smoke ? 'smoke-' : ''}${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
const finishedAt = { time: new Date().toISOString(), loadavg: loadAt() };
writeFileSync(file, JSON.stringify({ machine: machine(), commit, smoke, size, cold: values.cold ?? false, startedAt, finishedAt, summary, fills, startups, samples }, null, 2));
if (!values.root) rmSync(root, { recursive: true, force: true });
console.log(`\nwrote ${file}`);
