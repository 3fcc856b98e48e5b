import type { HttpResponse, TemplatedApp } from 'uWebSockets.js';
import type { Logger } from '../log.ts';
import type { StaticFile } from './static.ts';

export interface HttpDeps {
  ready: () => boolean;
  metricsText: () => string;
  staticFiles: Map<string, StaticFile>;
  /** Development identity only: mints a token from a JSON body; absent in production. */
  devToken?: (body: unknown) => Promise<{ status: number; body: unknown }>;
  log: Logger;
}

const SECURITY_HEADERS: [string, string][] = [
  ['X-Content-Type-Options', 'nosniff'],
  ['Referrer-Policy', 'no-referrer'],
  ['Content-Security-Policy', "default-src 'self'; connect-src 'self' ws: wss:; style-src 'self' 'unsafe-inline'; img-src 'self' data:"],
];
const DEV_BODY_MAX = 4096;

function send(res: HttpResponse, status: string, type: string, body: string | Buffer): void {
  res.cork(() => {
    res.writeStatus(status).writeHeader('Content-Type', type);
    for (const [k, v] of SECURITY_HEADERS) res.writeHeader(k, v);
    res.end(body);
  });
}

export function registerHttpRoutes(app: TemplatedApp, deps: HttpDeps): void {
  app.get('/healthz', (res) => send(res, '200 OK', 'text/plain', 'ok\n'));
  app.get('/readyz', (res) =>
    deps.ready() ? send(res, '200 OK', 'text/plain', 'ready\n') : send(res, '503 Service Unavailable', 'text/plain', 'not ready\n'),
  );
  app.get('/metrics', (res) => send(res, '200 OK', 'text/plain; version=0.0.4', deps.metricsText()));
  if (deps.devToken) registerDevToken(app, deps.devToken, deps.log);
  app.get('/*', (res, req) => {
    const file = deps.staticFiles.get(req.getUrl());
    if (file) send(res, '200 OK', file.contentType, file.body);
    else if (req.getUrl() === '/') send(res, '503 Service Unavailable', 'text/plain', 'web client not built: run npm run build:web\n');
    else send(res, '404 Not Found', 'text/plain', 'not found\n');
  });
  app.any('/*', (res) => send(res, '405 Method Not Allowed', 'text/plain', 'method not allowed\n'));
}

function registerDevToken(app: TemplatedApp, mint: NonNullable<HttpDeps['devToken']>, log: Logger): void {
  app.post('/dev/token', (res) => {
    let aborted = false;
    res.onAborted(() => {
      aborted = true;
    });
    const chunks: Buffer[] = [];
    let size = 0;
    res.onData((chunk, last) => {
      size += chunk.byteLength;
      if (size > DEV_BODY_MAX) {
        if (!aborted) send(res, '413 Payload Too Large', 'text/plain', 'body too large\n');
        aborted = true;
        return;
      }
      chunks.push(Buffer.from(chunk.slice(0)));
      if (!last || aborted) return;
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        send(res, '400 Bad Request', 'application/json', JSON.stringify({ error: 'body is not JSON' }));
        return;
      }
      mint(body).then(
        (out) => {
          if (!aborted) send(res, `${out.status} ${out.status === 200 ? 'OK' : 'Bad Request'}`, 'application/json', JSON.stringify(out.body));
        },
        (e: unknown) => {
          log.error({ err: e }, 'dev token failed');
          if (!aborted) send(res, '500 Internal Server Error', 'application/json', JSON.stringify({ error: 'internal' }));
        },
      );
    });
  });
}
