import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { isRoot, run, say } from './system.ts';

/** Debian packages whose install sets up a service of the same name that starts at boot. */
const SERVICES: ReadonlySet<string> = new Set(['redis-server', 'postgresql', 'janus', 'coturn']);
/** invoke-rc.d(8) asks this script whether a package may start its service; 101 means no. */
const POLICY = '/usr/sbin/policy-rc.d';

/**
 * Installs what the tests lack from Debian's packages, as root; anyone else is told the command.
 * The tests start Redis and PostgreSQL of their own on free ports, so the services these
 * packages bring are kept from starting during the install and disabled at boot afterwards:
 * the machine is left with the programs, not with a database server running on 5432 or 6379.
 */
export async function installDebianPackages(packages: readonly string[], root = isRoot()): Promise<void> {
  if (packages.length === 0) return;
  const install = `apt-get install -y ${packages.join(' ')}`;
  if (!root) {
    throw new Error(`the tests need Debian's ${packages.join(', ')}, which only root may install: run \`sudo apt-get update && sudo ${install}\` (or npm test as root)`);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const ownPolicy = !existsSync(POLICY);
  if (ownPolicy) {
    writeFileSync(POLICY, '#!/bin/sh\n# lawline test set-up, for the length of one apt-get install: start no service\nexit 101\n', { mode: 0o755 });
    say(`wrote ${POLICY} (exit 101) so that the install starts no service`);
  }
  try {
    say('apt-get update');
    await run('apt-get', ['update'], { env });
    say(install);
    await run('apt-get', ['install', '-y', ...packages], { env });
  } finally {
    if (ownPolicy) {
      rmSync(POLICY, { force: true });
      say(`removed ${POLICY}`);
    }
  }
  for (const service of packages.filter((p) => SERVICES.has(p))) {
    await run('update-rc.d', [service, 'disable']);
    say(`update-rc.d ${service} disable: Debian's ${service} service will not start at boot`);
  }
}
