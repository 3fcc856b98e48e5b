import { readFileSync } from 'node:fs';
import uWS, { type TemplatedApp, type us_listen_socket } from 'uWebSockets.js';
import { CloseCode } from '../../protocol/errors.ts';
import type { Connection, Socket } from '../session/connection.ts';
import { proxyList } from '../trusted-proxies.ts';
import { ConnectionCaps } from './connection-caps.ts';
import { registerClientRoutes, registerOpsRoutes, type HttpDeps } from './http.ts';
import { registerWebSocket } from './websocket.ts';

export interface GatewayOptions {
  host: string;
  port: number;
  /** The internal listener for /metrics and the operations API (loopback by default). */
  ops: { host: string; port: number };
  tls?: { certFile: string; keyFile: string };
  heartbeatMs: number;
  maxFrameBytes: number;
  maxBackpressureBytes: number;
  maxConnections: number;
  maxConnectionsPerAddress: number;
  /** Addresses and subnets whose X-Forwarded-For is believed. */
  trustedProxies: readonly string[];
  /** A WebSocket connection was turned away, and why. */
  refused: (reason: string) => void;
  http: Omit<HttpDeps, 'ready'>;
  ready: () => boolean;
  newConnection: (socket: Socket) => Connection;
}

export interface Gateway {
  port: number;
  opsPort: number;
  connections: Set<Connection>;
  /**
   * Stops accepting and closes the listen socket; every connection replies to the requests it
   * has in flight, then is closed with `code` (by default: reconnect elsewhere). Connections
   * still busy after `graceMs` are closed anyway.
   */
  close(code?: number, graceMs?: number): Promise<void>;
}

const DRAIN_GRACE_MS = 5000;

/**
 * Two uWebSockets.js apps: the client port (WebSocket endpoint, web page, probes) and the
 * internal operations listener (/metrics, operations API, probes). `SSLApp`s when a certificate
 * is configured; uSockets' OpenSSL context refuses anything below TLS 1.2 (test/tls.test.ts).
 */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const newApp = (): TemplatedApp =>
    options.tls ? uWS.SSLApp({ cert_file_name: checkReadable(options.tls.certFile), key_file_name: checkReadable(options.tls.keyFile) }) : uWS.App();
  const app = newApp();
  const opsApp = newApp();
  const connections = new Set<Connection>();
  let accepting = true;

  registerWebSocket(app, {
    newConnection: options.newConnection,
    accepting: () => accepting,
    maxFrameBytes: options.maxFrameBytes,
    maxBackpressureBytes: options.maxBackpressureBytes,
    connections,
    caps: new ConnectionCaps(options.maxConnections, options.maxConnectionsPerAddress),
    trustedProxies: options.trustedProxies.length ? proxyList(options.trustedProxies) : undefined,
    refused: options.refused,
    log: options.http.log,
  });
  const http: HttpDeps = { ...options.http, ready: () => accepting && options.ready() };
  registerClientRoutes(app, http);
  registerOpsRoutes(opsApp, http);

  // One sweep for all connections: pings the quiet ones, drops those silent for two intervals.
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const conn of connections) conn.heartbeat(now, options.heartbeatMs);
  }, Math.max(50, Math.floor(options.heartbeatMs / 2)));

  // Exclusive: a second node on this machine with the same operations port must fail to start,
  // not share the port (SO_REUSEPORT) and answer for a random one of the two.
  const ops = await listen(opsApp, options.ops.host, options.ops.port, uWS.LIBUS_LISTEN_EXCLUSIVE_PORT, 'operations listener').catch((e: unknown) => {
    clearInterval(sweep);
    throw e;
  });
  const client = await listen(app, options.host, options.port, LISTEN_DEFAULT, 'client port').catch((e: unknown) => {
    clearInterval(sweep);
    uWS.us_listen_socket_close(ops);
    throw e;
  });
  return {
    port: uWS.us_socket_local_port(client),
    opsPort: uWS.us_socket_local_port(ops),
    connections,
    async close(code: number = CloseCode.DRAINING, graceMs = DRAIN_GRACE_MS) {
      accepting = false;
      clearInterval(sweep);
      uWS.us_listen_socket_close(client);
      let grace: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => (grace = setTimeout(resolve, graceMs)));
      await Promise.race([Promise.all([...connections].map((conn) => conn.drain(code))), late]);
      clearTimeout(grace);
      for (const conn of [...connections]) conn.close(code, 'server shutting down');
      // Last: metrics and /readyz (503 by now) stay readable while the node drains.
      uWS.us_listen_socket_close(ops);
    },
  };
}

/** uSockets' default: SO_REUSEPORT, so several nodes may share the client port (README, cluster). */
const LISTEN_DEFAULT = 0;

function listen(app: TemplatedApp, host: string, port: number, options: number, what: string): Promise<us_listen_socket> {
  return new Promise((resolve, reject) =>
    app.listen(host, port, options, (token: us_listen_socket | false) => (token ? resolve(token) : reject(new Error(`cannot listen on ${host}:${port} (${what})`)))),
  );
}

function checkReadable(path: string): string {
  readFileSync(path);
  return path;
}
