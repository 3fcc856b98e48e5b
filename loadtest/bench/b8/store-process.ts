import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { NODE_FLAGS } from '../../../server/runtime.ts';
import { ROOT } from '../processes.ts';
import type { Command } from './child.ts';
import type { EngineName } from './engine.ts';

export interface Started {
  /** spawn -> READY, wall clock, Node and tsx start-up included */
  readyMs: number;
  /** VmRSS at READY, and its anonymous part (heap, malloc: what is not file pages of a memory map) */
  rssBytes: number;
  rssAnonBytes: number;
}

const statusField = (pid: number, field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;

/**
 * A B8 store process (`child.ts`) on core 0 with the Node flags `npm start` uses; its commands'
 * results come back in order. Bounded: no command may take longer than `limitMs`.
 */
export class StoreProcess {
  private out = '';
  private waiters: ((line: string) => void)[] = [];
  private exited: Promise<number | null>;

  private constructor(
    readonly proc: ChildProcess,
    private readonly limitMs: number,
  ) {
    this.exited = new Promise((resolve) => proc.once('exit', (code) => resolve(code)));
    proc.stdout?.on('data', (d: Buffer) => {
      this.out += d.toString();
      let nl: number;
      while ((nl = this.out.indexOf('\n')) >= 0) {
        const line = this.out.slice(0, nl);
        this.out = this.out.slice(nl + 1);
        if (line.startsWith('READY') || line.startsWith('RESULT')) this.waiters.shift()?.(line);
      }
    });
  }

  static async start(engine: EngineName | 'none', dir: string, manifest: string, limitMs: number): Promise<{ process: StoreProcess; started: Started }> {
    const t0 = performance.now();
    const proc = spawn('taskset', ['-c', '0', process.execPath, ...NODE_FLAGS, '--import', 'tsx', 'loadtest/bench/b8/child.ts', engine, dir, manifest], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let err = '';
    proc.stderr?.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    const p = new StoreProcess(proc, limitMs);
    await p.next(`${engine} did not open ${dir}`, () => err);
    const started = { readyMs: performance.now() - t0, rssBytes: statusField(proc.pid as number, 'VmRSS'), rssAnonBytes: statusField(proc.pid as number, 'RssAnon') };
    return { process: p, started };
  }

  get pid(): number {
    return this.proc.pid as number;
  }

  async run<T>(command: Command): Promise<T> {
    this.proc.stdin?.write(`${JSON.stringify(command)}\n`);
    const line = await this.next(`${command.cmd} did not finish`, () => '');
    return JSON.parse(line.slice('RESULT '.length)) as T;
  }

  /** A crash: every write was acked (durable) before, so nothing may be lost. */
  async kill(): Promise<void> {
    this.proc.kill('SIGKILL');
    await this.exited;
  }

  async exit(): Promise<void> {
    this.proc.stdin?.write(`${JSON.stringify({ cmd: 'exit' })}\n`);
    await this.exited;
  }

  private next(what: string, detail: () => string): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => (this.proc.kill('SIGKILL'), reject(new Error(`${what} within ${this.limitMs} ms\n${detail()}`))), this.limitMs);
      void this.exited.then((code) => (clearTimeout(timer), reject(new Error(`store process exited (${code}): ${what}\n${detail()}`))));
      this.waiters.push((line) => (clearTimeout(timer), resolve(line)));
    });
  }
}
