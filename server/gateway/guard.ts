import type { HttpRequest, HttpResponse, us_socket_context_t } from 'uWebSockets.js';
import type { Logger } from '../log.ts';
import { Reply } from './reply.ts';

/**
 * Every uWS callback runs inside one of these guards. uWS calls our code straight from its
 * event loop, so an exception escaping a callback (or a promise it returned rejecting) ends
 * the whole process: one bad request would drop every session of the node. A guard turns it
 * into an answer for that one request (400 or 500), or a close of that one socket, and a log
 * line with where it happened, never with the body or the headers (tokens live there).
 */

type Outcome = void | Promise<void>;
type LogContext = Record<string, string | number>;

function run(log: Logger, context: LogContext, call: () => Outcome, failed: (e: unknown) => void): void {
  const failedSafely = (e: unknown) => {
    try {
      failed(e);
    } catch (late) {
      log.warn({ err: late, ...context, cause: String(e) }, 'could not answer a failed request: it was already answered, or its client went away');
    }
  };
  try {
    const out = call();
    if (out) out.catch(failedSafely);
  } catch (e) {
    failedSafely(e);
  }
}

/** Method and path (no query: it may carry anything), read before the request object dies with the callback. */
function requestContext(req: HttpRequest): LogContext {
  return { method: req.getMethod().slice(0, 16), path: req.getUrl().slice(0, 200) };
}

/** A decoder refusing what the client sent (bad percent-encoding) is the client's fault; anything else is ours. */
const statusFor = (e: unknown) => (e instanceof URIError ? '400 Bad Request' : '500 Internal Server Error');

function logFailure(log: Logger, e: unknown, context: LogContext, status: string): void {
  if (status.startsWith('4')) log.warn({ err: e, ...context, status: status.slice(0, 3) }, 'request refused: input a decoder could not read');
  else log.error({ err: e, ...context, status: status.slice(0, 3) }, 'request handler failed');
}

/** An HTTP route: the handler writes through a Reply, which may wait across awaits. */
export function guardHttp(log: Logger, handler: (reply: Reply, req: HttpRequest) => Outcome): (res: HttpResponse, req: HttpRequest) => void {
  return (res, req) => {
    const reply = new Reply(res, req.getMethod() === 'head');
    const context = requestContext(req);
    run(log, context, () => handler(reply, req), (e) => {
      const status = statusFor(e);
      logFailure(log, e, context, status);
      reply.fail(status);
    });
  };
}

/**
 * The WebSocket upgrade, which answers on the raw response (it may upgrade it). A handler that
 * answers after an await registers its own onAborted, as uWS requires; if the response is
 * already gone when it fails, uWS refuses the answer and the guard logs that.
 */
export function guardUpgrade(
  log: Logger,
  handler: (res: HttpResponse, req: HttpRequest, context: us_socket_context_t) => Outcome,
): (res: HttpResponse, req: HttpRequest, context: us_socket_context_t) => void {
  return (res, req, socketContext) => {
    const context = requestContext(req);
    run(log, context, () => handler(res, req, socketContext), (e) => {
      const status = statusFor(e);
      logFailure(log, e, context, status);
      res.cork(() => res.writeStatus(status).end());
    });
  };
}

/** A WebSocket event: a failure closes that one socket (`close`), never the process. */
export function guardSocket<W, A extends unknown[]>(log: Logger, event: string, handler: (ws: W, ...args: A) => Outcome, close: (ws: W) => void): (ws: W, ...args: A) => void {
  return (ws, ...args) =>
    run(log, { event }, () => handler(ws, ...args), (e) => {
      log.error({ err: e, event }, 'websocket callback failed; closing that socket');
      close(ws);
    });
}
