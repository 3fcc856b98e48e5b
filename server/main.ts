import { CloseCode } from '../protocol/errors.ts';
import { isLoopback, loadConfig } from './config.ts';
import { checkDataDir } from './data-dir.ts';
import { uwsIsNative } from './gateway/native.ts';
import { createLogger } from './log.ts';
import { newNodeId, startNode } from './node.ts';

const loaded = loadConfig(process.env);
if (!loaded.ok) {
  console.error(`lawline: invalid configuration\n${loaded.error}`);
  process.exit(2);
}
const config = loaded.value;
const nodeId = newNodeId();
const log = createLogger(config.logLevel, undefined, nodeId);

if (config.identity.kind === 'dev' && config.identity.issueDevTokens && config.identity.devTokensPublic && !isLoopback(config.host)) {
  log.error(
    { host: config.host, setting: 'LAWLINE_DEV_TOKENS_PUBLIC=on' },
    `POST /dev/token is served on ${config.host}, not only on loopback: ANYONE who can reach this port can sign in as a new citizen or lawyer. Development and trusted-network demos only.`,
  );
}

if (!uwsIsNative()) {
  if (!config.allowUwsFallback) {
    log.fatal(
      { node: process.versions.node, abi: process.versions.modules },
      `uWebSockets.js native binding did not load on Node ${process.versions.node} (JavaScript fallback active); refusing to start. Run the Node version named by engines in package.json (README, Node version), or set LAWLINE_ALLOW_UWS_FALLBACK=on to run slowly anyway.`,
    );
    process.exit(3);
  }
  log.warn('uWebSockets.js native binding did not load; running on the slow JavaScript fallback');
}

// The data dir is used by the embedded SQLite store (no DATABASE_URL) and the development identity (no JWKS).
if (!config.database || config.identity.kind === 'dev') {
  const dataDir = checkDataDir(config.dataDir);
  if (!dataDir.ok) {
    console.error(`lawline: ${dataDir.error}`);
    process.exit(4);
  }
}

const node = await startNode(config, log, { nodeId }).catch((e: unknown) => {
  log.fatal({ err: e }, 'lawline failed to start');
  process.exit(1);
});
let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'draining');
    node.close(CloseCode.DRAINING).then(
      () => process.exit(0),
      (e: unknown) => {
        log.error({ err: e }, 'error while draining');
        process.exit(1);
      },
    );
  });
}

const scheme = config.tls ? 'https' : 'http';
log.info(
  { port: node.port, opsPort: node.opsPort, dataDir: config.dataDir, identity: config.identity.kind },
  `lawline listening on ${scheme}://${config.host}:${node.port}/ (metrics and operations API on ${scheme}://${config.ops.host}:${node.opsPort}/)`,
);
// Tests and scripts read these lines to learn ports chosen with LAWLINE_PORT=0 / LAWLINE_OPS_PORT=0
// (the operations one first: a reader that waits for LAWLINE_LISTENING has both); written once
// the signal handlers are in place, so a SIGTERM sent as soon as it is read drains the node.
process.stdout.write(`LAWLINE_OPS_LISTENING port=${node.opsPort}\n`);
process.stdout.write(`LAWLINE_LISTENING port=${node.port}\n`);
