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
import { SUBPROTOCOL_JSON, SUBPROTOCOL_MSGPACK } from '../../protocol/version.ts';
import { ChatSender, type PendingChat } from './chat-sender.ts';
import { Emitter } from './emitter.ts';
import { LawlineError, timeoutError } from './errors.ts';
import { MessageLedger } from './gap-repair.ts';
import { Liveness } from './liveness.ts';
import { randomId } from './ids.ts';
import { OfferBook } from './offers.ts';
import type { ClientEvents, ClientOptions, ConsultationRequest, HelloReply } from './options.ts';
import { OUTBOX_MAX, type ChatAck } from './outbox.ts';
import { Pacer } from './pacer.ts';
import { ReconnectPolicy } from './reconnect.ts';
import { Requests } from './requests.ts';
import { untilAnswered } from './resend.ts';
import { SessionPosition } from './position.ts';
import { messageBytes, OPEN, type WebSocketConstructor, type WebSocketLike } from './socket.ts';

const ACK_EVERY = 64;

/**
 * A lawline connection that survives its socket: reconnects with backoff, resumes the session
 * (or repairs message gaps from history when the session is gone), and keeps unacknowledged
 * chat messages in an outbox that is resent with the same ids until acknowledged.
 */
export class LawlineClient {
  private readonly events = new Emitter<ClientEvents>();
  /** This client's chat messages until each is acked (kept in the store, if there is one). */
  private readonly chats: ChatSender;
  private readonly ledger = new MessageLedger(
    (m) => this.events.emit('chat.message', m),
    (data) => this.request('consult.history', data),
    () => this.stoppedBy !== undefined,
    (m) => this.chats.foundStored(m, this.position.me),
  );
  /** Gives up a socket the server has gone silent on, rather than waiting for TCP to notice. */
  private readonly liveness = new Liveness(
    () => void this.request('ping', {}).catch((e: unknown) => this.opts.log?.('ping failed', { error: String(e) })),
    () => this.abandon(),
  );
  /** Offers ringing here; one whose end arrived first (from another node) is never emitted. */
  private readonly offers = new OfferBook();
  private readonly requests: Requests;
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
  private readonly reconnect: ReconnectPolicy;
  private readonly position: SessionPosition;
  /** The last push acknowledged to the server. */
  private ackedSeq = 0;
  private ackTimer: ReturnType<typeof setTimeout> | undefined;
  private firstHello: { resolve: (r: HelloReply) => void; reject: (e: unknown) => void } | undefined;
  /**
   * Pushes held back: those that arrive before the hello reply is handled, until it is (and,
   * after resuming a saved session, until the consultations are read).
   */
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
      followConsultations: true,
      ...options,
      WebSocket: WS,
    };
    this.requests = new Requests(this.opts.requestTimeoutMs, (frame) => this.send(frame), () => this.maxFrameBytes);
    const urls = typeof this.opts.url === 'string' ? [this.opts.url] : this.opts.url;
    this.reconnect = new ReconnectPolicy(urls, this.opts.reconnect, typeof this.opts.token !== 'string');
    this.chats = new ChatSender({
      send: (entry) => this.request('chat.send', { consultationId: entry.consultationId, clientMsgId: entry.clientMsgId, body: entry.body }),
      connected: () => this.ready,
      stored: (consultationId, seq) => this.ledger.sent(consultationId, seq),
      save: (entries) => this.position.saveOutbox(entries),
      max: options.store ? OUTBOX_MAX : Number.POSITIVE_INFINITY,
      log: (msg, ctx) => this.opts.log?.(msg, ctx),
    });
    const parts = { ledger: this.ledger, offers: this.offers, chats: this.chats };
    this.position = new SessionPosition({ store: options.store, key: options.storeKey ?? 'lawline', log: this.opts.log }, parts);
    this.position.load();
    this.ackedSeq = this.position.lastSeq;
  }

  async connect(): Promise<HelloReply> {
    if (this.stoppedBy) throw this.stoppedBy;
    await this.position.claim(this.opts.log);
    if (this.stoppedBy) {
      this.position.release();
      throw this.stoppedBy;
    }
    return new Promise((resolve, reject) => {
      this.firstHello = { resolve, reject };
      this.open();
    });
  }

  /**
   * Stops for good. What the store holds stays for the next client on it (a page being left
   * without signing out), unless `forget`: sign-out, after which nothing of this person is kept,
   * here or on the server — the session ends there too (`session.end`, sent ahead of the close
   * frame, which the server reads after it), so nobody can resume it and an assistant's seat is
   * free at once. Offline, or with the send rate spent, only the resume window ends it.
   */
  close(options: { forget?: boolean } = {}): void {
    if (!this.stoppedBy) {
      if (options.forget && this.ready) this.request('session.end', {}).catch(() => undefined);
      this.shutdown({ code: 1000, reason: 'client closed' }, false, new LawlineError(ErrorCode.CLIENT_CLOSED, 'client closed'));
      this.socket?.close(1000, 'client closed');
    }
    if (options.forget) this.position.forget();
  }

  on<K extends keyof ClientEvents>(event: K, handler: (payload: ClientEvents[K]) => void): () => void {
    return this.events.on(event, handler);
  }

  request<T extends RequestType>(type: T, data: RequestData<T>): Promise<ReplyData<T>> {
    if (this.stoppedBy) return Promise.reject(this.stoppedBy);
    return this.requests.send(type, data, this.ready || type === 'hello');
  }

  /**
   * Writes a chat message; `acked` resolves once the server has it durably, however many
   * reconnects (and, with a store, page reloads: see `pendingChats`) that takes. Refused at once
   * with OUTBOX_FULL while `OUTBOX_MAX` messages wait for their acks in a client with a store.
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
    this.events.emit('state', this.reconnect.reconnecting || this.position.sessionId ? 'reconnecting' : 'connecting');
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
      const resume = this.position.resume();
      // Held from before the reply: `ws` hands over every frame of one read in the same turn, so
      // the pushes that follow the reply may arrive before this continues. Those of a new session
      // (seqs from 1 again) were compared with the old session's last seq and dropped as seen:
      // a lawyer whose node died never heard again of the offer ringing on it.
      this.held = [];
      const reply = await this.request('hello', resume ? { token, resume } : { token });
      this.ready = true;
      this.reconnect.helloAnswered();
      this.maxFrameBytes = reply.limits?.maxFrameBytes ?? LIMITS.maxFrameBytes;
      this.pacer.configure(reply.limits);
      // The server drops a client silent for two heartbeats; the client holds the server to the same.
      this.liveness.watch(2 * reply.heartbeatMs, reply.heartbeatMs);
      this.position.signedIn(reply.user.id, this.opts.log);
      if (reply.resumed) this.events.emit('resumed', reply);
      else this.startedAfresh(reply);
      if (this.position.restoring) this.restore();
      else this.releaseHeld();
      this.position.save();
      this.events.emit('state', 'open');
      this.requests.helloAnswered();
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
    const followsAnother = this.position.started(reply.sessionId, reply.seq);
    this.ackedSeq = reply.seq;
    const consultations = reply.snapshot?.consultations ?? [];
    if (followsAnother) {
      this.offers.startOver();
      this.repair(consultations);
    } else if (this.opts.followConsultations) {
      for (const c of consultations) this.ledger.know(c);
    }
    this.events.emit('snapshot', consultations);
    // Pushed after the snapshot was read: nothing held belonged to the session before.
    this.releaseHeld();
  }

  private repair(consultations: ConsultationViewT[]): void {
    if (!this.opts.followConsultations) return;
    void this.ledger.repair(consultations).catch((e: unknown) => this.opts.log?.('gap repair failed', { error: String(e) }));
  }

  /** After a reload, the session resumed: the app lost its view, so read the consultations, then pass on the pushes held meanwhile. */
  private restore(): void {
    const socket = this.socket;
    this.request('consult.list', {}).then(
      ({ consultations }) => {
        if (this.socket !== socket) return;
        this.position.restoring = false;
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
        this.position.restoring = false;
        this.releaseHeld();
      },
    );
  }

  private releaseHeld(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const frame of held) this.handle(frame);
  }

  private receive(data: unknown): void {
    this.liveness.heard();
    const { bytes, isBinary } = messageBytes(data);
    const decoded = decodeFrame(bytes, isBinary, this.opts.encoding, Number.MAX_SAFE_INTEGER, 'lenient');
    if (!decoded.ok) return this.opts.log?.('undecodable frame from server', { error: decoded.error.message });
    const frame = decoded.value as ServerFrame;
    if (frame.type === 'reply') {
      if (frame.ok) this.requests.settle(frame.id, undefined, frame.data);
      else this.requests.settle(frame.id, new LawlineError(frame.error.code, frame.error.message));
    } else if (frame.type === 'push') {
      if (this.held) this.held.push(frame);
      else this.handle(frame);
    } else {
      this.opts.log?.('server error', { code: frame.error.code, message: frame.error.message });
    }
  }

  private handle(frame: PushFrame): void {
    if (frame.seq <= this.position.lastSeq) return;
    this.position.lastSeq = frame.seq;
    this.dispatch(frame.event, frame.data);
    this.scheduleAck();
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
    if (this.position.lastSeq - this.ackedSeq >= ACK_EVERY) return this.sendAck();
    this.ackTimer ??= setTimeout(() => this.sendAck(), this.opts.ackIntervalMs);
  }

  private sendAck(): void {
    clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    const seq = this.position.lastSeq;
    if (seq <= this.ackedSeq) return;
    // Saved first: a reload then resumes from at least what the server is about to drop.
    this.position.save();
    if (this.send({ type: 'ack', seq }) === 'sent') this.ackedSeq = seq;
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
    this.ackedSeq = Math.min(this.ackedSeq, this.position.lastSeq);
    if (this.stoppedBy) return;
    const next = this.reconnect.afterClose(code, opened, helloAnswered);
    // Stopping fails what was waiting with the reason; otherwise it may be retried once reconnected.
    if (next.kind === 'stop') return this.shutdown({ code, reason }, true);
    if (next.kind === 'give-up') return this.giveUp(next.error, code);
    this.requests.failAll(timeoutError('connection lost'), false);
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
    this.requests.failAll(error, true);
    this.chats.abandon(error);
    this.position.release();
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
