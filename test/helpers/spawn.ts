import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface SpawnedServer {
  proc: ChildProcess;
  port: number;
  /** The internal listener: /metrics and the operations API. */
  opsPort: number;
  output: () => string;
  exited: Promise<number | null>;
}

/**
 * Runs `server/main.ts` as its own process, as `npm start` does, and waits for its ports (both
 * free ones unless `env` names them).
 * `wrap` is a command that execs the server, e.g. `ip netns exec <ns>` to run it in a network namespace.
 */
export function spawnServer(env: Record<string, string>, timeoutMs = 20_000, wrap: readonly string[] = []): Promise<SpawnedServer> {
  const argv = [...wrap, process.execPath, '--import', 'tsx', 'server/main.ts'];
  const proc = spawn(argv[0] as string, argv.slice(1), {
    cwd: ROOT,
    // The embedded default unless a test names a Redis or PostgreSQL: a REDIS_URL or
    // DATABASE_URL in the environment is the test run's (test/setup), not this node's.
    env: { ...process.env, REDIS_URL: '', DATABASE_URL: '', LAWLINE_LOG_LEVEL: 'warn', LAWLINE_OPS_PORT: '0', LAWLINE_MEDIA: 'off', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in time:\n${out}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /^LAWLINE_LISTENING port=(\d+)$/m.exec(out);
      const ops = /^LAWLINE_OPS_LISTENING port=(\d+)$/m.exec(out);
      if (m && ops) {
        clearTimeout(timer);
        resolve({ proc, port: Number(m[1]), opsPort: Number(ops[1]), output: () => out, exited });
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${out}`));
    });
  });
}

/** Runs the server expecting it to refuse to start; resolves with its exit code and output. */
export function runToExit(env: Record<string, string>, timeoutMs = 20_000): Promise<{ code: number | null; output: string }> {
  return spawnServer(env, timeoutMs).then(
    (s) => {
      s.proc.kill('SIGKILL');
      throw new Error(`server started on ${s.port} but should have refused`);
    },
    async (e: unknown) => {
      const text = String(e instanceof Error ? e.message : e);
      const code = /exited with (\d+|null)/.exec(text)?.[1];
      return { code: code === undefined || code === 'null' ? null : Number(code), output: text };
    },
  );
}
