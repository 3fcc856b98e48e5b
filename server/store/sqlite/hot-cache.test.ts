import { describe, expect, it } from 'vitest';
import { consultation } from '../../../test/contracts/store.ts';
import { HotCache } from './hot-cache.ts';

describe('hot cache', () => {
  it('holds at most its capacity, least recently used out first, never one with a write in flight', async () => {
    const cache = new HotCache(2);
    const [a, b, c] = [consultation(), consultation(), consultation()];
    let settle: () => void = () => undefined;
    const write = new Promise<void>((r) => (settle = r));
    void cache.pin(cache.add(a), write);
    cache.add(b);
    cache.add(c);
    // a is the least recently used but pinned: b goes.
    expect([a, b, c].map((x) => cache.has(x.id))).toEqual([true, false, true]);
    settle();
    await write;
    await Promise.resolve();
    expect(cache.size).toBe(2);
    cache.get(c.id);
    cache.add(b);
    expect([a, b, c].map((x) => cache.has(x.id))).toEqual([false, true, true]);
  });

  it('drops what was not asked for in the idle time, unless a write of it is in flight', async () => {
    const cache = new HotCache(100);
    const [a, b] = [consultation(), consultation()];
    const write = new Promise<void>(() => undefined);
    void cache.pin(cache.add(a), write);
    cache.add(b);
    cache.evictIdle(60_000);
    expect(cache.size).toBe(2);
    await new Promise((r) => setTimeout(r, 5));
    cache.evictIdle(1);
    expect([a, b].map((x) => cache.has(x.id))).toEqual([true, false]);
  });
});
