import { spawn, type SpawnOptions } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** One line per thing the test set-up does, so a CI log says what the machine lacked. */
export function say(line: string): void {
  process.stdout.write(`[test setup] ${line}\n`);
}

export const isRoot = (): boolean => process.getuid?.() === 0;

/** The executable `name` would run as, from `path` (PATH by default), or undefined. */
export function onPath(name: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not in this directory: look in the next
    }
  }
  return undefined;
}

/** Runs a command to its end; rejects with the tail of its output if it fails. */
export function run(cmd: string, args: string[], options: Pick<SpawnOptions, 'env' | 'cwd' | 'uid' | 'gid'> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const proc = spawn(cmd, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
    proc.once('error', (e) => reject(new Error(`${cmd} could not be run: ${e.message}`)));
    proc.once('exit', (code, signal) => {
      if (code === 0) return resolve(out);
      reject(new Error(`${cmd} ${args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${out.split('\n').slice(-30).join('\n')}`));
    });
  });
}
