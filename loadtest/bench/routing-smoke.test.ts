import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from './processes.ts';

const run = promisify(execFile);

// Keeps B5 from rotting: every offered request is routed and measured, and the matcher arms run.
describe('routing bench (smoke size)', () => {
  it('measures request -> offer latency and the matcher against a linear scan', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'loadtest/bench/routing.ts', '--smoke'], { cwd: ROOT, timeout: 170_000 });
    const file = /wrote (\S+\.json)/.exec(stdout)?.[1];
    expect(file, stdout).toBeDefined();
    const { summary } = JSON.parse(readFileSync(file as string, 'utf8')) as { summary: { latencyP50Ms: number; latencyP99Ms: number; offersPerSec: number; matcher: { indexedPerSec: number; scanPerSec: number; ratio: number } } };
    expect(summary.offersPerSec).toBeGreaterThan(50);
    expect(summary.latencyP50Ms).toBeGreaterThan(0);
    expect(summary.latencyP99Ms).toBeGreaterThanOrEqual(summary.latencyP50Ms);
    expect(summary.matcher.indexedPerSec).toBeGreaterThan(0);
    expect(summary.matcher.scanPerSec).toBeGreaterThan(0);
    expect(Number.isFinite(summary.matcher.ratio)).toBe(true);
  }, 180_000);
});
