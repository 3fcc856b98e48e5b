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
    expect(output).toContain('native binding did not load');
  });

  it('refuses a bad configuration with a clear message', async () => {
    const { code, output } = await runToExit({ LAWLINE_PORT: 'eighty', LAWLINE_DATA_DIR: dir });
    expect(code).toBe(2);
    expect(output).toContain('LAWLINE_PORT=eighty');
  });

  it('starts on the embedded default, answers /healthz, /readyz, /metrics, and drains on SIGTERM', async () => {
    const server = await spawnServer({ LAWLINE_PORT: '0', LAWLINE_DATA_DIR: dir });
    try {
      const base = `http://127.0.0.1:${server.port}`;
      expect(await (await fetch(`${base}/healthz`)).text()).toBe('ok\n');
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toContain('# TYPE lawline_connections gauge');
      expect(metrics).toContain('lawline_connections 0');
      expect(metrics).toMatch(/^# TYPE lawline_store_fsyncs_total counter\nlawline_store_fsyncs_total \d+$/m);
      expect((await fetch(`${base}/nope`)).status).toBe(404);
    } finally {
      server.proc.kill('SIGTERM');
    }
    expect(await server.exited).toBe(0);
  });
});
