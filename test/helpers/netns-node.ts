import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateDevIdentity, mintToken, type DevClaims } from '../../server/auth/dev-identity.ts';
import { PathFaults } from './net-faults.ts';
import { NetnsPath } from './netns.ts';
import { spawnServer, type SpawnedServer } from './spawn.ts';

/** A node process in a namespace of its own, reached from here only across a router that can be made faulty. */
export interface NodeBehindRouter {
  url: string;
  faults: PathFaults;
  node: SpawnedServer;
  token(claims: DevClaims): Promise<string>;
  cleanup(): Promise<void>;
}

/** Starts `server/main.ts` (embedded default: file store, memory backplane) behind a `NetnsPath`. */
export async function startNodeBehindRouter(env: Record<string, string> = {}): Promise<NodeBehindRouter> {
  const dataDir = mkdtempSync(join(tmpdir(), 'lawline-netfault-'));
  const path = NetnsPath.create();
  const cleanup = async () => {
    path.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const faults = PathFaults.install(path);
    // Made here first, so the node trusts the tokens this process mints; /dev/token stays off.
    const identity = await loadOrCreateDevIdentity(dataDir);
    const node = await spawnServer(
      { LAWLINE_HOST: path.nodeIp, LAWLINE_PORT: '8080', LAWLINE_DATA_DIR: dataDir, LAWLINE_DEV_TOKENS: 'off', ...env },
      20_000,
      path.nodeExec,
    );
    return { url: `ws://${path.nodeIp}:${node.port}/ws`, faults, node, token: (claims) => mintToken(identity, claims), cleanup };
  } catch (e) {
    await cleanup();
    throw e;
  }
}
