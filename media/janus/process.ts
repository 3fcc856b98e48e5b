import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** Lines of Janus's own output kept for the message when a start fails. */
const TAIL_LINES = 40;

/**
 * One running `janus`, started on a prepared runtime dir. Its output is kept (the last lines)
 * to say why it failed; `exited` settles once, however it ended.
 */
export class JanusProcess {
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly tail: string[] = [];
  private readonly child: ChildProcess;

  constructor(binary: string, folder: string) {
    this.child = spawn(binary, ['-C', join(folder, 'janus.jcfg'), '-F', folder, '--disable-colors'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line.trim()) this.tail.push(line);
      if (this.tail.length > TAIL_LINES) this.tail.splice(0, this.tail.length - TAIL_LINES);
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => {
      // 'error' alone (no such binary) never fires 'exit'.
      this.child.once('error', (e) => {
        this.tail.push(`spawn failed: ${e.message}`);
        resolve({ code: null, signal: null });
      });
      this.child.once('exit', (code, signal) => resolve({ code, signal }));
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  output(): string {
    return this.tail.join('\n');
  }

  /** SIGTERM, then SIGKILL if it has not gone within `graceMs` (a hung Janus ignores the first). */
  async stop(graceMs: number): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const killed = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(killed);
  }

  /** At once: for a Janus that stopped answering (it may be stopped, or spinning). */
  async kill(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
  }
}
