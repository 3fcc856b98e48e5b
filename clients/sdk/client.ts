import { decodeFrame, encodeFrame } from '../../protocol/codec.ts';
import { CloseCode, ErrorCode } from '../../protocol/errors.ts';
import {
  LIMITS,
  type ChatMessageT,
  type ConsultationViewT,
  type PushData,
  type PushEvent,
  type PushFrame,
  type ReplyData,
  type RequestData,
  type RequestType,
  type ServerFrame,
} from '../../protocol/frames.ts';
import { SUBPROTOCOL_JSON, SUBPROTOCOL_MSGPACK, type Encoding } from '../../protocol/version.ts';
import { ChatSender, type PendingChat } from './chat-sender.ts';
import { Emitter } from './emitter.ts';
import { LawlineError, timeoutError } from './errors.ts';
import { MessageLedger, REMEMBERED_CONSULTATIONS } from './gap-repair.ts';
import { Liveness } from './liveness.ts';
import { randomId } from './ids.ts';
import { OfferBook } from './offers.ts';
import { OUTBOX_MAX, type ChatAck } from './outbox.ts';
import { Pacer } from './pacer.ts';
import { ReconnectPolicy } from './reconnect.ts';
import { untilAnswered } from './resend.ts';
import { SavedState } from './saved.ts';
import { SessionHold } from './session-lock.ts';
import { messageBytes, OPEN, type WebSocketConstructor, type WebSocketLike } from './socket.ts';
import type { ClientStore } from './store.ts';

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
  /**
   * Where to keep the session, the unacknowledged chat messages and how far each consultation
   * was delivered, so that a client built on the same store after a page reload resumes where
   * this one was (README: a reload). One per tab: a browser's sessionStorage (`WebStorageStore`).
   */
  store?: ClientStore;
  /** Prefix of the store's keys (default `lawline`). */
  storeKey?: string;
}

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';
export type HelloReply = ReplyData<'hello'>;
/** What `requestConsultation` asks: `clientRequestId` only to carry on a request from before (see there). */
export type ConsultationRequest = RequestData<'consult.request'>;

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
  private readonly chats = new ChatSender({
    send: (entry) => this.request('chat.send', { consultationId: entry.consultationId, clientMsgId: entry.clientMsgId, body: entry.body }),
    connected: () => this.ready,
    stored: (consultationId, seq) => this.ledger.sent(consultationId, seq),
    save: (entries) => this.saved.saveOutbox(entries),
    log: (msg, ctx) => this.opts.log?.(msg, ctx),
  });
  private readonly ledger = new MessageLedger(
    (m) => this.events.emit('chat.message', m),
    (data) => this.request('consult.history', data),
    () => this.stoppedBy !== undefined,
    (m) => this.chats.foundStored(m, this.me),
  );
  /** Gives up a socket the server has gone silent on, rather than waiting for TCP to notice. */
  private readonly liveness = new Liveness(
    () => void this.request('ping', {}).catch((e: unknown) => this.opts.log?.('ping failed', { error: String(e) })),
    () => this.abandon(),
  );
  /** Offers ringing here; one whose end arrived first (from another node) is never emitted. */
  private readonly offers = new OfferBook();
  private readonly pending = new Map<number, Pending>();
  private readonly waitingForHello: (() => void)[] = [];
  private readonly pacer = new Pacer();
  /** The server's frame limit, from its hello reply; the protocol's until then. */
  private maxFrameBytes: number = LIMITS.maxFrameBytes;
  private socket: WebSocketLike | undefined;
  private ready = false;
  /**
   * Set once the client has stopped (closed, ended by the server, given up): it never
   * reconnects, and every later request, chat message and connect() fails with this at once.
   */
  private stoppedBy: LawlineError | undefined;
  private nextId = 1;
  private readonly reconnect: ReconnectPolicy;
  private sessionId: string | undefined;
  private lastSeq = 0;
  private ackedSeq = 0;
  private ackTimer: ReturnType<typeof setTimeout> | undefined;
  private firstHello: { resolve: (r: HelloReply) => void; reject: (e: unknown) => void } | undefined;
  /** Who this client speaks for: from the hello reply, or the saved state until then. */
  private me: string | undefined;
  private readonly saved: SavedState;
  /** The saved session was restored: after resuming it, read the consultations for the app, which lost its view. */
  private restoring = false;
  /** Another live client holds the saved session (a duplicated tab): start a new one instead. */
  private resumeRefused = false;
  private readonly hold: SessionHold;
  /** Pushes held back while `restoring`, until the consultations are read. */
  private held: PushFrame[] | undefined;
  private readonly opts: Required<Omit<ClientOptions, 'WebSocket' | 'log' | 'store' | 'storeKey'>> & Pick<ClientOptions, 'log'> & { WebSocket: WebSocketConstructor };

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
    const urls = typeof this.opts.url === 'string' ? [this.opts.url] : this.opts.url;
    this.reconnect = new ReconnectPolicy(urls, this.opts.reconnect, typeof this.opts.token !== 'string');
    this.hold = new SessionHold(this.opts.log);
    this.saved = new SavedState(options.store, options.storeKey ?? 'lawline', this.opts.log, {
      outbox: OUTBOX_MAX,
      consultations: REMEMBERED_CONSULTATIONS,
      offers: LIMITS.maxCapacity,
    });
    this.restoreSaved();
  }

  async connect(): Promise<HelloReply> {
    if (this.stoppedBy) throw this.stoppedBy;
    await this.holdSavedSession();
    if (this.stoppedBy) throw this.stoppedBy;
    return new Promise((resolve, reject) => {
      this.firstHello = { resolve, reject };
      this.open();
    });
  }

  /**
   * Stops for good. What the store holds stays for the next client on it (a page being left
   * without signing out), unless `forget`: sign-out, after which nothing of this person is kept.
   */
  close(options: { forget?: boolean } = {}): void {
    if (!this.stoppedBy) {
      this.shutdown({ code: 1000, reason: 'client closed' }, false, new LawlineError(ErrorCode.CLIENT_CLOSED, 'client closed'));
      this.socket?.close(1000, 'client closed');
    }
    if (options.forget) this.saved.forget();
  }

  on<K extends keyof Events>(event: K, handler: (payload: Events[K]) => void): () => void {
    return this.events.on(event, handler);
  }

  request<T extends RequestType>(type: T, data: RequestData<T>): Promise<ReplyData<T>> {
    if (this.stoppedBy) return Promise.reject(this.stoppedBy);
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(timeoutError(type));
      }, this.opts.requestTimeoutMs);
      this.pending.set(id, { resolve: resolve as (d: never) => void, reject, timer });
      const send = () => {
        if (this.pending.has(id) && this.send({ type, id, data }) === 'too-large') {
          this.settle(id, new LawlineError(ErrorCode.FRAME_TOO_LARGE, `${type}: frame larger than the server's limit of ${this.maxFrameBytes} bytes`));
        }
      };
      if (this.ready || type === 'hello') send();
      else this.waitingForHello.push(send);
    });
  }

  /**
   * Writes a chat message; `acked` resolves once the server has it durably, however many
   * reconnects (and, with a store, page reloads: see `pendingChats`) that takes. Refused at once
   * with OUTBOX_FULL while `OUTBOX_MAX` messages wait for their acks.
   */
  sendChat(consultationId: string, body: string): { clientMsgId: string; acked: Promise<ChatAck> } {
    return this.chats.write(consultationId, body, this.stoppedBy);
  }

  /** Chat messages written and not yet acknowledged, oldest first: after a reload, those the page before left (show them as sending). */
  pendingChats(): PendingChat[] {
    return this.chats.pending();
  }

  /**
   * The highest message seq of the consultation given to the app as `chat.message` (or known
   * from a snapshot when it was first seen). After a reload, the app shows the history up to it;
   * every later message comes as a `chat.message` event, once.
   */
  deliveredUpTo(consultationId: string): number | undefined {
    return this.ledger.deliveredUpTo(consultationId);
  }

  /**
   * Asks for a consultation so that asking again is safe. The request carries a
   * `clientRequestId`, drawn here unless `data` has one, and is sent again with it after a lost
   * connection, a request timeout or a server failure (5xxx), until the server answers: a reply
   * lost on the way back (the request went through while the device was cut off) then gets the
   * consultation the first send made, as it stands now, never a second one. `answered` rejects
   * on a refusal (4002 too many open, ...) or once the client stops. An app that may be closed
   * before the answer keeps `clientRequestId` and passes it in `data` when it asks again after a
   * restart: the server remembers it for a day. (`request('consult.request', ...)` sends the
   * frame once, as given: without an id, each retry of it would open another consultation.)
   */
  requestConsultation(data: ConsultationRequest): { clientRequestId: string; answered: Promise<ReplyData<'consult.request'>> } {
    const clientRequestId = data.clientRequestId ?? randomId('q');
    const answered = untilAnswered(() => this.request('consult.request', { ...data, clientRequestId }));
    return { clientRequestId, answered };
  }

  outboxSize(): number {
    return this.chats.size;
  }

  /** The offers ringing for this lawyer now: each `offer` event not yet followed by its `offer.ended`. */
  openOffers(): PushData<'offer'>[] {
    return this.offers.list();
  }

  private open(): void {
    this.events.emit('state', this.reconnect.reconnecting || this.sessionId ? 'reconnecting' : 'connecting');
    const ws = new this.opts.WebSocket(this.reconnect.url, this.opts.encoding === 'msgpack' ? SUBPROTOCOL_MSGPACK : SUBPROTOCOL_JSON);
    ws.binaryType = 'arraybuffer';
    this.socket = ws;
    let opened = false;
    // Opened and greeted within the request timeout, or given up: a connect or a hello can die silently too.
    this.liveness.watch(this.opts.requestTimeoutMs);
    ws.onopen = () => {
      opened = true;
      void this.hello();
    };
    ws.onmessage = (ev: { data: unknown }) => this.socket === ws && this.receive(ev.data);
    ws.onerror = () => this.opts.log?.('socket error');
    ws.onclose = (ev: { code: number; reason: string }) => {
      if (this.socket === ws) this.lost(ev.code, ev.reason, opened);
    };
  }

  private async hello(): Promise<void> {
    try {
      const token = typeof this.opts.token === 'string' ? this.opts.token : await this.opts.token();
      const resume = this.sessionId && !this.resumeRefused ? { sessionId: this.sessionId, lastSeq: this.lastSeq } : undefined;
      // Held from before the reply: `ws` may hand over the replay in the same turn as the reply.
      if (this.restoring) this.held = [];
      const reply = await this.request('hello', resume ? { token, resume } : { token });
      this.ready = true;
      this.reconnect.helloAnswered();
      this.maxFrameBytes = reply.limits?.maxFrameBytes ?? LIMITS.maxFrameBytes;
      this.pacer.configure(reply.limits);
      // The server drops a client silent for two heartbeats; the client holds the server to the same.
      this.liveness.watch(2 * reply.heartbeatMs, reply.heartbeatMs);
      const sameUser = this.me === undefined || this.me === reply.user.id;
      if (!sameUser) this.anotherUser();
      this.chats.signedIn(sameUser);
      this.me = reply.user.id;
      if (reply.resumed) this.events.emit('resumed', reply);
      else this.startedAfresh(reply);
      if (this.restoring) this.restore();
      this.saveSession();
      this.events.emit('state', 'open');
      for (const send of this.waitingForHello.splice(0)) send();
      this.chats.flush();
      this.firstHello?.resolve(reply);
      this.firstHello = undefined;
    } catch (e) {
      // A refused hello is followed by the server's close code, which decides what happens next.
      this.opts.log?.('hello failed', { error: String(e) });
      // Refused here, before sending: every later hello would be refused the same way.
      if (e instanceof LawlineError && e.code === ErrorCode.FRAME_TOO_LARGE) return this.giveUp(e, CloseCode.MESSAGE_TOO_BIG);
      if (this.firstHello && e instanceof LawlineError && !e.retryable) {
        this.firstHello.reject(e);
        this.firstHello = undefined;
      }
    }
  }

  private startedAfresh(reply: HelloReply): void {
    const firstEver = this.sessionId === undefined;
    if (this.saved.enabled) this.hold.started(reply.sessionId);
    this.sessionId = reply.sessionId;
    this.resumeRefused = false;
    // A new session has a snapshot: nothing to read, and nothing held was the old session's.
    this.restoring = false;
    this.lastSeq = reply.seq;
    this.ackedSeq = reply.seq;
    const consultations = reply.snapshot?.consultations ?? [];
    if (firstEver) {
      for (const c of consultations) this.ledger.know(c);
    } else {
      this.offers.startOver();
      this.repair(consultations);
    }
    this.events.emit('snapshot', consultations);
    this.releaseHeld();
  }

  private repair(consultations: ConsultationViewT[]): void {
    void this.ledger.repair(consultations).catch((e: unknown) => this.opts.log?.('gap repair failed', { error: String(e) }));
  }

  /** Takes over what the previous client on the store left (a reload): its outbox now, its session once connect() may hold it. */
  private restoreSaved(): void {
    const { session, outbox } = this.saved.load();
    this.chats.inherit(outbox);
    if (!session) return;
    this.me = session.userId;
    this.sessionId = session.sessionId;
    this.lastSeq = session.lastSeq;
    this.ackedSeq = session.lastSeq;
    this.ledger.restore(session.delivered);
    this.offers.restore(session.offers, Date.now());
    this.restoring = true;
  }

  /** Resumes the saved session only if no other live client holds it (a duplicated tab starts with a copy of it). */
  private async holdSavedSession(): Promise<void> {
    if (!this.restoring || this.sessionId === undefined) return;
    const sessionId = this.sessionId;
    const held = await this.hold.claim(sessionId);
    if (this.stoppedBy) return this.hold.release();
    if (held) return;
    this.opts.log?.('another live client holds the saved session: starting a new one', { sessionId });
    this.resumeRefused = true;
    this.restoring = false;
  }

  /** After a reload, the session resumed: the app lost its view, so read the consultations, then pass on the pushes held meanwhile. */
  private restore(): void {
    const socket = this.socket;
    this.request('consult.list', {}).then(
      ({ consultations }) => {
        if (this.socket !== socket) return;
        this.restoring = false;
        // Repair first: it marks each consultation the ledger did not know as delivered up to
        // now, which is what the app shows from history on the snapshot.
        this.repair(consultations);
        this.events.emit('snapshot', consultations);
        this.releaseHeld();
      },
      (e: LawlineError) => {
        this.opts.log?.('reading the consultations after a reload failed', { error: e.message });
        // Lost with its socket: the next resumed hello reads them again. Refused (a role without
        // consultations): there is nothing to read.
        if (this.socket !== socket) return;
        if (e.retryable) return void setTimeout(() => this.socket === socket && this.ready && this.restore(), 500);
        this.restoring = false;
        this.releaseHeld();
      },
    );
  }

  private releaseHeld(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const frame of held) this.handle(frame);
  }

  private saveSession(): void {
    if (!this.saved.enabled || this.sessionId === undefined || this.me === undefined) return;
    this.saved.saveSession({ userId: this.me, sessionId: this.sessionId, lastSeq: this.lastSeq, delivered: this.ledger.saved(), offers: this.offers.list() });
  }

  /** The store held another person's state (they left without signing out): none of it is this person's to see or send. */
  private anotherUser(): void {
    this.opts.log?.("the saved client state was another user's: dropped");
    this.ledger.forget();
    this.offers.startOver();
  }

  private receive(data: unknown): void {
    this.liveness.heard();
    const { bytes, isBinary } = messageBytes(data);
    const decoded = decodeFrame(bytes, isBinary, this.opts.encoding, Number.MAX_SAFE_INTEGER, 'lenient');
    if (!decoded.ok) return this.opts.log?.('undecodable frame from server', { error: decoded.error.message });
    const frame = decoded.value as ServerFrame;
    if (frame.type === 'reply') {
      if (frame.ok) this.settle(frame.id, undefined, frame.data);
      else this.settle(frame.id, new LawlineError(frame.error.code, frame.error.message));
    } else if (frame.type === 'push') {
      if (this.held) this.held.push(frame);
      else this.handle(frame);
    } else {
      this.opts.log?.('server error', { code: frame.error.code, message: frame.error.message });
    }
  }

  private handle(frame: PushFrame): void {
    if (frame.seq <= this.lastSeq) return;
    this.lastSeq = frame.seq;
    this.dispatch(frame.event, frame.data);
    this.scheduleAck();
  }

  private settle(id: number, error: LawlineError | undefined, data?: unknown): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    if (error) p.reject(error);
    else p.resolve(data as never);
  }

  private dispatch(event: PushEvent, data: unknown): void {
    if (event === 'chat.message') return this.ledger.live(data as ChatMessageT);
    if (event === 'consult.state') this.ledger.know((data as PushData<'consult.state'>).consultation);
    // An offer whose end came first (pushed by another node), or the late end of an older offer: not news.
    if (event === 'offer' && !this.offers.offered(data as PushData<'offer'>)) return;
    if (event === 'offer.ended' && !this.offers.end(data as PushData<'offer.ended'>)) return;
    this.events.emit(event, data as never);
  }

  private scheduleAck(): void {
    if (this.lastSeq - this.ackedSeq >= ACK_EVERY) return this.sendAck();
    this.ackTimer ??= setTimeout(() => this.sendAck(), this.opts.ackIntervalMs);
  }

  private sendAck(): void {
    clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    if (this.lastSeq <= this.ackedSeq) return;
    // Saved first: a reload then resumes from at least what the server is about to drop.
    this.saveSession();
    if (this.send({ type: 'ack', seq: this.lastSeq }) === 'sent') this.ackedSeq = this.lastSeq;
  }

  /** Encodes and sends, paced to the server's rate; a frame over the server's size limit is refused here instead. */
  private send(frame: unknown): 'sent' | 'not-open' | 'too-large' {
    const socket = this.socket;
    if (!socket || socket.readyState !== OPEN) return 'not-open';
    const encoded = encodeFrame(frame, this.opts.encoding);
    if (byteLength(encoded) > this.maxFrameBytes) return 'too-large';
    this.pacer.run(() => socket.readyState === OPEN && socket.send(encoded));
    return 'sent';
  }

  /** The server went silent: give its socket up now and reconnect (a close event it may yet fire is ignored). */
  private abandon(): void {
    const ws = this.socket;
    if (!ws) return;
    // 4002 says "retry": a silent path is not counted as a server refusing the hello.
    this.lost(CloseCode.HEARTBEAT_TIMEOUT, 'server silent', false);
    ws.close(1000, 'server silent');
  }

  private lost(code: number, reason: string, opened: boolean): void {
    const helloAnswered = this.ready;
    this.liveness.stop();
    this.ready = false;
    this.pacer.clear();
    this.socket = undefined;
    // Never counted in lastSeq nor acked: the next resume replays them.
    this.held = undefined;
    clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    this.ackedSeq = Math.min(this.ackedSeq, this.lastSeq);
    if (this.stoppedBy) return;
    const next = this.reconnect.afterClose(code, opened, helloAnswered);
    // Stopping fails what was waiting with the reason; otherwise it may be retried once reconnected.
    if (next.kind === 'stop') return this.shutdown({ code, reason }, true);
    if (next.kind === 'give-up') return this.giveUp(next.error, code);
    for (const id of [...this.pending.keys()]) this.settle(id, timeoutError('connection lost'));
    this.events.emit('state', 'reconnecting');
    setTimeout(() => !this.stoppedBy && this.open(), next.delayMs);
  }

  /** Stops for good with `error`: connect() rejects with it, the outbox and pending requests fail with it. */
  private giveUp(error: LawlineError, code: number): void {
    this.shutdown({ code, reason: error.message }, true, error);
    this.socket?.close(1000, 'client gave up');
  }

  private shutdown(
    why: { code: number; reason: string },
    terminated: boolean,
    error = new LawlineError(ErrorCode.FORBIDDEN, `connection ended (${why.code}${why.reason ? `: ${why.reason}` : ''})`),
  ): void {
    if (this.stoppedBy) return;
    this.stoppedBy = error.code === ErrorCode.CLIENT_CLOSED ? error : new LawlineError(ErrorCode.CLIENT_CLOSED, `client stopped: ${error.message}`);
    this.ready = false;
    this.liveness.stop();
    this.pacer.clear();
    clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    // Whatever was waiting (sent, or queued for a hello that will not come) fails now, not at its timeout.
    this.waitingForHello.length = 0;
    for (const id of [...this.pending.keys()]) this.settle(id, error);
    this.chats.abandon(error);
    this.hold.release();
    this.firstHello?.reject(error);
    this.firstHello = undefined;
    this.events.emit('state', 'closed');
    if (terminated) this.events.emit('terminated', why);
  }
}

const utf8 = new TextEncoder();

/** Bytes on the wire: a JSON frame's UTF-8 length. */
function byteLength(frame: Uint8Array | string): number {
  return typeof frame === 'string' ? utf8.encode(frame).byteLength : frame.byteLength;
}
