// Baseline for B1: a bare uWebSockets.js echo. No auth, no validation, no storage.
import uWS from 'uWebSockets.js';

uWS
  .App()
  .ws('/*', {
    maxPayloadLength: 64 * 1024,
    idleTimeout: 0,
    message: (ws, message, isBinary) => {
      ws.send(message, isBinary);
    },
  })
  .listen('127.0.0.1', 0, (token) => {
    if (!token) process.exit(1);
    process.stdout.write(`LAWLINE_LISTENING port=${uWS.us_socket_local_port(token)}\n`);
  });
