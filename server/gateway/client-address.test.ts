import { describe, expect, it } from 'vitest';
import { proxyList } from '../trusted-proxies.ts';
import { canonical, clientAddress } from './client-address.ts';

describe('client address', () => {
  it('spells an address one way: uWS gives IPv6 fully expanded, IPv4-mapped ones become IPv4', () => {
    expect(canonical('0000:0000:0000:0000:0000:ffff:7f00:0001')).toBe('127.0.0.1');
    expect(canonical('0000:0000:0000:0000:0000:0000:0000:0001')).toBe('::1');
    expect(canonical('FD00:0000:0000:0000:0000:0000:0000:00AB')).toBe('fd00::ab');
    expect(canonical('10.0.0.1')).toBe('10.0.0.1');
  });

  it('reads X-Forwarded-For right to left past trusted hops, only when the peer is a trusted proxy', () => {
    const proxies = proxyList(['127.0.0.1', 'fd00::/8']);
    expect(clientAddress('0000:0000:0000:0000:0000:ffff:7f00:0001', ['6.6.6.6, 10.0.0.9'], proxies)).toBe('10.0.0.9');
    expect(clientAddress('fd00::1', ['6.6.6.6, 10.0.0.9, fd00::2'], proxies)).toBe('10.0.0.9');
    expect(clientAddress('10.0.0.5', ['6.6.6.6'], proxies)).toBe('10.0.0.5');
    expect(clientAddress('127.0.0.1', ['6.6.6.6', 'not-an-address'], proxies)).toBe('127.0.0.1');
    expect(clientAddress('127.0.0.1', [], proxies)).toBe('127.0.0.1');
    expect(clientAddress('127.0.0.1', ['6.6.6.6'], undefined)).toBe('127.0.0.1');
  });
});
