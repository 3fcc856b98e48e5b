// What uWebSockets.js 20.30 has at run time but its index.d.ts lacks: listen with a host AND
// listen options (AppWrapper.h takes host, port, options, callback), and the option's value,
// which it exports as a plain constant (the .d.ts names it in an enum that does not exist at run time).
import type { RecognizedString, us_listen_socket } from 'uWebSockets.js';

declare module 'uWebSockets.js' {
  /** Listen without SO_REUSEPORT: a port another process holds is an error, not shared. */
  export const LIBUS_LISTEN_EXCLUSIVE_PORT: number;
  interface TemplatedApp {
    listen(host: RecognizedString, port: number, options: number, cb: (listenSocket: us_listen_socket | false) => void | Promise<void>): TemplatedApp;
  }
}
