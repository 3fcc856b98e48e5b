import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runToExit, spawnServer } from './helpers/spawn.ts';

const dir = mkdtempSync(join(tmpdir(), 'lawline-startup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('starting the server process', () => {
  it('refuses to start on the slow uWebSockets.js fallback unless allowed', async () => {
    const { code, output } = await runToExit({ UWS_USE_FALLBACK: '1', LAWLINE_PORT: '0', LAWLINE_DATA_DIR: dir });
    expect(code).toBe(3);
    expect(output).toContain(`native binding did not load on Node ${process.versions.node}`);
    expect(output).toContain('named by engines in package.json');
  });

  it('refuses a bad configuration with a clear message', async () => {
    const { code, output } = await runToExit({ LAWLINE_PORT: 'eighty', LAWLINE_DATA_DIR: dir });
    expect(code).toBe(2);
    expect(output).toContain('LAWLINE_PORT=eighty');
  });

  it('starts on the embedded default, answers /healthz and /readyz on both ports, /metrics only on the operations listener, and drains on SIGTERM', async () => {
    const server = await spawnServer({ LAWLINE_PORT: '0', LAWLINE_DATA_DIR: dir });
    try {
      const base = `http://127.0.0.1:${server.port}`;
      const ops = `http://127.0.0.1:${server.opsPort}`;
      for (const url of [base, ops]) {
        expect(await (await fetch(`${url}/healthz`)).text()).toBe('ok\n');
        expect((await fetch(`${url}/readyz`)).status).toBe(200);
      }
      const metrics = await (await fetch(`${ops}/metrics`)).text();
      expect(metrics).toContain('# TYPE lawline_connections gauge');
      expect(metrics).toContain('lawline_connections 0');
      expect(metrics).toMatch(/^# TYPE lawline_store_fsyncs_total counter\nlawline_store_fsyncs_total \d+$/m);
      for (const name of ['process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_heap_size_total_bytes', 'nodejs_external_memory_bytes', 'nodejs_array_buffers_bytes']) {
        expect(Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(metrics)?.[1]), name).toBeGreaterThan(0);
      }
      // How far behind its load the node is: the event loop's delay since the last scrape, writes waiting for the store.
      for (const name of ['nodejs_eventloop_lag_p50_seconds', 'nodejs_eventloop_lag_p99_seconds', 'nodejs_eventloop_lag_max_seconds', 'nodejs_gc_pause_max_seconds', 'lawline_store_waiting_writes']) {
        expect(Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1]), name).toBeGreaterThanOrEqual(0);
      }
      expect(metrics).toContain('# TYPE nodejs_gc_duration_seconds_total counter');
      expect((await fetch(`${base}/metrics`)).status).toBe(404);
      expect((await fetch(`${base}/api/roster/2026-11-25`)).status).toBe(404);
      expect((await fetch(`${base}/nope`)).status).toBe(404);
    } finally {
      server.proc.kill('SIGTERM');
    }
    expect(await server.exited).toBe(0);
  });

  it('refuses to start when another process holds its operations port, naming it', async () => {
    const first = await spawnServer({ LAWLINE_PORT: '0', LAWLINE_DATA_DIR: dir });
    try {
      const { code, output } = await runToExit({ LAWLINE_PORT: '0', LAWLINE_OPS_PORT: String(first.opsPort), LAWLINE_DATA_DIR: join(dir, 'second') });
      expect(code).toBe(1);
      expect(output).toContain(`cannot listen on 127.0.0.1:${first.opsPort} (operations listener)`);
    } finally {
      first.proc.kill('SIGTERM');
    }
    expect(await first.exited).toBe(0);
  });
});
