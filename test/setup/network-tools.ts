import { isRoot, onPath } from './system.ts';

/** Commands of the network-fault tests (`test/helpers/netns.ts`, `net-faults.ts`) and their Debian packages. */
export const NETWORK_TOOLS: Readonly<Record<string, string>> = { ip: 'iproute2', nft: 'nftables', socat: 'socat' };

/**
 * The packages those tests lack. Only root can make network namespaces, so only root's runs
 * need them; anyone else's run skips those tests with the reason and installs nothing.
 */
export function networkToolPackages(root = isRoot(), path?: string): string[] {
  if (!root || process.platform !== 'linux') return [];
  return [...new Set(Object.entries(NETWORK_TOOLS).filter(([bin]) => !onPath(bin, path)).map(([, pkg]) => pkg))];
}
