import { describe, expect, it } from 'vitest';
import { regionName } from './regions.ts';

describe('region names', () => {
  it('names a city of Jiangsu with its province, a county as its city, a province alone, and nothing for a code outside GB/T 2260', () => {
    expect(regionName('320200', 'zh-CN')).toBe('江苏省无锡市');
    expect(regionName('320200', 'en')).toBe('Wuxi, Jiangsu');
    expect(regionName('320211', 'en')).toBe('Wuxi, Jiangsu');
    expect(regionName('320000', 'zh-CN')).toBe('江苏省');
    expect(regionName('110105', 'en')).toBe('Beijing');
    expect(regionName('990000', 'zh-CN')).toBeUndefined();
  });
});
