import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { err, ok } from '../../../protocol/result.ts';
import type { DevTokenError } from './dev-token.ts';
import type { Identity } from './identity.ts';
import { TokenKeeper } from './token-keeper.ts';

// The keeper's timing, on a fake clock: renewal at 3/4 of a token's life, retries until it
// expires, and the two ways a sign-in is lost. (The browser test renews a real token.)

const S = 1000;
const identity = (issuedAt: number, lifeMs: number, token = `t${issuedAt}`): Identity => ({ id: 'C-1', role: 'citizen', name: 'n', categories: [], token, issuedAt, expiresAt: issuedAt + lifeMs });

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(0);
});
afterEach(() => vi.useRealTimers());

describe('TokenKeeper', () => {
  it('renews at three quarters of the life, again and again, and hands out the new token', async () => {
    const renew = vi.fn(async (i: Identity) => ok(identity(Date.now(), 100 * S, `${i.token}+`)));
    const renewed: string[] = [];
    const keeper = new TokenKeeper(identity(0, 100 * S), { renew, renewed: (i) => renewed.push(i.token), lost: () => expect.fail('lost') });
    await vi.advanceTimersByTimeAsync(74 * S);
    expect(renew).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1 * S);
    expect(renewed).toEqual(['t0+']);
    await vi.advanceTimersByTimeAsync(75 * S);
    expect(renewed).toEqual(['t0+', 't0++']);
    expect(await keeper.token()).toBe('t0++');
    keeper.stop();
  });

  it('retries a renewal that failed on the network, and gives up as expired when the token runs out', async () => {
    const renew = vi.fn(async () => err<DevTokenError>({ kind: 'failed', message: 'offline' }));
    const lost: string[] = [];
    new TokenKeeper(identity(0, 100 * S), { renew, renewed: () => expect.fail('renewed'), lost: (why) => lost.push(why) });
    await vi.advanceTimersByTimeAsync(75 * S);
    expect(renew).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(24 * S);
    expect(renew).toHaveBeenCalledTimes(1);
    expect(lost).toEqual([]);
    await vi.advanceTimersByTimeAsync(1 * S);
    expect(renew).toHaveBeenCalledTimes(2);
    expect(lost).toEqual(['expired']);
  });

  it('says the sign-in is refused when the server will not renew, and renews first when a token is asked for late', async () => {
    const lost: string[] = [];
    const refused = vi.fn(async () => err<DevTokenError>({ kind: 'refused', message: 'other-role' }));
    new TokenKeeper(identity(0, 100 * S), { renew: refused, renewed: () => undefined, lost: (why) => lost.push(why) });
    await vi.advanceTimersByTimeAsync(75 * S);
    expect(lost).toEqual(['refused']);

    // A tab that slept past the renewal time: the next hello waits for the renewal.
    const renew = vi.fn(async () => ok(identity(Date.now(), 100 * S, 'fresh')));
    vi.setSystemTime(80 * S);
    const keeper = new TokenKeeper(identity(0, 100 * S), { renew, renewed: () => undefined, lost: () => expect.fail('lost') });
    expect(await keeper.token()).toBe('fresh');
    expect(renew).toHaveBeenCalledTimes(1);
    keeper.stop();
  });
});
