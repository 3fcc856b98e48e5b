// Baseline for B2: a minimal Socket.IO 4 relay, default server settings (BENCHMARKS.md). A
// socket connected with query pair=N&side=a forwards every `m` event to the socket with the
// same N and the other side. No auth, validation or storage.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Socket } from 'socket.io';

const sockets = new Map<string, Socket>();
const http = createServer();
new Server(http).on('connection', (socket) => {
  const pair = String(socket.handshake.query.pair ?? '0');
  const side = socket.handshake.query.side === 'b' ? 'b' : 'a';
  const key = `${pair}:${side}`;
  const other = `${pair}:${side === 'a' ? 'b' : 'a'}`;
  sockets.set(key, socket);
  socket.on('m', (payload: unknown) => sockets.get(other)?.emit('m', payload));
  socket.on('disconnect', () => sockets.delete(key));
});
http.listen(0, '127.0.0.1', () => process.stdout.write(`LAWLINE_LISTENING port=${(http.address() as AddressInfo).port}\n`));
