import type { TemplatedApp } from 'uWebSockets.js';
import type { Logger } from '../log.ts';
import type { Authorize } from './authorize.ts';
import { guardHttp } from './guard.ts';
import { registerApi, type ApiRoute } from './json-api.ts';
import type { Reply } from './reply.ts';
import type { StaticFile } from './static.ts';

export interface HttpDeps {
  ready: () => boolean;
  metricsText: () => string;
  staticFiles: Map<string, StaticFile>;
  /** JSON routes on the client port: the development token route, when the dev identity serves it. */
  clientApi: readonly ApiRoute[];
  /** JSON routes on the operations listener: the operations API (`/api/*`). */
  opsApi: readonly ApiRoute[];
  authorize: Authorize;
  log: Logger;
}

type Handler = Parameters<typeof guardHttp>[1];

function routing(app: TemplatedApp, deps: HttpDeps) {
  // GET routes answer HEAD too (load balancers probe with it), with the same headers and no body.
  const get = (pattern: string, handler: Handler) => {
    const guarded = guardHttp(deps.log, handler);
    app.get(pattern, guarded).head(pattern, guarded);
  };
  // Both listeners answer the probes: load balancers check the client port, operators the other.
  get('/healthz', (reply) => reply.send('200 OK', 'text/plain', 'ok\n'));
  get('/readyz', (reply) => (deps.ready() ? reply.send('200 OK', 'text/plain', 'ready\n') : reply.send('503 Service Unavailable', 'text/plain', 'not ready\n')));
  return { get, api: (routes: readonly ApiRoute[]) => registerApi(app, routes, deps) };
}

/** The client port: probes, the web page, and the development token route. No metrics, no operations API. */
export function registerClientRoutes(app: TemplatedApp, deps: HttpDeps): void {
  const { get, api } = routing(app, deps);
  api(deps.clientApi);
  get('/*', (reply, req) => {
    const file = deps.staticFiles.get(req.getUrl());
    if (file) reply.send('200 OK', file.contentType, file.body);
    else if (req.getUrl() === '/') reply.send('503 Service Unavailable', 'text/plain', 'web client not built: run npm run build:web\n');
    else notFound(reply);
  });
  app.any('/*', guardHttp(deps.log, (reply, req) => (deps.staticFiles.has(req.getUrl()) ? notAllowed(reply) : notFound(reply))));
}

/** The internal operations listener: probes, /metrics and the operations API. */
export function registerOpsRoutes(app: TemplatedApp, deps: HttpDeps): void {
  const { get, api } = routing(app, deps);
  get('/metrics', (reply) => reply.send('200 OK', 'text/plain; version=0.0.4', deps.metricsText()));
  api(deps.opsApi);
  app.any('/*', guardHttp(deps.log, notFound));
}

const notFound = (reply: Reply) => reply.send('404 Not Found', 'text/plain', 'not found\n');
const notAllowed = (reply: Reply) => reply.send('405 Method Not Allowed', 'text/plain', 'method not allowed\n');
