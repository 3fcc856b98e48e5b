import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../server/config.ts';
import { createLogger } from '../server/log.ts';
import { newNodeId, startNode } from '../server/node.ts';
import { REDIS_URL } from './helpers/services.ts';

// A node that fails part-way through starting (here: its port is taken) closes what it had
// opened by then, as `close()` would: an embedding process (or a test) that goes on must not
// keep its Redis connections, store and timers.

describe('a node that fails to start', () => {
  it('closes the connections it had opened: none of its Redis connections is left', async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const dir = mkdtempSync(join(tmpdir(), 'lawline-failed-start-'));
    const admin = new Redis(REDIS_URL);
    try {
      const loaded = loadConfig({
        LAWLINE_PORT: String((taken.address() as AddressInfo).port),
        LAWLINE_OPS_PORT: '0',
        LAWLINE_DATA_DIR: dir,
        LAWLINE_LOG_LEVEL: 'silent',
        REDIS_URL,
        LAWLINE_REDIS_PREFIX: `lawline-failed-${randomBytes(6).toString('hex')}`,
      });
      if (!loaded.ok) throw new Error(loaded.error);
      const nodeId = newNodeId();
      await expect(startNode(loaded.value, createLogger('silent'), { nodeId })).rejects.toThrow();
      const clients = (await admin.client('LIST')) as string;
      expect(clients).toContain(`name=`);
      expect(clients).not.toContain(`lawline:${nodeId}:`);
    } finally {
      admin.disconnect();
      taken.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
