import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateDevIdentity, mintToken, type DevClaims } from '../../server/auth/dev-identity.ts';
import { loadConfig, type Config } from '../../server/config.ts';
import { createLogger } from '../../server/log.ts';
import { newNodeId, startNode, type LawlineNode, type NodeOptions } from '../../server/node.ts';

export interface TestServer {
  node: LawlineNode;
  port: number;
  /** The internal listener: /metrics and the operations API. */
  opsPort: number;
  url: string;
  dataDir: string;
  config: Config;
  token(claims: DevClaims, ttlSec?: number): Promise<string>;
  /** Stops the node; the data dir stays until `cleanup`, so a test can restart on it. */
  stop(): Promise<void>;
  cleanup(): Promise<void>;
}

/** A real node on 127.0.0.1 and free ports (client and operations), with its own data dir and development identity. */
export async function startTestServer(env: Record<string, string> = {}, dataDir?: string, options: Omit<NodeOptions, 'nodeId'> = {}): Promise<TestServer> {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'lawline-test-'));
  const loaded = loadConfig({ LAWLINE_PORT: '0', LAWLINE_OPS_PORT: '0', LAWLINE_DATA_DIR: dir, LAWLINE_LOG_LEVEL: 'silent', LAWLINE_MEDIA: 'off', ...env });
  if (!loaded.ok) throw new Error(loaded.error);
  const nodeId = newNodeId();
  const node = await startNode(loaded.value, createLogger(loaded.value.logLevel, undefined, nodeId), { ...options, nodeId });
  const identity = await loadOrCreateDevIdentity(dir);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await node.close();
  };
  return {
    node,
    port: node.port,
    opsPort: node.opsPort,
    url: `ws://127.0.0.1:${node.port}/ws`,
    dataDir: dir,
    config: loaded.value,
    token: (claims, ttlSec) => mintToken(identity, claims, ttlSec),
    stop,
    async cleanup() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
