import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

/** A port nobody listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/**
 * A `redis-server` of a test's own, which it may kill and start again on the same port:
 * nothing on disk, so a restart comes back empty, as a cache node that lost its memory does.
 */
export class OwnRedis {
  private proc: ChildProcess | undefined;

  private constructor(readonly port: number) {}

  static async start(): Promise<OwnRedis> {
    const r = new OwnRedis(await freePort());
    await r.up();
    return r;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async up(): Promise<void> {
    this.proc = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const probe = new Redis(this.url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    probe.on('error', () => undefined);
    const until = Date.now() + 5000;
    for (;;) {
      try {
        await probe.connect();
        await probe.ping();
        probe.disconnect();
        return;
      } catch (e) {
        if (Date.now() > until) throw new Error(`redis-server on ${this.port} did not come up: ${String(e)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  /**
   * SIGSTOP: the process stops answering while its connections stay open (the kernel still
   * accepts and buffers), as a hung Redis or a full network buffer looks to its clients.
   */
  stop(): void {
    this.signal('SIGSTOP');
  }

  /** SIGCONT: answers again, starting with everything sent while it was stopped. */
  continue(): void {
    this.signal('SIGCONT');
  }

  private signal(signal: NodeJS.Signals): void {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) throw new Error(`redis-server on ${this.port} is not running`);
    proc.kill(signal);
  }

  /** kill -9 (of a stopped process too): no goodbye to its clients. */
  async kill(): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGKILL');
    await exited;
  }
}
