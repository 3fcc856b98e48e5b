import { CloseCode } from '../protocol/errors.ts';
import { loadConfig } from './config.ts';
import { uwsIsNative } from './gateway/native.ts';
import { createLogger } from './log.ts';
import { startNode } from './node.ts';

const loaded = loadConfig(process.env);
if (!loaded.ok) {
  console.error(`lawline: invalid configuration\n${loaded.error}`);
  process.exit(2);
}
const config = loaded.value;
const log = createLogger(config.logLevel);

if (!uwsIsNative()) {
  if (!config.allowUwsFallback) {
    log.fatal('uWebSockets.js native binding did not load (JavaScript fallback active); refusing to start. Set LAWLINE_ALLOW_UWS_FALLBACK=on to run slowly anyway.');
    process.exit(3);
  }
  log.warn('uWebSockets.js native binding did not load; running on the slow JavaScript fallback');
}

const node = await startNode(config, log).catch((e: unknown) => {
  log.fatal({ err: e }, 'lawline failed to start');
  process.exit(1);
});
const scheme = config.tls ? 'https' : 'http';
log.info({ port: node.port, dataDir: config.dataDir, identity: config.identity.kind }, `lawline listening on ${scheme}://${config.host}:${node.port}/`);
// Tests and scripts read this line to learn a port chosen with LAWLINE_PORT=0.
process.stdout.write(`LAWLINE_LISTENING port=${node.port}\n`);

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
