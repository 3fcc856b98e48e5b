import type { HttpResponse } from 'uWebSockets.js';

const SECURITY_HEADERS: readonly [string, string][] = [
  ['X-Content-Type-Options', 'nosniff'],
  ['Referrer-Policy', 'no-referrer'],
  ['Content-Security-Policy', "default-src 'self'; connect-src 'self' ws: wss:; style-src 'self' 'unsafe-inline'; img-src 'self' data:"],
];

export type BodyRead = { ok: true; body: Buffer } | { ok: false; status: 400 | 413; error: string };

/**
 * One HTTP response, written at most once. uWS throws on any use of a response after it ended
 * or after its client went away (onAborted), and ends the process if a handler returns
 * without answering or registering onAborted; so every handler writes through a Reply, which
 * registers onAborted at once and knows whether anything may still be written.
 */
export class Reply {
  private state: 'open' | 'writing' | 'done' | 'gone' = 'open';
  private onGone: (() => void) | undefined;

  /** `head`: the request was HEAD, whose answer carries headers only (a body would be read as the next response). */
  constructor(
    private readonly res: HttpResponse,
    private readonly head = false,
  ) {
    res.onAborted(() => {
      this.state = 'gone';
      this.onGone?.();
    });
  }

  /** false once answered or once the client went away: nothing more may be written. */
  get open(): boolean {
    return this.state === 'open';
  }

  send(status: string, type: string, body: string | Buffer, headers: readonly [string, string][] = []): void {
    if (this.state !== 'open') return;
    this.state = 'writing';
    this.res.cork(() => {
      this.res.writeStatus(status).writeHeader('Content-Type', type);
      for (const [k, v] of SECURITY_HEADERS) this.res.writeHeader(k, v);
      for (const [k, v] of headers) this.res.writeHeader(k, v);
      if (this.head) this.res.endWithoutBody(Buffer.byteLength(body));
      else this.res.end(body);
    });
    this.state = 'done';
  }

  /**
   * A handler failed: answers `status` if nothing was written yet; cuts the connection if the
   * failure came halfway through writing (half a response must not pass for a whole one).
   */
  fail(status: string): void {
    if (this.state === 'open') this.send(status, 'application/json', JSON.stringify({ error: status.replace(/^\d+ /, '').toLowerCase() }));
    else if (this.state === 'writing') {
      this.state = 'done';
      this.res.close();
    }
  }

  /**
   * The request body, up to `max` bytes. uWS hands body chunks only to a handler registered
   * before the route callback returns: call this before the handler's first await.
   */
  readBody(max: number): Promise<BodyRead> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      this.onGone = () => resolve({ ok: false, status: 400, error: 'client went away' });
      // uWS calls this outside the route callback (and its guard): a throw here would end the
      // process, so it becomes the handler's rejection instead.
      this.res.onData((chunk, last) => {
        try {
          if (size > max) return;
          size += chunk.byteLength;
          if (size > max) return resolve({ ok: false, status: 413, error: `body over ${max} bytes` });
          // uWS reuses the chunk's memory once this callback returns: copy it.
          chunks.push(Buffer.from(chunk.slice(0)));
          if (last) resolve({ ok: true, body: Buffer.concat(chunks) });
        } catch (e) {
          reject(e);
        }
      });
    });
  }
}
