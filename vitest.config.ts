import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['protocol/**/*.test.ts', 'server/**/*.test.ts', 'clients/**/*.test.ts', 'media/**/*.test.ts', 'test/**/*.test.ts', 'loadtest/bench/**/*.test.ts', 'loadtest/artillery/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Finds or starts Chromium, Redis and PostgreSQL for the run, and says what it did.
    globalSetup: ['test/setup/global.ts'],
    reporters: ['default', 'json'],
    outputFile: { json: 'dist/test-results.json' },
  },
});
