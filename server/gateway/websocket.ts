import uWS, { type TemplatedApp, type WebSocket } from 'uWebSockets.js';
import { CloseCode } from '../../protocol/errors.ts';
import { encodingFor, type Encoding } from '../../protocol/version.ts';
import type { Connection, Socket } from '../session/connection.ts';
import { OutboundBatcher } from './outbound.ts';

interface UserData {
  encoding: Encoding;
  conn?: Connection;
  open: boolean;
}

export interface WebSocketDeps {
  newConnection: (socket: Socket) => Connection;
  /** false while draining: new upgrades are refused so clients go to another node. */
  accepting: () => boolean;
  maxFrameBytes: number;
  maxBackpressureBytes: number;
  connections: Set<Connection>;
}

/** Picks our subprotocol from the client's offered list, msgpack preferred. */
function chooseSubprotocol(header: string): string | undefined {
  const offered = header.split(',').map((p) => p.trim());
  return offered.find((p) => encodingFor(p) === 'msgpack') ?? offered.find((p) => encodingFor(p) === 'json');
}

function socketOver(ws: WebSocket<UserData>, encoding: Encoding, outbound: OutboundBatcher): Socket {
  const live = () => ws.getUserData().open;
  const end = (code: number, reason: string) => {
    if (!live()) return;
    outbound.flush(ws);
    ws.end(code, reason);
  };
  return {
    encoding,
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

export function registerWebSocket(app: TemplatedApp, deps: WebSocketDeps): void {
  const outbound = new OutboundBatcher();
  app.ws<UserData>('/ws', {
    // uWS drops a connection outright past this; frames between our limit and it get a
    // FRAME_TOO_LARGE error frame instead, which tells a client what went wrong.
    maxPayloadLength: deps.maxFrameBytes * 4,
    maxBackpressure: deps.maxBackpressureBytes * 2,
    closeOnBackpressureLimit: 0,
    // Liveness is ours (heartbeat sweep), so that the interval is configurable below uWS's 4 s granularity.
    idleTimeout: 0,
    sendPingsAutomatically: false,
    compression: uWS.DISABLED,
    upgrade: (res, req, context) => {
      const protocol = chooseSubprotocol(req.getHeader('sec-websocket-protocol'));
      if (!deps.accepting()) {
        res.writeStatus('503 Service Unavailable').end('draining\n');
        return;
      }
      if (!protocol) {
        res.writeStatus('400 Bad Request').end('subprotocol lawline.v1 (msgpack) or lawline.v1.json required\n');
        return;
      }
      res.upgrade<UserData>(
        { encoding: encodingFor(protocol) as Encoding, open: false },
        req.getHeader('sec-websocket-key'),
        protocol,
        req.getHeader('sec-websocket-extensions'),
        context,
      );
    },
    open: (ws) => {
      const data = ws.getUserData();
      data.open = true;
      data.conn = deps.newConnection(socketOver(ws, data.encoding, outbound));
      deps.connections.add(data.conn);
    },
    message: (ws, message, isBinary) => ws.getUserData().conn?.onMessage(message, isBinary),
    pong: (ws) => ws.getUserData().conn?.onPong(),
    close: (ws) => {
      const data = ws.getUserData();
      data.open = false;
      outbound.discard(ws);
      if (!data.conn) return;
      deps.connections.delete(data.conn);
      data.conn.closed();
    },
  });
}
