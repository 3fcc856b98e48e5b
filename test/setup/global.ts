// vitest's globalSetup: before any test file runs, finds or provides what the tests need on
// this machine (Chromium with a Chinese font, Redis, PostgreSQL: `provide.ts`; the load test's
// own install: `loadtest.ts`), saying one
// line per thing it finds or does; after the run, stops what it started.
import type { TestProject } from 'vitest/node';
import { provideLoadtest } from './loadtest.ts';
import { provideServices } from './provide.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
    databaseUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  await provideLoadtest();
  const provided = await provideServices({ redisUrl: process.env.REDIS_URL, databaseUrl: process.env.DATABASE_URL });
  // To the test files through inject() (`helpers/services.ts`), not as REDIS_URL/DATABASE_URL
  // in the environment: every node a test spawns would inherit those and leave the embedded
  // default for Redis and PostgreSQL.
  project.provide('redisUrl', provided.redisUrl);
  project.provide('databaseUrl', provided.databaseUrl);
  return () => provided.stop();
}
