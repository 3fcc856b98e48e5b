import type { TemplatedApp } from 'uWebSockets.js';
import type { Logger } from '../log.ts';
import { guardHttp } from './guard.ts';
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

export function registerHttpRoutes(app: TemplatedApp, deps: HttpDeps): void {
  // GET routes answer HEAD too (load balancers probe with it), with the same headers and no body.
  const get = (pattern: string, handler: Parameters<typeof guardHttp>[1]) => {
    const guarded = guardHttp(deps.log, handler);
    app.get(pattern, guarded).head(pattern, guarded);
  };
  get('/healthz', (reply) => reply.send('200 OK', 'text/plain', 'ok\n'));
  get('/readyz', (reply) => (deps.ready() ? reply.send('200 OK', 'text/plain', 'ready\n') : reply.send('503 Service Unavailable', 'text/plain', 'not ready\n')));
  get('/metrics', (reply) => reply.send('200 OK', 'text/plain; version=0.0.4', deps.metricsText()));
  registerApi(app, deps.api, deps.log);
  get(
    '/*',
    (reply, req) => {
      const file = deps.staticFiles.get(req.getUrl());
      if (file) reply.send('200 OK', file.contentType, file.body);
      else if (req.getUrl() === '/') reply.send('503 Service Unavailable', 'text/plain', 'web client not built: run npm run build:web\n');
      else reply.send('404 Not Found', 'text/plain', 'not found\n');
    },
  );
  app.any('/*', guardHttp(deps.log, (reply) => reply.send('405 Method Not Allowed', 'text/plain', 'method not allowed\n')));
}
