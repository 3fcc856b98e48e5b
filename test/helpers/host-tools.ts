import { spawnSync } from 'node:child_process';

/** Whether `bin` is on PATH (as root, /usr/sbin is on it). */
export function hasCommand(bin: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Installs the Debian packages of the commands a test needs when they are missing, as the test
 * set-up does for its other tools: root only, saying what it does. Throws with apt's output when
 * that fails, so a machine that should run the test fails it rather than skipping it.
 */
export function ensureCommands(packageOf: Record<string, string>): void {
  const missing = Object.entries(packageOf).filter(([bin]) => !hasCommand(bin));
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map(([, pkg]) => pkg))];
  if (process.getuid?.() !== 0) throw new Error(`missing ${missing.map(([bin]) => bin).join(', ')}: install Debian's ${packages.join(' ')} (needs root)`);
  process.stderr.write(`test set-up: installing ${packages.join(' ')} with apt-get (for ${missing.map(([bin]) => bin).join(', ')})\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update', '-qq'], { env, encoding: 'utf8' });
  const install = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], { env, encoding: 'utf8' });
  if (install.status !== 0) throw new Error(`apt-get install ${packages.join(' ')} failed:\n${update.stderr}${install.stdout}${install.stderr}`);
}
