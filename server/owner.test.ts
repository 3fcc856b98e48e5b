import { describe, expect, it } from 'vitest';
import { Owner } from './owner.ts';

describe('Owner', () => {
  it('closes children last adopted first, each once, and all of them even when one fails', async () => {
    const owner = new Owner();
    const closed: string[] = [];
    for (const name of ['store', 'backplane', 'router', 'gateway']) {
      owner.adopt(name, name, (child) => {
        closed.push(child);
        if (child === 'router') throw new Error('timer gone');
      });
    }
    await expect(owner.close()).rejects.toThrow('closing router failed');
    await expect(owner.close()).rejects.toThrow('closing router failed');
    expect(closed).toEqual(['gateway', 'router', 'backplane', 'store']);
    expect(() => owner.adopt('late', 1, () => undefined)).toThrow('late adopted after close');
  });
});
