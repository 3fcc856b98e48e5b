import { isIP, type BlockList } from 'node:net';

/**
 * The address a connection comes from: the peer's, or — only when the peer is one of the
 * configured proxies — the address that proxy saw, read from X-Forwarded-For right to left
 * past the trusted hops. What a client writes into the header itself sits left of that and is
 * never read; from anyone else the header is ignored.
 */
export function clientAddress(peer: string, forwardedFor: readonly string[], proxies: BlockList | undefined): string {
  let address = canonical(peer);
  if (!proxies || !isTrusted(proxies, address)) return address;
  const hops = forwardedFor.flatMap((h) => h.split(',')).map((h) => canonical(h.trim()));
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i] as string;
    // Not an address: written by whoever sent it, not by one of our proxies; stop at the hop we trust.
    if (!isIP(hop)) break;
    address = hop;
    if (!isTrusted(proxies, hop)) break;
  }
  return address;
}

function isTrusted(proxies: BlockList, address: string): boolean {
  return proxies.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

/**
 * One spelling per address, so that per-address counts add up: uWS gives IPv6 fully expanded
 * (`0000:…:ffff:7f00:0001` when listening on `::`); an IPv4-mapped one becomes plain IPv4.
 */
export function canonical(address: string): string {
  if (isIP(address) !== 6) return address;
  const compressed = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(compressed);
  if (!mapped) return compressed;
  const [hi, lo] = [parseInt(mapped[1] as string, 16), parseInt(mapped[2] as string, 16)];
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}
