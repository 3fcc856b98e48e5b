import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, say } from './system.ts';

const LOADTEST = fileURLToPath(new URL('../../loadtest', import.meta.url));

/**
 * The load test's own install (artillery, kept out of the product's dependencies), whose smoke
 * test is part of the run: installed from its lock file when missing, as a new developer's
 * `npm test` would otherwise fail on it. Playwright's browser download is skipped (artillery
 * pulls Playwright in; nothing but the registries is reachable, and Chromium comes from Debian).
 */
export async function provideLoadtest(dir = LOADTEST): Promise<void> {
  if (existsSync(join(dir, 'node_modules', 'artillery', 'package.json'))) {
    say('load test tools: artillery in loadtest/node_modules');
    return;
  }
  say('load test tools: missing; npm ci in loadtest/ (a few minutes, once)');
  await run('npm', ['ci', '--no-audit', '--no-fund'], { cwd: dir, env: { ...process.env, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' } });
}
