// npm run loadtest -- <scenario> [--target ws://host:port/ws] [--environment smoke]
//   [--processes N] [--tokens FILE | --data-dir DIR] [--users N] [--from ADDR,ADDR…] [--out DIR]
//
// Builds the engine, gives each artillery process its own slice of tokens (and its own source
// address with --from), runs N of them at once with a progress line from the engine's raw
// record, then merges: histograms by adding buckets, counters by adding, the scenario's `ensure`
// checks evaluated on the merged figures. Writes <out>/<scenario>-<time>.json (everything, with
// each process's artillery JSON) and .html (the plots), and the raw record under
// <out>/<scenario>-<time>/. Exits 1 when a strict check fails or an artillery process did.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { defaultDataDir, loadOrCreateDevIdentity, mintToken } from '../../server/auth/dev-identity.ts';
import { renderHtml } from './html.ts';
import { bins, evaluateChecks, readRaw, summarize, total, type ArtilleryReport, type Summary, type Window } from './report.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const LOADTEST = path.resolve(HERE, '..');
const ARTILLERY = path.join(LOADTEST, 'node_modules', 'artillery');
const requireHere = createRequire(path.join(LOADTEST, 'package.json'));

export interface RunOptions {
  scenario: string;
  target: string;
  environment?: string;
  processes: number;
  tokens?: string;
  dataDir?: string;
  users: number;
  from: string[];
  out: string;
  /** progress lines to stderr (default when run from the command line) */
  progress: boolean;
}

export interface RunResult {
  exitCode: number;
  /** the run's folder: each process's artillery JSON and log, and raw/ */
  dir: string;
  json: string;
  html: string;
  checks: { original: string; strict: boolean; result: boolean }[];
  counters: Record<string, number>;
  summaries: Record<string, Summary>;
  processExitCodes: number[];
}

export function scenarioPath(name: string): string {
  if (existsSync(name)) return path.resolve(name);
  const p = path.join(HERE, 'scenarios', `${name}.yml`);
  if (!existsSync(p)) throw new Error(`no scenario ${name}: neither a file nor loadtest/artillery/scenarios/${name}.yml`);
  return p;
}

/**
 * The scenario's `ensure` (the environment's over the base) and the environment's phases, if it
 * has its own: artillery merges an environment's phases into the base's index by index (a
 * 1-phase smoke environment would keep the base's second phase), so they are passed as
 * overrides, which replace arrays.
 */
function scenarioConfig(file: string, environment: string | undefined): { ensure: unknown; phases: unknown } {
  const yaml = requireHere('js-yaml') as { safeLoad(s: string): { config?: Record<string, unknown> } };
  const config = yaml.safeLoad(readFileSync(file, 'utf8')).config ?? {};
  const envs = config.environments as Record<string, Record<string, unknown>> | undefined;
  if (environment && !envs?.[environment]) throw new Error(`${path.basename(file)} has no environment ${environment}`);
  const env = environment ? (envs?.[environment] ?? {}) : {};
  const merged = { ...config, ...env, plugins: { ...(config.plugins as object), ...(env.plugins as object) } } as Record<string, unknown>;
  return { ensure: merged.ensure ?? (merged.plugins as Record<string, unknown>).ensure, phases: env.phases };
}

/** citizenToken,lawyerToken rows: from a file, or minted with the development identity of a data dir (lawyers serve labor and family in 320200). */
async function tokenRows(o: RunOptions): Promise<string[]> {
  if (o.tokens) return readFileSync(o.tokens, 'utf8').trim().split('\n').slice(1);
  const identity = await loadOrCreateDevIdentity(o.dataDir ?? defaultDataDir());
  const run = Date.now().toString(36);
  const n = o.users * o.processes;
  return Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const c = await mintToken(identity, { sub: `LC${run}${i}`, role: 'citizen', name: `Citizen ${i}` }, 6 * 3600);
      const l = await mintToken(identity, { sub: `LL${run}${i}`, role: 'lawyer', name: `Lawyer ${i}`, categories: ['labor', 'family'], region: '320200' }, 6 * 3600);
      return `${c},${l}`;
    }),
  );
}

export async function runLoadTest(o: RunOptions): Promise<RunResult> {
  if (!existsSync(path.join(ARTILLERY, 'package.json'))) throw new Error('artillery is not installed: cd loadtest && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci');
  const scenario = scenarioPath(o.scenario);
  const name = path.basename(scenario).replace(/\.ya?ml$/, '');
  const { ensure, phases } = scenarioConfig(scenario, o.environment);
  (requireHere(path.join(HERE, 'engine', 'build.cjs')) as { buildEngine(): void }).buildEngine();

  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const base = path.join(o.out, `${name}-${stamp}`);
  const rawDir = path.join(base, 'raw');
  mkdirSync(rawDir, { recursive: true });
  const rows = await tokenRows(o);
  const tokenDir = path.join(os.tmpdir(), `lawline-loadtest-${process.pid}-${stamp}`);
  mkdirSync(tokenDir, { recursive: true, mode: 0o700 });

  const started = Date.now();
  const children = Array.from({ length: o.processes }, (_, i) => {
    // Each process its own rows: identities never shared between processes.
    const mine = rows.filter((_, r) => r % o.processes === i);
    const csv = path.join(tokenDir, `tokens-${i}.csv`);
    writeFileSync(csv, `citizenToken,lawyerToken\n${mine.join('\n')}\n`, { mode: 0o600 });
    const overrides = { config: { payload: [{ path: csv, fields: ['citizenToken', 'lawyerToken'], skipHeader: true, order: 'sequence' }], ...(phases ? { phases } : {}) } };
    const args = [path.join(ARTILLERY, 'bin', 'run'), 'run', '--output', path.join(base, `artillery-${i}.json`), '--target', o.target, '--overrides', JSON.stringify(overrides)];
    if (o.environment) args.push('--environment', o.environment);
    args.push(scenario);
    const env: Record<string, string | undefined> = {
      ...process.env,
      LAWLINE_LOADTEST_RAW: rawDir,
      ARTILLERY_DISABLE_TELEMETRY: 'true',
      LAWLINE_LOADTEST_LOCAL_ADDRESS: o.from.length ? o.from[i % o.from.length] : '',
      // One process's checks would judge a share of the run: the merged ones here decide.
      ...(o.processes > 1 ? { ARTILLERY_DISABLE_ENSURE: '1' } : {}),
    };
    const child = spawn(process.execPath, args, { cwd: LOADTEST, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout.on('data', (d: Buffer) => (log += d));
    child.stderr.on('data', (d: Buffer) => (log += d));
    const exited = new Promise<number>((resolve) =>
      child.on('exit', (code, signal) => {
        writeFileSync(path.join(base, `artillery-${i}.log`), log);
        resolve(code ?? (signal ? 128 : 1));
      }),
    );
    return { child, exited };
  });
  const stop = () => children.forEach((c) => c.child.kill('SIGINT'));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  const offsets = new Map<string, number>();
  const live = new Map<number, Window>();
  const progress = setInterval(() => {
    for (const [t, w] of readRaw(rawDir, offsets)) {
      const had = live.get(t);
      live.set(t, had ? { ...total([had, w]), t } : w);
    }
    if (o.progress) process.stderr.write(progressLine(live, started, o.processes));
  }, 2000);
  const codes = await Promise.all(children.map((c) => c.exited));
  clearInterval(progress);
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  rmSync(tokenDir, { recursive: true, force: true });
  if (o.progress) process.stderr.write('\n');

  const windows = readRaw(rawDir);
  const merged = total(windows.values());
  const artillery: ArtilleryReport[] = codes.map((_, i) => {
    try {
      return JSON.parse(readFileSync(path.join(base, `artillery-${i}.json`), 'utf8')) as ArtilleryReport;
    } catch {
      return {};
    }
  });
  const checks = await evaluateChecks(ensure, artillery, merged, ARTILLERY);
  const counters: Record<string, number> = {};
  for (const r of artillery) for (const [k, n] of Object.entries(r.aggregate?.counters ?? {})) counters[k] = (counters[k] ?? 0) + n;
  const summaries = Object.fromEntries([...merged.h].map(([k, h]) => [k, summarize(h)]));
  const failed = checks.some((c) => c.strict && !c.result) || codes.some((c) => c !== 0);
  const plot = bins(windows);
  const subtitle = `${name}${o.environment ? ` (${o.environment})` : ''} against ${o.target}: ${o.processes} artillery process(es), ${new Date(started).toISOString()}, ${((Date.now() - started) / 1000).toFixed(0)} s; artillery exit codes ${codes.join(', ')}; ${os.cpus().length} CPUs, Node ${process.version}`;
  const notes = codes.flatMap((c, i) => (c === 0 ? [] : [`artillery process ${i} exited ${c}: see ${path.join(base, `artillery-${i}.log`)}`]));
  const html = `${base}.html`;
  writeFileSync(html, renderHtml({ title: `lawline load test: ${name}`, subtitle, checks, bins: plot.bins, width: plot.width, start: plot.start, summaries, counters, notes }));
  const json = `${base}.json`;
  writeFileSync(
    json,
    JSON.stringify(
      {
        scenario: name,
        environment: o.environment,
        target: o.target,
        processes: o.processes,
        startedAt: new Date(started).toISOString(),
        machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memoryBytes: os.totalmem(), node: process.version, loadavg: os.loadavg() },
        exitCodes: codes,
        checks,
        counters,
        summaries,
        histograms: Object.fromEntries([...merged.h].map(([k, h]) => [k, h.toJSON()])),
        windows: [...windows.values()].sort((a, b) => a.t - b.t).map((w) => ({ t: w.t, c: Object.fromEntries(w.c), g: Object.fromEntries(w.g), h: Object.fromEntries([...w.h].map(([k, h]) => [k, h.toJSON()])) })),
        artillery,
      },
      null,
      1,
    ),
  );
  return { exitCode: failed ? 1 : 0, dir: base, json, html, checks, counters, summaries, processExitCodes: codes };
}

function progressLine(windows: Map<number, Window>, started: number, processes: number): string {
  const all = [...windows.values()];
  const sum = total(all);
  const lastT = Math.max(0, ...windows.keys());
  const recent = total(all.filter((w) => w.t > lastT - 5));
  const g = (k: string) => windows.get(lastT)?.g.get(k) ?? 0;
  const p99 = (k: string) => {
    const h = recent.h.get(k);
    return h ? `${(h.percentile(99) / 1000).toFixed(1)}ms` : '-';
  };
  const errors = [...sum.c].filter(([k]) => k.startsWith('errors.')).reduce((n, [, v]) => n + v, 0);
  const c = (k: string) => sum.c.get(k) ?? 0;
  const line =
    `[${Math.round((Date.now() - started) / 1000)}s ×${processes}] users ${g('users')} conn ${g('connections')} | done ${c('vusers.completed')} failed ${c('vusers.failed')}` +
    ` | msgs ${c('lawline.messages_acked')}/${c('lawline.messages_sent')} acked, p99 last 5 s: ack ${p99('lawline.ack_ms')} offer ${p99('lawline.time_to_offer_ms')}` +
    ` | lost ${c('lawline.messages_lost')} errors ${errors}`;
  return process.stderr.isTTY ? `\r${line.padEnd(160)}` : `${line}\n`;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      target: { type: 'string', default: 'ws://127.0.0.1:8080/ws' },
      environment: { type: 'string', short: 'e' },
      processes: { type: 'string', default: '1' },
      tokens: { type: 'string' },
      'data-dir': { type: 'string' },
      users: { type: 'string', default: '2000' },
      from: { type: 'string' },
      out: { type: 'string', default: path.join(LOADTEST, 'results') },
    },
  });
  const scenario = positionals[0];
  const processes = Number(values.processes);
  const users = Number(values.users);
  if (!scenario || !Number.isInteger(processes) || processes < 1 || !Number.isInteger(users) || users < 1) {
    process.stderr.write('usage: npm run loadtest -- <scenario> [--target ws://host:port/ws] [--environment smoke] [--processes N] [--tokens FILE | --data-dir DIR] [--users N] [--from ADDR,…] [--out DIR]\n');
    process.exit(2);
  }
  const r = await runLoadTest({
    scenario,
    target: values.target as string,
    environment: values.environment,
    processes,
    tokens: values.tokens,
    dataDir: values['data-dir'],
    users,
    from: values.from ? values.from.split(',') : [],
    out: path.resolve(values.out as string),
    progress: true,
  });
  for (const c of r.checks) process.stdout.write(`${c.result ? 'ok' : c.strict ? 'FAIL' : 'fail (optional)'}: ${c.original}\n`);
  const show = ['lawline.ack_ms', 'lawline.time_to_offer_ms', 'lawline.time_to_lawyer_message_ms', 'lawline.resume_ms', 'lawline.connect_ms'];
  for (const k of show) {
    const s = r.summaries[k];
    if (s) process.stdout.write(`${k}: n=${s.count} p50 ${s.p50} p95 ${s.p95} p99 ${s.p99} max ${s.max} ms\n`);
  }
  process.stdout.write(`messages acked ${r.counters['lawline.messages_acked'] ?? 0}, verified ${r.counters['lawline.messages_verified'] ?? 0}, lost ${r.counters['lawline.messages_lost'] ?? 0}\n`);
  process.stdout.write(`report: ${r.html}\nraw JSON: ${r.json}\n`);
  process.exit(r.exitCode);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
