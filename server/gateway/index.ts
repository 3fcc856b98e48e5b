import { readFileSync } from 'node:fs';
import uWS, { type TemplatedApp, type us_listen_socket } from 'uWebSockets.js';
import { CloseCode } from '../../protocol/errors.ts';
import type { Connection, Socket } from '../session/connection.ts';
import { proxyList } from './client-address.ts';
import { ConnectionCaps } from './connection-caps.ts';
import { registerHttpRoutes, type HttpDeps } from './http.ts';
import { registerWebSocket } from './websocket.ts';

export interface GatewayOptions {
  host: string;
  port: number;
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
 * The uWebSockets.js app: HTTP routes and the WebSocket endpoint. `SSLApp` when a certificate
 * is configured; uSockets' OpenSSL context refuses anything below TLS 1.2 (test/tls.test.ts).
 */
export function startGateway(options: GatewayOptions): Promise<Gateway> {
  const app: TemplatedApp = options.tls
    ? uWS.SSLApp({ cert_file_name: checkReadable(options.tls.certFile), key_file_name: checkReadable(options.tls.keyFile) })
    : uWS.App();
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
  registerHttpRoutes(app, { ...options.http, ready: () => accepting && options.ready() });

  // One sweep for all connections: pings the quiet ones, drops those silent for two intervals.
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const conn of connections) conn.heartbeat(now, options.heartbeatMs);
  }, Math.max(50, Math.floor(options.heartbeatMs / 2)));

  return new Promise((resolve, reject) => {
    app.listen(options.host, options.port, (token: us_listen_socket | false) => {
      if (!token) {
        clearInterval(sweep);
        reject(new Error(`cannot listen on ${options.host}:${options.port}`));
        return;
      }
      resolve({
        port: uWS.us_socket_local_port(token),
        connections,
        async close(code: number = CloseCode.DRAINING, graceMs = DRAIN_GRACE_MS) {
          accepting = false;
          clearInterval(sweep);
          uWS.us_listen_socket_close(token);
          let grace: NodeJS.Timeout | undefined;
          const late = new Promise<void>((resolve) => (grace = setTimeout(resolve, graceMs)));
          await Promise.race([Promise.all([...connections].map((conn) => conn.drain(code))), late]);
          clearTimeout(grace);
          for (const conn of [...connections]) conn.close(code, 'server shutting down');
        },
      });
    });
  });
}

function checkReadable(path: string): string {
  readFileSync(path);
  return path;
}
