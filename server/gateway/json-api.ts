import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import type { Logger } from '../log.ts';

export interface ApiRequest {
  /** Path parameters by name (`/api/roster/:day` -> `day`). */
  params: Record<string, string>;
  /** The Authorization header, as sent. */
  authorization: string;
  /** Parsed JSON body; undefined for GET. */
  body: unknown;
}

export interface ApiReply {
  status: number;
  body: unknown;
}

export interface ApiRoute {
  method: 'get' | 'put' | 'post';
  /** uWS pattern, e.g. `/api/roster/:day`. */
  pattern: string;
  /** Largest body accepted. */
  maxBody?: number;
  handle(request: ApiRequest): Promise<ApiReply>;
}

const STATUS: Record<number, string> = { 200: 'OK', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 413: 'Payload Too Large', 500: 'Internal Server Error', 503: 'Service Unavailable' };

export type Send = (res: HttpResponse, status: string, type: string, body: string) => void;

/**
 * JSON-over-HTTP routes (operations APIs, the development token): body size-limited and
 * parsed here, errors answered as `{error}` with a status, never a thrown exception.
 */
export function registerApi(app: TemplatedApp, routes: readonly ApiRoute[], send: Send, log: Logger): void {
  for (const route of routes) {
    app[route.method](route.pattern, (res: HttpResponse, req: HttpRequest) => {
      // uWS request objects die when this callback returns: read what we need now.
      const names = [...route.pattern.matchAll(/:(\w+)/g)].map((m) => m[1] as string);
      const params = Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(req.getParameter(i) ?? '')]));
      const authorization = req.getHeader('authorization');
      let aborted = false;
      res.onAborted(() => {
        aborted = true;
      });
      const reply = (out: ApiReply) => {
        if (!aborted) send(res, `${out.status} ${STATUS[out.status] ?? ''}`.trim(), 'application/json', JSON.stringify(out.body));
      };
      const run = (body: unknown) =>
        route.handle({ params, authorization, body }).then(reply, (e: unknown) => {
          log.error({ err: e, route: route.pattern }, 'api route failed');
          reply({ status: 500, body: { error: 'internal error' } });
        });
      if (route.method === 'get') return void run(undefined);
      readJson(res, route.maxBody ?? 64 * 1024, (parsed) => {
        if (parsed.ok) void run(parsed.value);
        else reply({ status: parsed.status, body: { error: parsed.error } });
      });
    });
  }
}

function readJson(res: HttpResponse, max: number, done: (r: { ok: true; value: unknown } | { ok: false; status: number; error: string }) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  res.onData((chunk, last) => {
    if (over) return;
    size += chunk.byteLength;
    if (size > max) {
      over = true;
      return done({ ok: false, status: 413, error: `body over ${max} bytes` });
    }
    chunks.push(Buffer.from(chunk.slice(0)));
    if (!last) return;
    try {
      done({ ok: true, value: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
    } catch {
      done({ ok: false, status: 400, error: 'body is not JSON' });
    }
  });
}
