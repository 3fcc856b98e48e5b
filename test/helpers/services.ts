import { inject } from 'vitest';

// What the test set-up (`test/setup/global.ts`, vitest's globalSetup) found or started for
// this run. Tests read Chromium's path and the servers' URLs here and nowhere else.

export { CHROMIUM } from '../setup/chromium.ts';

/** A plain Redis (not a cluster) that the tests share, each under key prefixes of its own. */
export const REDIS_URL = inject('redisUrl');
/** A PostgreSQL database that the tests share, each in schemas of its own. */
export const DATABASE_URL = inject('databaseUrl');
