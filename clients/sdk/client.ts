import { decodeFrame, encodeFrame } from '../../protocol/codec.ts';
import { closeAdvice, CloseCode, ErrorCode } from '../../protocol/errors.ts';
import type { ChatMessageT, ConsultationViewT, PushData, PushEvent, ReplyData, RequestData, RequestType, ServerFrame } from '../../protocol/frames.ts';
import { SUBPROTOCOL_JSON, SUBPROTOCOL_MSGPACK, type Encoding } from '../../protocol/version.ts';
import { Emitter } from './emitter.ts';
import { LawlineError, timeoutError } from './errors.ts';
import { MessageLedger } from './gap-repair.ts';
import { Liveness } from './liveness.ts';
import { Outbox, type ChatAck } from './outbox.ts';
import { messageBytes, OPEN, type WebSocketConstructor, type WebSocketLike } from './socket.ts';

export interface ClientOptions {
  /** One server, or several nodes of a cluster to fail over between (one at a time, in order). */
  url: string | readonly string[];
  token: string | (() => Promise<string>);
  encoding?: Encoding;
  WebSocket?: WebSocketConstructor;
  requestTimeoutMs?: number;
  reconnect?: { minDelayMs: number; maxDelayMs: number };
  ackIntervalMs?: number;
  log?: (msg: string, ctx?: Record<string, unknown>) => void;
}

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';
export type HelloReply = ReplyData<'hello'>;

type Events = { [E in PushEvent]: PushData<E> } & {
  state: ConnectionState;
  resumed: HelloReply;
  snapshot: ConsultationViewT[];
  terminated: { code: number; reason: string };
};

interface Pending {
  resolve: (data: never) => void;
  reject: (e: LawlineError) => void;
  timer: ReturnType<typeof setTimeout>;
}

const ACK_EVERY = 64;

/**
 * A lawline connection that survives its socket: reconnects with backoff, resumes the session
 * (or repairs message gaps from history when the session is gone), and keeps unacknowledged
 * chat messages in an outbox that is resent with the same ids until acknowledged.
 */
export class LawlineClient {
  private readonly events = new Emitter<Events>();
  private readonly outbox = new Outbox();
  private readonly ledger = new MessageLedger(
    (m) => this.events.emit('chat.message', m),
    (data) => this.request('consult.history', data),
    () => this.stopped,
  );
  /** Gives up a socket the server has gone silent on, rather than waiting for TCP to notice. */
  private readonly liveness = new Liveness(
    () => void this.request('ping', {}).catch((e: unknown) => this.opts.log?.('ping failed', { error: String(e) })),
    () => this.abandon(),
  );
  private readonly pending = new Map<number, Pending>();
  private readonly waitingForHello: (() => void)[] = [];
  private socket: WebSocketLike | undefined;
  private ready = false;
  private stopped = false;
  private nextId = 1;
  private attempt = 0;
  /** Which of the urls this client uses now; it moves on when that node drains or fails twice in a row. */
  private urlIndex = 0;
  private sessionId: string | undefined;
  private lastSeq = 0;
  private ackedSeq = 0;
  private ackTimer: ReturnType<typeof setTimeout> | undefined;
  private firstHello: { resolve: (r: HelloReply) => void; reject: (e: unknown) => void } | undefined;
  private readonly opts: Required<Omit<ClientOptions, 'WebSocket' | 'log'>> & Pick<ClientOptions, 'log'> & { WebSocket: WebSocketConstructor };

  constructor(options: ClientOptions) {
    const WS = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!WS) throw new Error('no WebSocket implementation: pass options.WebSocket (e.g. the ws package in Node)');
    this.opts = {
      encoding: 'msgpack',
      requestTimeoutMs: 10_000,
      reconnect: { minDelayMs: 250, maxDelayMs: 10_000 },
      ackIntervalMs: 100,
      ...options,
      WebSocket: WS,
    };
  }

  connect(): Promise<HelloReply> {
    return new Promise((resolve, reject) => {
      this.firstHello = { resolve, reject };
      this.open();
    });
  }

  close(): void {
    this.stopped = true;
    this.socket?.close(1000, 'client closed');
    this.shutdown({ code: 1000, reason: 'client closed' }, false);
  }

  on<K extends keyof Events>(event: K, handler: (payload: Events[K]) => void): () => void {
    return this.events.on(event, handler);
  }

  request<T extends RequestType>(type: T, data: RequestData<T>): Promise<ReplyData<T>> {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(timeoutError(type));
      }, this.opts.requestTimeoutMs);
      this.pending.set(id, { resolve: resolve as (d: never) => void, reject, timer });
      const send = () => this.pending.has(id) && this.send({ type, id, data });
      if (this.ready || type === 'hello') send();
      else this.waitingForHello.push(send);
    });
  }

  /** Writes a chat message; `acked` resolves once the server has it durably, however many reconnects that takes. */
  sendChat(consultationId: string, body: string): { clientMsgId: string; acked: Promise<ChatAck> } {
    const { entry, acked } = this.outbox.add(consultationId, body);
    if (this.ready) this.flushOutbox();
    return { clientMsgId: entry.clientMsgId, acked };
  }

  outboxSize(): number {
    return this.outbox.size;
  }

  private open(): void {
    this.events.emit('state', this.attempt === 0 && !this.sessionId ? 'connecting' : 'reconnecting');
    const urls = typeof this.opts.url === 'string' ? [this.opts.url] : this.opts.url;
    const ws = new this.opts.WebSocket(urls[this.urlIndex % urls.length] as string, this.opts.encoding === 'msgpack' ? SUBPROTOCOL_MSGPACK : SUBPROTOCOL_JSON);
    ws.binaryType = 'arraybuffer';
    this.socket = ws;
    // Opened and greeted within the request timeout, or given up: a connect or a hello can die silently too.
    this.liveness.watch(this.opts.requestTimeoutMs);
    ws.onopen = () => void this.hello();
    ws.onmessage = (ev: { data: unknown }) => this.socket === ws && this.receive(ev.data);
    ws.onerror = () => this.opts.log?.('socket error');
    ws.onclose = (ev: { code: number; reason: string }) => {
      if (this.socket === ws) this.lost(ev.code, ev.reason);
    };
  }

  private async hello(): Promise<void> {
    try {
      const token = typeof this.opts.token === 'string' ? this.opts.token : await this.opts.token();
      const resume = this.sessionId ? { sessionId: this.sessionId, lastSeq: this.lastSeq } : undefined;
      const reply = await this.request('hello', resume ? { token, resume } : { token });
      this.ready = true;
      this.attempt = 0;
      // The server drops a client silent for two heartbeats; the client holds the server to the same.
      this.liveness.watch(2 * reply.heartbeatMs, reply.heartbeatMs);
      if (reply.resumed) this.events.emit('resumed', reply);
      else this.startedAfresh(reply);
      this.events.emit('state', 'open');
      for (const send of this.waitingForHello.splice(0)) send();
      this.flushOutbox();
      this.firstHello?.resolve(reply);
      this.firstHello = undefined;
    } catch (e) {
      // A refused hello is followed by the server's close code, which decides what happens next.
      this.opts.log?.('hello failed', { error: String(e) });
      if (this.firstHello && e instanceof LawlineError && !e.retryable) {
        this.firstHello.reject(e);
        this.firstHello = undefined;
      }
    }
  }

  private startedAfresh(reply: HelloReply): void {
    const firstEver = this.sessionId === undefined;
    this.sessionId = reply.sessionId;
    this.lastSeq = reply.seq;
    this.ackedSeq = reply.seq;
    const consultations = reply.snapshot?.consultations ?? [];
    if (firstEver) {
      for (const c of consultations) this.ledger.know(c);
    } else {
      void this.ledger
        .repair(consultations)
        .catch((e: unknown) => this.opts.log?.('gap repair failed', { error: String(e) }));
    }
    this.events.emit('snapshot', consultations);
  }

  private flushOutbox(): void {
    for (const entry of this.outbox.unsent()) {
      entry.inFlight = true;
      this.request('chat.send', { consultationId: entry.consultationId, clientMsgId: entry.clientMsgId, body: entry.body }).then(
        (ack) => {
          this.ledger.sent(entry.consultationId, ack.seq);
          this.outbox.settle(entry.clientMsgId, { ack });
        },
        (e: LawlineError) => {
          entry.inFlight = false;
          if (!e.retryable) this.outbox.settle(entry.clientMsgId, { error: e });
          // Retryable: it stays; the next reconnect (or this retry, if still connected) resends it.
          else if (this.ready) setTimeout(() => this.ready && this.flushOutbox(), 500);
        },
      );
    }
  }

  private receive(data: unknown): void {
    this.liveness.heard();
    const { bytes, isBinary } = messageBytes(data);
    const decoded = decodeFrame(bytes, isBinary, this.opts.encoding, Number.MAX_SAFE_INTEGER);
    if (!decoded.ok) return this.opts.log?.('undecodable frame from server', { error: decoded.error.message });
    const frame = decoded.value as ServerFrame;
    if (frame.type === 'reply') {
      const p = this.pending.get(frame.id);
      if (!p) return;
      this.pending.delete(frame.id);
      clearTimeout(p.timer);
      if (frame.ok) p.resolve(frame.data as never);
      else p.reject(new LawlineError(frame.error.code, frame.error.message));
    } else if (frame.type === 'push') {
      if (frame.seq <= this.lastSeq) return;
      this.lastSeq = frame.seq;
      this.dispatch(frame.event, frame.data);
      this.scheduleAck();
    } else {
      this.opts.log?.('server error', { code: frame.error.code, message: frame.error.message });
    }
  }

  private dispatch(event: PushEvent, data: unknown): void {
    if (event === 'chat.message') return this.ledger.live(data as ChatMessageT);
    if (event === 'consult.state') this.ledger.know((data as PushData<'consult.state'>).consultation);
    this.events.emit(event, data as never);
  }

  private scheduleAck(): void {
    if (this.lastSeq - this.ackedSeq >= ACK_EVERY) return this.sendAck();
    this.ackTimer ??= setTimeout(() => this.sendAck(), this.opts.ackIntervalMs);
  }

  private sendAck(): void {
    clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    if (this.lastSeq > this.ackedSeq && this.send({ type: 'ack', seq: this.lastSeq })) this.ackedSeq = this.lastSeq;
  }

  private send(frame: unknown): boolean {
    if (!this.socket || this.socket.readyState !== OPEN) return false;
    this.socket.send(encodeFrame(frame, this.opts.encoding));
    return true;
  }

  /** The server went silent: give its socket up now and reconnect (a close event it may yet fire is ignored). */
  private abandon(): void {
    const ws = this.socket;
    if (!ws) return;
    this.lost(CloseCode.HEARTBEAT_TIMEOUT, 'server silent');
    ws.close(1000, 'server silent');
  }

  private lost(code: number, reason: string): void {
    this.liveness.stop();
    this.ready = false;
    this.socket = undefined;
    clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    this.ackedSeq = Math.min(this.ackedSeq, this.lastSeq);
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(timeoutError('connection lost'));
      this.pending.delete(id);
    }
    if (this.stopped) return;
    const advice = closeAdvice(code);
    if (advice === 'stop' || (advice === 'reauthenticate' && typeof this.opts.token === 'string')) {
      return this.shutdown({ code, reason }, true);
    }
    // A node that is draining is going away; one that failed twice is likely gone: try the next.
    if (code === CloseCode.DRAINING || this.attempt >= 1) this.urlIndex++;
    const { minDelayMs, maxDelayMs } = this.opts.reconnect;
    const delay = Math.random() * Math.min(maxDelayMs, minDelayMs * 2 ** this.attempt++);
    this.events.emit('state', 'reconnecting');
    setTimeout(() => !this.stopped && this.open(), delay);
  }

  private shutdown(why: { code: number; reason: string }, terminated: boolean): void {
    this.stopped = true;
    this.ready = false;
    this.liveness.stop();
    const error = new LawlineError(ErrorCode.FORBIDDEN, `connection ended (${why.code}${why.reason ? `: ${why.reason}` : ''})`);
    for (const entry of this.outbox.all()) this.outbox.settle(entry.clientMsgId, { error });
    this.firstHello?.reject(error);
    this.firstHello = undefined;
    this.events.emit('state', 'closed');
    if (terminated) this.events.emit('terminated', why);
  }
}
