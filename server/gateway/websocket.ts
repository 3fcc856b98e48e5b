import type { BlockList } from 'node:net';
import uWS, { type HttpRequest, type TemplatedApp, type WebSocket } from 'uWebSockets.js';
import { CloseCode } from '../../protocol/errors.ts';
import { encodingFor, type Encoding } from '../../protocol/version.ts';
import type { Logger } from '../log.ts';
import type { Connection, Socket } from '../session/connection.ts';
import { clientAddress } from './client-address.ts';
import type { ConnectionCaps } from './connection-caps.ts';
import { guardSocket, guardUpgrade } from './guard.ts';
import { OutboundBatcher } from './outbound.ts';

interface UserData {
  encoding: Encoding;
  remoteAddress: string;
  conn?: Connection;
  open: boolean;
  /** Counted in the caps (to release at close). */
  admitted: boolean;
}

export interface WebSocketDeps {
  newConnection: (socket: Socket) => Connection;
  /** false while draining: new upgrades are refused so clients go to another node. */
  accepting: () => boolean;
  maxFrameBytes: number;
  maxBackpressureBytes: number;
  connections: Set<Connection>;
  caps: ConnectionCaps;
  /** Peers whose X-Forwarded-For is believed; none when unset. */
  trustedProxies: BlockList | undefined;
  /** A connection was turned away: `total` or `address` (the caps), `draining`. */
  refused: (reason: string) => void;
  log: Logger;
}

/** Picks our subprotocol from the client's offered list, msgpack preferred. */
function chooseSubprotocol(header: string): string | undefined {
  const offered = header.split(',').map((p) => p.trim());
  return offered.find((p) => encodingFor(p) === 'msgpack') ?? offered.find((p) => encodingFor(p) === 'json');
}

/** Every X-Forwarded-For line, in order (a proxy may add a line of its own instead of appending). */
function forwardedFor(req: HttpRequest): string[] {
  const lines: string[] = [];
  req.forEach((name, value) => name === 'x-forwarded-for' && lines.push(value));
  return lines;
}

function socketOver(ws: WebSocket<UserData>, { encoding, remoteAddress }: UserData, outbound: OutboundBatcher): Socket {
  const live = () => ws.getUserData().open;
  const end = (code: number, reason: string) => {
    if (!live()) return;
    outbound.flush(ws);
    ws.end(code, reason);
  };
  return {
    encoding,
    remoteAddress,
    send: (data) => {
      if (live()) outbound.enqueue(ws, data, () => end(CloseCode.TOO_SLOW, 'outbound buffer full'));
      return true;
    },
    bufferedAmount: () => (live() ? ws.getBufferedAmount() + outbound.queuedBytes(ws) : 0),
    end,
    terminate: () => {
      if (live()) ws.close();
    },
    ping: () => {
      if (live()) ws.ping();
    },
  };
}

/**
 * What uWS reports (close code 1006) after it cut a connection for a frame over
 * `maxPayloadLength`. It reads the length from each frame's header (added to the fragments
 * before it) and closes the TCP connection there (uWebSockets' WebSocketProtocol
 * `refusePayloadLength` -> `forceClose`): none of that frame is buffered or reaches us, and no
 * close frame can be sent.
 */
const UWS_TOO_BIG = 'Received too big message';

export function registerWebSocket(app: TemplatedApp, deps: WebSocketDeps): void {
  const outbound = new OutboundBatcher();
  // A callback that fails closes its own socket (the client may resume); the socket is gone by `close`.
  const closeOnFailure = (ws: WebSocket<UserData>) => {
    if (!ws.getUserData().open) return;
    outbound.discard(ws);
    ws.end(CloseCode.SERVER_ERROR, 'internal error');
  };
  const guard = <A extends unknown[]>(event: string, handler: (ws: WebSocket<UserData>, ...args: A) => void) => guardSocket(deps.log, event, handler, closeOnFailure);
  app.ws<UserData>('/ws', {
    // uWS drops a connection outright past this (see UWS_TOO_BIG); frames between our limit and
    // it get a FRAME_TOO_LARGE error and close code 1009, which tell a client what went wrong.
    // Not higher, for a close code past it: uWS holds a frame until its last byte arrives, so
    // this bounds the memory a connection can pin. Measured: 300 connections each sending all
    // but the last byte of a frame just under the cap took 87 MB of RSS at 256 KB (the default),
    // 316 MB at 1 MB.
    maxPayloadLength: deps.maxFrameBytes * 4,
    maxBackpressure: deps.maxBackpressureBytes * 2,
    closeOnBackpressureLimit: 0,
    // Liveness is ours (heartbeat sweep), so that the interval is configurable below uWS's 4 s granularity.
    idleTimeout: 0,
    sendPingsAutomatically: false,
    compression: uWS.DISABLED,
    upgrade: guardUpgrade(deps.log, (res, req, context) => {
      const protocol = chooseSubprotocol(req.getHeader('sec-websocket-protocol'));
      if (!deps.accepting()) {
        deps.refused('draining');
        res.writeStatus('503 Service Unavailable').end('draining\n');
        return;
      }
      if (!protocol) {
        res.writeStatus('400 Bad Request').end('subprotocol lawline.v1 (msgpack) or lawline.v1.json required\n');
        return;
      }
      const peer = Buffer.from(res.getRemoteAddressAsText()).toString();
      const remoteAddress = clientAddress(peer, deps.trustedProxies ? forwardedFor(req) : [], deps.trustedProxies);
      res.upgrade<UserData>(
        { encoding: encodingFor(protocol) as Encoding, remoteAddress, open: false, admitted: false },
        req.getHeader('sec-websocket-key'),
        protocol,
        req.getHeader('sec-websocket-extensions'),
        context,
      );
    }),
    open: guard('open', (ws) => {
      const data = ws.getUserData();
      data.open = true;
      const refusal = deps.caps.admit(data.remoteAddress);
      if (refusal) {
        deps.refused(refusal);
        // Accepted, then closed with a code: a browser sees 4005 (back off) this way, where a
        // refused upgrade (429/503) shows it only a failed connection (1006, "resume at once").
        ws.end(CloseCode.CONNECTION_LIMIT, refusal === 'total' ? 'this node is full: back off or try another' : 'too many connections from your address');
        return;
      }
      data.admitted = true;
      data.conn = deps.newConnection(socketOver(ws, data, outbound));
      deps.connections.add(data.conn);
    }),
    message: guard('message', (ws, message: ArrayBuffer, isBinary: boolean) => ws.getUserData().conn?.onMessage(message, isBinary)),
    // uWS answers a ping with a pong itself, then tells us: the ping is still charged to the rate.
    ping: guard('ping', (ws) => ws.getUserData().conn?.onPing()),
    pong: guard('pong', (ws) => ws.getUserData().conn?.onPong()),
    close: guardSocket(deps.log, 'close', (ws: WebSocket<UserData>, code: number, message: ArrayBuffer) => {
      const data = ws.getUserData();
      data.open = false;
      outbound.discard(ws);
      if (data.admitted) deps.caps.release(data.remoteAddress);
      if (!data.conn) return;
      deps.connections.delete(data.conn);
      if (code === 1006 && Buffer.from(message).toString() === UWS_TOO_BIG) data.conn.droppedOversize();
      data.conn.closed();
    }, () => undefined),
  });
}
