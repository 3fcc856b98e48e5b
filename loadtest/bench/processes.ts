import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { NODE_FLAGS } from '../../server/runtime.ts';
import { cpuMicros } from './proc.ts';
import type { DriverResult, Job } from './jobs.ts';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Servers on core 0, drivers on core 1 (BENCHMARKS.md, rule 3). */
const pinned = (core: number, args: string[]) => ['taskset', ['-c', String(core), process.execPath, '--import', 'tsx', ...args]] as const;

export interface Server {
  proc: ChildProcess;
  pid: number;
  port: number;
  /** a lawline node's operations listener (/metrics); the baselines have none */
  opsPort?: number;
  stop(): Promise<void>;
}

/**
 * For looking into a result: BENCH_PROFILE_DIR=<dir> makes servers write V8 CPU profiles there
 * (open in Chrome DevTools); BENCH_SERVER_FLAGS adds Node flags (e.g. --trace-gc) and
 * BENCH_SERVER_LOG=<file> keeps what servers print.
 */
const profiling = [
  ...(process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : []),
  ...(process.env.BENCH_SERVER_FLAGS?.split(' ').filter(Boolean) ?? []),
];
const serverLog = process.env.BENCH_SERVER_LOG;

/** Every server arm runs with the Node flags `npm start` gives lawline, so arms differ only in the server. */
export function startServer(script: string, env: Record<string, string> = {}): Promise<Server> {
  const [cmd, args] = pinned(0, [...NODE_FLAGS, ...profiling, script]);
  const proc = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start:\n${out}`)), 30_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /LAWLINE_LISTENING port=(\d+)/.exec(out);
      if (!m) return;
      // lawline prints its operations port before LAWLINE_LISTENING (server/main.ts).
      const ops = /LAWLINE_OPS_LISTENING port=(\d+)/.exec(out);
      clearTimeout(timer);
      proc.stdout?.off('data', onData);
      if (serverLog) for (const stream of [proc.stdout, proc.stderr]) stream?.on('data', (d: Buffer) => appendFileSync(serverLog, d));
      proc.stdout?.resume();
      resolve({
        proc,
        pid: proc.pid as number,
        port: Number(m[1]),
        ...(ops ? { opsPort: Number(ops[1]) } : {}),
        stop: () => new Promise((r) => (proc.exitCode !== null ? r() : (proc.once('exit', () => r()), proc.kill('SIGTERM')))),
      });
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    proc.once('exit', (code) => reject(new Error(`${script} exited ${code}:\n${out}`)));
  });
}

/**
 * Runs a bench script to the end (the smoke tests use it) and returns its stdout and the
 * results file it says it wrote (`wrote <path>`), parsed; throws if it wrote none.
 */
export async function runBenchScript<T>(script: string, args: string[], timeoutMs: number): Promise<{ stdout: string; results: T }> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script, ...args], { cwd: ROOT, timeout: timeoutMs });
  const file = /wrote (\S+\.json)/.exec(stdout)?.[1];
  if (!file) throw new Error(`${script} wrote no results:\n${stdout}`);
  return { stdout, results: JSON.parse(readFileSync(file, 'utf8')) as T };
}

export interface Measured {
  result: DriverResult;
  /** CPU time of the measured processes, summed, spent between LOAD_START and LOAD_END */
  serverCpuUs: number;
  /** the same per process id (a process that appeared during the window counts from zero) */
  cpuUsByPid: Record<number, number>;
}

/** What to measure: a server, several, or a list read again at each end (processes may come and go). */
export type MeasuredPids = number | readonly number[] | (() => readonly number[]);

function cpuOf(pids: MeasuredPids): Map<number, number> {
  const list = typeof pids === 'function' ? pids() : typeof pids === 'number' ? [pids] : pids;
  const out = new Map<number, number>();
  for (const pid of list) {
    try {
      out.set(pid, cpuMicros(pid));
    } catch {
      // Gone between listing and reading: its time in the window is lost, and it is a small part.
    }
  }
  return out;
}

export interface DriverWatch {
  /** the driver is killed after this long (default 10 minutes: a bench run is seconds; the soak is an hour) */
  timeoutMs?: number;
  /** every line the driver prints, as it comes (the soak's per-minute ticks) */
  onLine?: (line: string) => void;
}

/**
 * Runs one driver job on core 1 and measures the servers' CPU over exactly the loaded window.
 * `atStart` runs when the load is in place (the idle job waits for it before letting go);
 * `atEnd` when the load stops, and the result waits for it.
 */
export function runDriver(job: Job, serverPids: MeasuredPids, atStart?: () => Promise<void>, atEnd?: () => Promise<void>, watch: DriverWatch = {}): Promise<Measured> {
  const dir = mkdtempSync(join(tmpdir(), 'lawline-bench-'));
  const file = join(dir, 'job.json');
  writeFileSync(file, JSON.stringify(job));
  const [cmd, args] = pinned(1, ['loadtest/bench/driver.ts', file]);
  const proc = spawn(cmd, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  let cpuAtStart = new Map<number, number>();
  let cpuAtEnd = new Map<number, number>();
  let ended: Promise<void> = Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (proc.kill('SIGKILL'), reject(new Error(`driver timed out:\n${out.slice(-2000)}`))), watch.timeoutMs ?? 10 * 60_000);
    proc.stdout.on('data', (d: Buffer) => {
      const before = out;
      out += d.toString();
      if (watch.onLine) for (const line of out.slice(out.lastIndexOf('\n', before.length - 1) + 1, out.lastIndexOf('\n') + 1).split('\n')) if (line) watch.onLine(line);
      if (!before.includes('LOAD_START') && out.includes('LOAD_START')) {
        cpuAtStart = cpuOf(serverPids);
        void Promise.resolve(atStart?.()).then(() => job.kind === 'idle' && proc.stdin.write('go\n'));
      }
      if (!before.includes('LOAD_END') && out.includes('LOAD_END')) {
        cpuAtEnd = cpuOf(serverPids);
        ended = Promise.resolve(atEnd?.());
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (code !== 0 || !line) return reject(new Error(`driver failed (${code}):\n${out.slice(-2000)}`));
      const cpuUsByPid = Object.fromEntries([...cpuAtEnd].map(([pid, us]) => [pid, us - (cpuAtStart.get(pid) ?? 0)]));
      const serverCpuUs = Object.values(cpuUsByPid).reduce((a, b) => a + b, 0);
      ended.then(() => resolve({ result: JSON.parse(line) as DriverResult, serverCpuUs, cpuUsByPid }), reject);
    });
  });
}

/**
 * A, B, A, B … for `rounds` rounds, a short pause between runs, then the last arm (the
 * baseline) once more right after itself (A/A) to gauge the machine's noise (BENCHMARKS.md).
 */
export async function alternateRounds<A extends string>(rounds: number, arms: readonly A[], run: (arm: A, round: number, again: boolean) => Promise<void>): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    for (const arm of arms) {
      await run(arm, round, false);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  await run(arms.at(-1) as A, rounds, true);
}

/**
 * Waits until `pids` together use less than `share` of a core over a quarter second (or gives
 * up after `limitMs`, saying so): a run must not start while the previous one's backlog is
 * still being worked off on the same core. Returns the milliseconds waited.
 */
export async function waitIdle(pids: () => readonly number[], share = 0.1, limitMs = 60_000): Promise<number> {
  const started = Date.now();
  for (;;) {
    const list = pids();
    const before = cpuOf(list);
    await new Promise((r) => setTimeout(r, 250));
    const after = cpuOf(list);
    const used = [...after].reduce((n, [pid, us]) => n + us - (before.get(pid) ?? us), 0);
    if (used < share * 250_000) return Date.now() - started;
    if (Date.now() - started > limitMs) {
      console.warn(`servers still busy after ${limitMs} ms (${(used / 2500).toFixed(0)}% of a core); going on`);
      return Date.now() - started;
    }
  }
}
