import { isUtf8 } from 'node:buffer';
import type { HttpRequest, TemplatedApp } from 'uWebSockets.js';
import { LIMITS } from '../../protocol/frames.ts';
import { checkJson } from '../../protocol/json-guard.ts';
import type { Identity } from '../auth/identity.ts';
import type { HttpOperation } from '../auth/permissions.ts';
import type { Logger } from '../log.ts';
import type { Authorize } from './authorize.ts';
import { guardHttp } from './guard.ts';
import type { Reply } from './reply.ts';

export interface ApiRequest {
  /** Path parameters by name (`/api/roster/:day` -> `day`). */
  params: Record<string, string>;
  /** The Authorization header, as sent. */
  authorization: string;
  /** Parsed JSON body; undefined for GET. */
  body: unknown;
  /** The query string's parameters. */
  query: URLSearchParams;
  /** Who called, for a route that names an operation of the permission table. */
  caller?: Identity;
}

/** JSON (`body`), or a document of another type sent as it is (`document`: an HTML page to print). */
export type ApiReply = { status: number; body: unknown } | { status: number; document: { type: string; text: string; headers?: readonly [string, string][] } };

export interface ApiRoute {
  method: 'get' | 'put' | 'post';
  /** uWS pattern, e.g. `/api/roster/:day`. */
  pattern: string;
  /**
   * The operation of the permission table (`auth/permissions.ts`) this route performs: the
   * caller's bearer token is verified and checked against it before the route runs. `public`:
   * anyone who can reach the listener (the development token).
   */
  access: HttpOperation | 'public';
  /** Largest body accepted. */
  maxBody?: number;
  handle(request: ApiRequest): Promise<ApiReply>;
}

const STATUS: Record<number, string> = { 200: 'OK', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 413: 'Payload Too Large', 500: 'Internal Server Error', 503: 'Service Unavailable' };
const DEFAULT_MAX_BODY = 64 * 1024;

export interface ApiDeps {
  authorize: Authorize;
  log: Logger;
}

/**
 * JSON-over-HTTP routes (operations APIs, the development token): caller authorized against
 * the permission table, path parameters decoded, body size-limited and parsed here; bad input
 * is answered `{error}` with a 4xx status.
 */
export function registerApi(app: TemplatedApp, routes: readonly ApiRoute[], { authorize, log }: ApiDeps): void {
  for (const route of routes) {
    const names = [...route.pattern.matchAll(/:(\w+)/g)].map((m) => m[1] as string);
    app[route.method](
      route.pattern,
      guardHttp(log, async (reply, req) => {
        // uWS request objects die at the first await: read what we need now, and start reading the body.
        const params = pathParams(req, names);
        const authorization = req.getHeader('authorization');
        const query = new URLSearchParams(req.getQuery() ?? '');
        const reading = route.method === 'get' ? undefined : reply.readBody(route.maxBody ?? DEFAULT_MAX_BODY);
        // A request refused below is answered without awaiting its body: should reading it still
        // fail, the rejection must not go unhandled (Node would end the process). When it is
        // awaited, the guard logs it again and answers 500.
        reading?.catch((e: unknown) => log.error({ err: e, route: route.pattern }, 'reading a request body failed'));
        if (!params) return answer(reply, { status: 400, body: { error: 'a path parameter is not valid percent-encoded UTF-8' } });
        // Refused callers are answered before their body has even arrived.
        const caller = route.access === 'public' ? undefined : await authorize(route.access, authorization);
        if (caller && !caller.ok) return answer(reply, caller.error);
        let body: unknown;
        if (reading) {
          const read = await reading;
          if (!read.ok) return answer(reply, { status: read.status, body: { error: read.error } });
          const parsed = parseJson(read.body);
          if (!parsed.ok) return answer(reply, { status: 400, body: { error: parsed.error } });
          body = parsed.value;
        }
        answer(reply, await route.handle({ params, authorization, body, query, ...(caller?.ok ? { caller: caller.value } : {}) }));
      }),
    );
  }
}

function answer(reply: Reply, out: ApiReply): void {
  const status = `${out.status} ${STATUS[out.status] ?? ''}`.trim();
  if ('document' in out) reply.send(status, out.document.type, out.document.text, out.document.headers);
  else reply.send(status, 'application/json', JSON.stringify(out.body));
}

/** Path parameters, percent-decoded; undefined when one is not valid percent-encoded UTF-8. */
function pathParams(req: HttpRequest, names: readonly string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (const [i, name] of names.entries()) {
    const raw = req.getParameter(i) ?? '';
    try {
      params[name] = decodeURIComponent(raw);
    } catch {
      // decodeURIComponent's only failure (URIError) means the client sent bad encoding: a 400, not a bug to log.
      return undefined;
    }
  }
  return params;
}

function parseJson(body: Buffer): { ok: true; value: unknown } | { ok: false; error: string } {
  // toString would turn bad bytes into U+FFFD silently: a name stored as replacement characters.
  if (!isUtf8(body)) return { ok: false, error: 'body is not UTF-8' };
  const text = body.toString('utf8');
  // The WebSocket frames' check: a name escaping a lone surrogate would make a token every hello refuses.
  const bad = checkJson(text, LIMITS.maxDepth);
  if (bad) return { ok: false, error: bad.message };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    // JSON.parse throws only SyntaxError, for input that is not JSON: answered 400 by the caller.
    return { ok: false, error: 'body is not JSON' };
  }
}
