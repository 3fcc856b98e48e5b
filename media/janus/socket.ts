import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { err, ok, type Result } from '../../protocol/result.ts';

/** A message from Janus: every one has a `janus` kind; the rest depends on it. */
export type JanusMessage = { janus: string; transaction?: string } & Record<string, unknown>;

export type JanusFailure =
  | { kind: 'timeout'; message: string }
  | { kind: 'closed'; message: string }
  | { kind: 'refused'; message: string; code?: number };

interface Waiting {
  resolve: (r: Result<JanusMessage, JanusFailure>) => void;
  timer: NodeJS.Timeout;
  /** The `ack` is the whole answer (`ACK_ONLY`). */
  ackAnswers: boolean;
}

const asMessage = (text: string): JanusMessage | undefined => {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && typeof (value as { janus?: unknown }).janus === 'string') return value as JanusMessage;
  } catch {
    // not JSON: reported by the caller as an unreadable message
  }
  return undefined;
};

/**
 * One WebSocket to Janus's API (`janus-protocol`) or admin API (`janus-admin-protocol`):
 * requests carry a transaction id and the secret, and each waits for its answer or a deadline.
 * Janus answers an asynchronous request with `ack` first; the waiting goes on to the answer.
 */
/**
 * Requests Janus answers with an `ack` alone (no answer follows): waiting on past it held each
 * trickled candidate's signalling request open until the deadline (REQUEST_TIMEOUT_MS), and a
 * dropped client connection then failed them all.
 */
const ACK_ONLY = new Set(['trickle', 'keepalive']);

export class JanusSocket {
  private readonly waiting = new Map<string, Waiting>();
  private closedWith: string | undefined;
  private readonly listeners = new Set<(m: JanusMessage) => void>();

  private constructor(
    private readonly ws: WebSocket,
    private readonly secret: { field: 'apisecret' | 'admin_secret'; value: string },
  ) {
    ws.on('message', (data) => this.received(data.toString()));
    ws.on('close', () => this.fail(`Janus closed the connection`));
    ws.on('error', (e) => this.fail(`Janus connection failed: ${e.message}`));
  }

  static open(url: string, api: 'api' | 'admin', secret: string, timeoutMs: number): Promise<Result<JanusSocket, JanusFailure>> {
    return new Promise((resolve) => {
      const ws = new WebSocket(url, api === 'api' ? 'janus-protocol' : 'janus-admin-protocol');
      const timer = setTimeout(() => {
        ws.terminate();
        resolve(err({ kind: 'timeout', message: `no WebSocket to Janus at ${url} within ${timeoutMs} ms` }));
      }, timeoutMs);
      ws.once('open', () => {
        clearTimeout(timer);
        resolve(ok(new JanusSocket(ws, { field: api === 'api' ? 'apisecret' : 'admin_secret', value: secret })));
      });
      ws.once('error', (e) => {
        clearTimeout(timer);
        resolve(err({ kind: 'closed', message: `no WebSocket to Janus at ${url}: ${e.message}` }));
      });
    });
  }

  /** Messages no request waits for: events of sessions and handles (`event`, `webrtcup`, `hangup`, `detached`…). */
  onEvent(listener: (m: JanusMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  request(body: Record<string, unknown>, timeoutMs: number): Promise<Result<JanusMessage, JanusFailure>> {
    if (this.closedWith !== undefined) return Promise.resolve(err({ kind: 'closed', message: this.closedWith }));
    const transaction = randomBytes(9).toString('base64url');
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(transaction);
        resolve(err({ kind: 'timeout', message: `Janus did not answer ${String(body.janus)} within ${timeoutMs} ms` }));
      }, timeoutMs);
      this.waiting.set(transaction, { resolve, timer, ackAnswers: ACK_ONLY.has(String(body.janus)) });
      this.ws.send(JSON.stringify({ ...body, transaction, [this.secret.field]: this.secret.value }));
    });
  }

  close(reason = 'closed by lawline'): void {
    this.fail(reason);
    this.ws.terminate();
  }

  private received(text: string): void {
    const message = asMessage(text);
    if (!message) return this.close('Janus sent a message that is not its JSON');
    const waiting = message.transaction === undefined ? undefined : this.waiting.get(message.transaction);
    if (!waiting) {
      for (const listener of this.listeners) listener(message);
      return;
    }
    if (message.janus === 'ack' && !waiting.ackAnswers) return;
    this.waiting.delete(message.transaction as string);
    clearTimeout(waiting.timer);
    if (message.janus === 'error') {
      const error = message.error as { code?: number; reason?: string } | undefined;
      return waiting.resolve(err({ kind: 'refused', message: error?.reason ?? 'refused', ...(error?.code === undefined ? {} : { code: error.code }) }));
    }
    waiting.resolve(ok(message));
  }

  private fail(reason: string): void {
    if (this.closedWith !== undefined) return;
    this.closedWith = reason;
    for (const [id, w] of this.waiting) {
      clearTimeout(w.timer);
      w.resolve(err({ kind: 'closed', message: reason }));
      this.waiting.delete(id);
    }
  }
}
