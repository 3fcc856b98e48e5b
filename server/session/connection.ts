import { encodeFrame, decodeFrame } from '../../protocol/codec.ts';
import { CloseCode, ErrorCode } from '../../protocol/errors.ts';
import type { ClientFrame, RequestFrame, RequestType, ServerFrame } from '../../protocol/frames.ts';
import { TokenBucket } from '../../protocol/rate.ts';
import type { ProtocolError } from '../../protocol/result.ts';
import { parseClientFrame } from '../../protocol/validate.ts';
import type { Encoding } from '../../protocol/version.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { dispatch, type HandlerTable } from './dispatch.ts';
import { hello, type HelloDeps } from './hello.ts';
import { Strikes } from './rate-limit.ts';
import type { Session, Transport } from './session.ts';

/** What the gateway gives a connection: a socket, seen only through this. */
export interface Socket {
  readonly encoding: Encoding;
  /** The client's address, for logs and per-address limits. */
  readonly remoteAddress: string;
  /** false when the frame could not be queued (the peer is not reading). */
  send(data: Uint8Array | string): boolean;
  bufferedAmount(): number;
  /** Close handshake with a code; the gateway reports `closed()` afterwards. */
  end(code: number, reason: string): void;
  /** Drop the TCP connection now (dead peer). */
  terminate(): void;
  ping(): void;
}

export interface ConnectionDeps extends HelloDeps {
  handlers: HandlerTable;
  metrics: Metrics;
  log: Logger;
  helloTimeoutMs: number;
  maxBackpressureBytes: number;
  clockToleranceMs: number;
  now: () => number;
}

type State = 'awaiting-hello' | 'authenticating' | 'ready' | 'closed';

/**
 * Malformed frames a signed-in client may send before it is cut. A correct client sends none;
 * one with a bug that repeats on a user's action gets a few error replies, enough for its
 * developer to read, and one forgiven every 10 s lets a long session with a rare slip live.
 */
const PROTOCOL_STRIKES = 10;
const PROTOCOL_STRIKES_FORGIVEN_PER_SEC = 0.1;

/**
 * One WebSocket connection: the trust boundary. Each frame is rate-limited, size-checked,
 * decoded and schema-validated here before any handler sees a typed value; the first frame
 * must be hello, within the hello timeout.
 */
export class Connection implements Transport {
  private state: State = 'awaiting-hello';
  private session: Session | undefined;
  private readonly bucket: TokenBucket;
  private readonly rateStrikes: Strikes;
  private readonly protocolStrikes: Strikes;
  /** Told it is over the rate since a frame last got through: dropped frames get no more replies. */
  private toldRateLimited = false;
  private helloTimer: NodeJS.Timeout | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;
  private requestsInFlight = 0;
  /** Heartbeat pings sent and not yet answered: a pong answering one is not charged to the rate. */
  private pingsUnanswered = 0;
  /** Set while the node drains: no new requests, and the close code to use once those in flight replied. */
  private drainingWith: number | undefined;
  private onClosed: (() => void)[] = [];
  lastHeard: number;

  constructor(
    private readonly socket: Socket,
    private readonly deps: ConnectionDeps,
  ) {
    this.lastHeard = deps.now();
    this.bucket = new TokenBucket(deps.ratePerSec, deps.rateBurst, this.lastHeard);
    // About a second's worth past a burst; a tenth of the rate forgiven each second, so a client
    // overshooting the rate by more than 10% for long is cut however many frames get through.
    this.rateStrikes = new Strikes(2 * deps.rateBurst + deps.ratePerSec, deps.ratePerSec / 10, this.lastHeard);
    this.protocolStrikes = new Strikes(PROTOCOL_STRIKES, PROTOCOL_STRIKES_FORGIVEN_PER_SEC, this.lastHeard);
    this.helloTimer = setTimeout(() => this.close(CloseCode.NOT_AUTHENTICATED, 'no hello in time'), deps.helloTimeoutMs);
  }

  get isReady(): boolean {
    return this.state === 'ready';
  }

  onMessage(message: ArrayBuffer, isBinary: boolean): void {
    if (this.state === 'closed') return;
    const now = this.deps.now();
    this.lastHeard = now;
    // Charged before anything is decoded: garbage costs its sender what a real frame does.
    if (!this.charge(now)) return;
    const decoded = decodeFrame(message, isBinary, this.socket.encoding, this.deps.maxFrameBytes);
    const parsed = decoded.ok ? parseClientFrame(decoded.value) : decoded;
    if (!parsed.ok) return this.protocolError(parsed.error, now);
    const frame = parsed.value;
    this.deps.metrics.framesIn.inc({ type: frame.type });
    this.route(frame, now);
  }

  /**
   * uWS cut the connection for a frame over its hard cap (`maxPayloadLength`, websocket.ts)
   * before any of it reached us; no close frame could be sent, the client sees 1006.
   */
  droppedOversize(): void {
    this.deps.metrics.oversizeDrops.inc();
    this.deps.log.info({ sessionId: this.session?.id, remoteAddress: this.socket.remoteAddress }, 'connection cut by uWS: frame over the transport cap');
  }

  /**
   * A WebSocket ping from the client, already answered by uWS. Charged like a data frame: it
   * costs us a call into JavaScript and a pong written, and no client of ours needs one (a
   * browser cannot send one; the SDK's keepalive is the `ping` request). Measured uncharged: one
   * connection had 730,000 pings answered in 5 s and was never closed; charged, a flood is
   * closed 3 ms in, after a burst and the strikes (351 pings at the default limits).
   */
  onPing(): void {
    if (this.state === 'closed') return;
    const now = this.deps.now();
    this.lastHeard = now;
    this.charge(now);
  }

  /** A pong: free when it answers a heartbeat ping of ours (as every client's does), charged when unsolicited. */
  onPong(): void {
    if (this.state === 'closed') return;
    const now = this.deps.now();
    this.lastHeard = now;
    if (this.pingsUnanswered > 0) this.pingsUnanswered--;
    else this.charge(now);
  }

  /** The socket is gone (any reason). The session waits for a resume. */
  closed(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.helloTimer);
    clearTimeout(this.expiryTimer);
    if (this.session?.detach(this)) {
      if (this.session.ended) this.deps.registry.destroy(this.session);
      else this.deps.registry.detached(this.session);
    }
    for (const done of this.onClosed.splice(0)) done();
  }

  /**
   * The node is going away: takes no new requests, lets those in flight reply (an acked
   * message needs no resend elsewhere), then closes with `code`. Resolves once closed.
   */
  drain(code: number): Promise<void> {
    if (this.state === 'closed') return Promise.resolve();
    const gone = new Promise<void>((resolve) => this.onClosed.push(resolve));
    this.drainingWith = code;
    if (this.requestsInFlight === 0) this.close(code, 'server shutting down');
    return gone;
  }

  /** Transport: frames from the session or a handler. */
  send(frame: ServerFrame): void {
    if (this.state === 'closed') return;
    const sent = this.socket.send(encodeFrame(frame, this.socket.encoding));
    if (!sent || this.socket.bufferedAmount() > this.deps.maxBackpressureBytes) {
      this.close(CloseCode.TOO_SLOW, 'outbound buffer full');
    }
  }

  close(code: number, reason: string): void {
    if (this.state === 'closed') return;
    this.deps.metrics.closes.inc({ code: String(code) });
    this.deps.log.debug({ code, reason, sessionId: this.session?.id }, 'closing connection');
    this.socket.end(code, reason);
    this.closed();
  }

  /** Called by the gateway's heartbeat sweep. */
  heartbeat(now: number, intervalMs: number): void {
    const silent = now - this.lastHeard;
    if (silent > 2 * intervalMs) {
      this.deps.metrics.closes.inc({ code: String(CloseCode.HEARTBEAT_TIMEOUT) });
      this.socket.terminate();
      this.closed();
    } else if (silent >= intervalMs) {
      // A sweep every half interval pings a silent peer, cut after two intervals: no more than four
      // can be waiting for a pong. Credit past that would be free pongs saved up for a flood.
      this.pingsUnanswered = Math.min(this.pingsUnanswered + 1, 4);
      this.socket.ping();
    }
  }

  private route(frame: ClientFrame, now: number): void {
    if (frame.type === 'ack') {
      if (this.state === 'ready') this.session?.ack(frame.seq);
      return;
    }
    if (frame.type === 'hello') {
      if (this.state !== 'awaiting-hello') {
        return this.protocolError({ id: frame.id, code: ErrorCode.ALREADY_AUTHENTICATED, message: 'hello was already sent' }, now);
      }
      this.state = 'authenticating';
      void this.hello(frame as RequestFrame<'hello'>);
      return;
    }
    if (this.state !== 'ready' || !this.session) {
      return this.protocolError({ id: frame.id, code: ErrorCode.HELLO_REQUIRED, message: 'send hello first and wait for its reply' }, now);
    }
    // Closing in a moment with DRAINING: the client sends it again on another node.
    if (this.drainingWith !== undefined) return;
    void this.request(frame as RequestFrame<Exclude<RequestType, 'hello'>>, this.session);
  }

  private async hello(frame: RequestFrame<'hello'>): Promise<void> {
    try {
      const result = await hello(this.deps, frame.data, this);
      if (this.state === 'closed') {
        // Gone before the reply: the session waits out the resume window like any detached one.
        if (result.ok && (result.value.attachAfterReply || result.value.session.detach(this))) this.deps.registry.detached(result.value.session);
        return;
      }
      if (!result.ok) {
        const { error, closeCode, who } = result.error;
        // Never the token: who it names, and why it was refused. An unreachable provider is the operator's to fix.
        const level = error.code === ErrorCode.IDENTITY_UNAVAILABLE ? 'warn' : 'info';
        this.deps.log[level]({ code: error.code, reason: error.message, closeCode, remoteAddress: this.socket.remoteAddress, ...who }, 'hello refused');
        this.replyError(frame.id, error);
        return this.close(closeCode, error.message);
      }
      const { session, reply, replayAfter, attachAfterReply } = result.value;
      clearTimeout(this.helloTimer);
      this.session = session;
      this.state = 'ready';
      this.watchExpiry(session);
      this.send({ type: 'reply', id: frame.id, ok: true, data: reply });
      if (attachAfterReply) {
        session.attach(this);
        this.deps.registry.attached(session);
        // Pushes that came while the snapshot was read, in order, after the reply.
        session.replayAfter(0);
      }
      if (replayAfter !== undefined) session.replayAfter(replayAfter);
    } catch (e) {
      this.deps.log.error({ err: e, remoteAddress: this.socket.remoteAddress }, 'hello failed');
      this.replyError(frame.id, { code: ErrorCode.INTERNAL, message: 'could not start the session, retry' });
      this.close(CloseCode.SERVER_ERROR, 'hello failed');
    }
  }

  private async request(frame: RequestFrame<Exclude<RequestType, 'hello'>>, session: Session): Promise<void> {
    const started = performance.now();
    this.requestsInFlight++;
    try {
      const result = await dispatch(this.deps.handlers, frame.type, { session, identity: session.identity }, frame.data as never);
      if (result.ok) this.send({ type: 'reply', id: frame.id, ok: true, data: result.value });
      else this.replyError(frame.id, result.error);
      if (session.ended) this.close(CloseCode.NORMAL, 'signed out');
    } catch (e) {
      // A handler threw: a bug or an unavailable store. The client may retry with the same ids.
      this.deps.log.error({ err: e, type: frame.type, sessionId: session.id }, 'request failed');
      this.replyError(frame.id, { code: ErrorCode.INTERNAL, message: 'internal error, retry' });
    } finally {
      this.deps.metrics.requestSeconds.observe((performance.now() - started) / 1000, { type: frame.type });
      if (--this.requestsInFlight === 0 && this.drainingWith !== undefined) this.close(this.drainingWith, 'server shutting down');
    }
  }

  /** Closes the connection when the token expires; a resume needs a fresh token. */
  private watchExpiry(session: Session): void {
    clearTimeout(this.expiryTimer);
    const ms = session.identity.expiresAt + this.deps.clockToleranceMs - this.deps.now();
    this.expiryTimer = setTimeout(() => this.close(CloseCode.TOKEN_EXPIRED, 'token expired'), Math.max(0, ms));
  }

  /** One inbound frame (data or control) against the rate limit; false when over it (dealt with here). */
  private charge(now: number): boolean {
    if (!this.bucket.take(now)) {
      this.rateLimited(now);
      return false;
    }
    this.toldRateLimited = false;
    return true;
  }

  /**
   * Over the rate: the frame is dropped unread (a ping has had its pong from uWS already). The
   * client is told once, with an error frame (no reply per frame: an answer to each would let a
   * flood cost us as much as it costs them); one that keeps pushing is cut, and so is one that
   * floods before its session started.
   */
  private rateLimited(now: number): void {
    this.deps.metrics.framesDropped.inc();
    if (this.state !== 'ready') return this.close(CloseCode.RATE_LIMIT_ABUSE, 'too many frames before hello');
    if (this.rateStrikes.add(now)) return this.close(CloseCode.RATE_LIMIT_ABUSE, 'rate limit ignored');
    if (this.toldRateLimited) return;
    this.toldRateLimited = true;
    this.sendError({ code: ErrorCode.RATE_LIMITED, message: 'too many frames: they are dropped unanswered until you slow down' });
  }

  /**
   * A frame that cannot be served as sent: answered, and counted against the client; before
   * hello it ends the connection, and so does a frame over the size limit (1009, as RFC 6455 says).
   */
  private protocolError(error: ProtocolError, now: number): void {
    this.sendError(error);
    if (error.code === ErrorCode.FRAME_TOO_LARGE) return this.close(CloseCode.MESSAGE_TOO_BIG, `frame larger than ${this.deps.maxFrameBytes} bytes`);
    if (this.state !== 'ready') return this.close(CloseCode.PROTOCOL_VIOLATION, 'bad frame before hello');
    if (this.protocolStrikes.add(now)) this.close(CloseCode.PROTOCOL_VIOLATION, 'too many malformed frames');
  }

  /** A reply when the request's id is known, otherwise an error frame. */
  private sendError(error: ProtocolError): void {
    if (error.id !== undefined) return this.replyError(error.id, error);
    this.deps.metrics.errors.inc({ code: String(error.code) });
    this.send({ type: 'error', error: { code: error.code, message: error.message } });
  }

  private replyError(id: number, error: ProtocolError): void {
    this.deps.metrics.errors.inc({ code: String(error.code) });
    this.send({ type: 'reply', id, ok: false, error: { code: error.code, message: error.message } });
  }
}
