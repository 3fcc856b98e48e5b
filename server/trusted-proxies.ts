import { BlockList, isIP } from 'node:net';

/**
 * What an entry of LAWLINE_TRUSTED_PROXIES may be (config checks every entry at start) and the
 * list the gateway matches peers against (`gateway/client-address.ts` reads X-Forwarded-For
 * only from those). Address syntax only, below config and the gateway alike.
 */

/** LAWLINE_TRUSTED_PROXIES entries: addresses or subnets (`10.0.0.0/8`, `fd00::/8`). */
export function proxyList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address, prefix] = entry.split('/') as [string, string | undefined];
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(prefix), family);
  }
  return list;
}

/** Why an entry of LAWLINE_TRUSTED_PROXIES is not an address or subnet, if it is not. */
export function proxyEntryProblem(entry: string): string | undefined {
  const [address, prefix, extra] = entry.split('/');
  const family = isIP(address ?? '');
  const maxPrefix = family === 6 ? 128 : 32;
  if (family === 0 || extra !== undefined) return `${entry}: expected an IP address or a subnet like 10.0.0.0/8`;
  if (prefix !== undefined && !(/^\d{1,3}$/.test(prefix) && Number(prefix) <= maxPrefix)) return `${entry}: prefix length must be 0-${maxPrefix}`;
  return undefined;
}
