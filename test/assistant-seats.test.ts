import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode } from '../protocol/errors.ts';
import { assistant } from './helpers/people.ts';
import { RawClient } from './helpers/raw-client.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';
import { REDIS_URL } from './helpers/services.ts';

// Assistant seats live in Redis as leases the node renews every 10 s (a third of their 30 s).
const prefix = `lawline-seats-${randomBytes(4).toString('hex')}`;
let server: TestServer;
let redis: Redis;
beforeAll(async () => {
  redis = new Redis(REDIS_URL);
  server = await startTestServer({ REDIS_URL, LAWLINE_REDIS_PREFIX: prefix });
});
afterAll(async () => {
  await server.cleanup();
  const keys = await redis.keys(`{${prefix}}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

const signIn = async (id: string) => {
  const c = await RawClient.connect(server.url);
  await c.hello(await server.token(assistant(id, 'L-seats')));
  return c;
};

describe('assistant seats that could not be renewed', () => {
  it('do not leave a fourth assistant in: a seat that lapsed is claimed again, and the assistant who finds none left is closed', async () => {
    const first = [await signIn('A-1'), await signIn('A-2'), await signIn('A-3')];
    // The seats lapse (renewals that failed for 30 s, or a Redis that lost them): a fourth assistant finds room.
    await redis.del(`{${prefix}}:as:L-seats`);
    const fourth = await signIn('A-4');

    await expect.poll(() => first.filter((c) => c.closeCode !== undefined).length, { timeout: 15_000, interval: 200 }).toBe(1);
    expect(first.find((c) => c.closeCode !== undefined)?.closeCode).toBe(CloseCode.AUTH_FAILED);
    expect(fourth.closeCode).toBeUndefined();
    for (const c of [...first, fourth]) c.close();
  }, 20_000);
});
