import type { HttpResponse, TemplatedApp } from 'uWebSockets.js';
import type { Logger } from '../log.ts';
import { registerApi, type ApiRoute } from './json-api.ts';
import type { StaticFile } from './static.ts';

export interface HttpDeps {
  ready: () => boolean;
  metricsText: () => string;
  staticFiles: Map<string, StaticFile>;
  /** JSON routes: operations APIs, and the development token route when the dev identity is on. */
  api: readonly ApiRoute[];
  log: Logger;
}

const SECURITY_HEADERS: [string, string][] = [
  ['X-Content-Type-Options', 'nosniff'],
  ['Referrer-Policy', 'no-referrer'],
  ['Content-Security-Policy', "default-src 'self'; connect-src 'self' ws: wss:; style-src 'self' 'unsafe-inline'; img-src 'self' data:"],
];
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
  registerApi(app, deps.api, send, deps.log);
  app.get('/*', (res, req) => {
    const file = deps.staticFiles.get(req.getUrl());
    if (file) send(res, '200 OK', file.contentType, file.body);
    else if (req.getUrl() === '/') send(res, '503 Service Unavailable', 'text/plain', 'web client not built: run npm run build:web\n');
    else send(res, '404 Not Found', 'text/plain', 'not found\n');
  });
  app.any('/*', (res) => send(res, '405 Method Not Allowed', 'text/plain', 'method not allowed\n'));
}
