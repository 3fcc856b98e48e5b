import { describe, expect, it } from 'vitest';
import { proxyEntryProblem } from './trusted-proxies.ts';

describe('trusted proxy entries', () => {
  it('names what is wrong with a proxy entry', () => {
    expect(proxyEntryProblem('10.0.0.0/8')).toBeUndefined();
    expect(proxyEntryProblem('fd00::/8')).toBeUndefined();
    expect(proxyEntryProblem('proxy.internal')).toContain('expected an IP address');
    expect(proxyEntryProblem('10.0.0.0/33')).toContain('0-32');
  });
});
