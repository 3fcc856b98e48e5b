// Baseline for B2 and B3: a bare uWebSockets.js relay. A connection opened with ?pair=N&side=a
// forwards every frame to the connection with the same N and the other side. No auth,
// validation or storage.
import uWS from 'uWebSockets.js';

interface Peer {
  key: string;
  other: string;
}
const sockets = new Map<string, uWS.WebSocket<Peer>>();

uWS
  .App()
  .ws<Peer>('/*', {
    maxPayloadLength: 64 * 1024,
    idleTimeout: 0,
    upgrade: (res, req, context) => {
      const q = new URLSearchParams(req.getQuery() ?? '');
      const pair = q.get('pair') ?? '0';
      const side = q.get('side') === 'b' ? 'b' : 'a';
      res.upgrade<Peer>(
        { key: `${pair}:${side}`, other: `${pair}:${side === 'a' ? 'b' : 'a'}` },
        req.getHeader('sec-websocket-key'),
        req.getHeader('sec-websocket-protocol'),
        req.getHeader('sec-websocket-extensions'),
        context,
      );
    },
    open: (ws) => {
      sockets.set(ws.getUserData().key, ws);
    },
    message: (ws, message, isBinary) => {
      sockets.get(ws.getUserData().other)?.send(message, isBinary);
    },
    close: (ws) => {
      sockets.delete(ws.getUserData().key);
    },
  })
  .listen('127.0.0.1', 0, (token) => {
    if (!token) process.exit(1);
    process.stdout.write(`LAWLINE_LISTENING port=${uWS.us_socket_local_port(token)}\n`);
  });
