// One virtual user of `engine: lawline`: a person's device, a LawlineClient of the SDK over a
// socket the steps can cut, with what it sent, what the server acked and what it was told; as a
// lawyer on duty, it accepts offers and answers by itself.
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import { Pushes, type ChatMessageT, type PushEvent } from '../../../protocol/frames.ts';
import { LawlineClient, MemoryStore } from '../../../clients/sdk/index.ts';
import { codeOf, recorder, StepError, within, type LawlineConfig, type Metrics, type Spec } from './common.ts';
import { checkTranscripts, type Sent } from './transcript.ts';

export const PUSH_TYPES = Object.keys(Pushes) as PushEvent[];
/** Requests whose data names the user's current consultation when the step leaves it out. */
const TAKES_CONSULTATION = /^(consult\.(convert|transfer|cancel|pick|join|close|history)|chat\.(typing|read)|note\.(get|set)|offer\.(accept|decline))$/;

/** Sockets counted in the connections gauge. */
const openSockets = new WeakSet<WebSocket>();

interface Push {
  type: PushEvent;
  data: Record<string, unknown>;
  used: boolean;
}

/** One virtual user: a person's device, with what it sent, what the server acked and what it was told. */
export class VirtualUser {
  client: LawlineClient | undefined;
  private readonly store = new MemoryStore();
  me: string | undefined;
  role: string | undefined;
  private token = '';
  consultationId: string | undefined;
  private requestedAt: number | undefined;
  private readonly offered = new Set<string>();
  private readonly lawyerWrote = new Set<string>();
  /** every consultation this user took part in, with the seqs delivered to it as chat.message */
  readonly delivered = new Map<string, Set<number>>();
  /** consultationId -> clientMsgId -> what the server acked */
  readonly acked = new Map<string, Map<string, Sent>>();
  readonly pending = new Set<Promise<unknown>>();
  private sentCount = 0;
  private readonly inbox: Push[] = [];
  private waiters: { match: (p: Push) => boolean; resolve: (p: Push) => void }[] = [];
  /** the socket open now, and the one this user cut (its close is planned) */
  private socket: WebSocket | undefined;
  private tcp: Socket | undefined;
  private cut: WebSocket | undefined;
  private closing = false;
  droppedAt: number | undefined;
  verified = false;
  private backWaiters: (() => void)[] = [];
  lawyer: { greet?: string; reply: boolean; ready: boolean; holding: Set<string> } | undefined;

  constructor(
    private readonly url: string,
    private readonly options: LawlineConfig,
    readonly metrics: Metrics,
  ) {}

  async connect(role: string, token: string): Promise<void> {
    if (this.client) throw new StepError('lawline.already_connected', 'connect: this user is connected already');
    this.role = role;
    this.token = token;
    const started = performance.now();
    const reply = await this.open();
    this.metrics.histogram('lawline.connect_ms', performance.now() - started);
    this.me = reply.user.id;
  }

  /** A new client on the same store (a page reloaded): it resumes the session if the window allows. */
  async reconnect(): Promise<void> {
    if (this.client) throw new StepError('lawline.already_connected', 'reconnect: disconnect first');
    const started = performance.now();
    this.metrics.counter('lawline.reconnects');
    const reply = await this.open();
    this.metrics.histogram('lawline.resume_ms', performance.now() - started);
    this.metrics.counter(reply.resumed ? 'lawline.resumed' : 'lawline.resume_snapshot');
  }

  private open() {
    const vu = this;
    const localAddress = process.env.LAWLINE_LOADTEST_LOCAL_ADDRESS || undefined;
    // The SDK makes its sockets itself; this class hands each one to the user as it is made.
    class UserSocket extends WebSocket {
      constructor(address: string, protocols: string | string[]) {
        super(address, protocols, { perMessageDeflate: false, ...(localAddress ? { localAddress } : {}) });
        vu.socket = this;
        vu.tcp = undefined;
        let opened = false;
        this.on('upgrade', (res) => (vu.tcp = res.socket as Socket));
        this.on('open', () => {
          opened = true;
          openSockets.add(this);
          recorder.connections++;
          vu.metrics.counter('lawline.connections_opened');
        });
        // The SDK hears of it through onclose; the error itself is the close's reason.
        this.on('error', () => undefined);
        this.on('close', (code) => {
          if (openSockets.delete(this)) recorder.connections--;
          if (this === vu.cut) vu.cut = undefined;
          else if (!vu.closing && opened) {
            vu.metrics.counter('lawline.unplanned_closes');
            recorder.counter(`lawline.close_code.${code}`);
          }
        });
      }
    }
    this.closing = false;
    const client = new LawlineClient({
      url: this.url,
      token: this.token,
      WebSocket: UserSocket,
      store: this.store,
      encoding: this.options.encoding ?? 'msgpack',
      requestTimeoutMs: this.options.requestTimeoutMs ?? 10_000,
      ...(this.options.reconnect ? { reconnect: this.options.reconnect } : {}),
    });
    this.client = client;
    for (const type of PUSH_TYPES) client.on(type, (data) => this.pushed(type, data as unknown as Record<string, unknown>));
    client.on('resumed', () => this.back(true));
    client.on('snapshot', () => this.back(false));
    client.on('terminated', ({ code }) => this.metrics.counter(`lawline.terminated.${code}`));
    return client.connect();
  }

  private back(resumed: boolean): void {
    if (this.droppedAt === undefined) return;
    this.metrics.histogram('lawline.resume_ms', performance.now() - this.droppedAt);
    this.metrics.counter(resumed ? 'lawline.resumed' : 'lawline.resume_snapshot');
    this.droppedAt = undefined;
    for (const w of this.backWaiters.splice(0)) w();
  }

  private pushed(type: PushEvent, data: Record<string, unknown>): void {
    const now = performance.now();
    if (type === 'chat.message') this.chatMessage(data as unknown as ChatMessageT, now);
    else if (type === 'queue.position' && data.offered === true) this.offeredNow(data.consultationId as string, now);
    else if (type === 'consult.state') {
      const c = data.consultation as { id: string; state: string };
      if (c.state === 'picked' || c.state === 'active') this.offeredNow(c.id, now);
      if (this.lawyer && (c.state === 'closed' || c.state === 'cancelled') && this.lawyer.holding.delete(c.id) && this.lawyer.ready) {
        // Ends the wrap-up at once, as a lawyer taking the next citizen does; a refusal is counted.
        void this.client?.request('duty.ready', {}).catch((e: unknown) => this.metrics.counter(`lawline.duty_ready_failed.${codeOf(e)}`));
      }
    } else if (type === 'offer' && this.lawyer) this.accept((data.consultation as { id: string }).id);
    const push: Push = { type, data, used: false };
    const waiter = this.waiters.find((w) => w.match(push));
    if (waiter) {
      push.used = true;
      this.waiters = this.waiters.filter((w) => w !== waiter);
      waiter.resolve(push);
    }
    this.inbox.push(push);
    if (this.inbox.length > 500) this.inbox.shift();
  }

  private chatMessage(m: ChatMessageT, now: number): void {
    let seqs = this.delivered.get(m.consultationId);
    if (!seqs) this.delivered.set(m.consultationId, (seqs = new Set()));
    seqs.add(m.seq);
    if (m.from.id === this.me) return;
    this.metrics.histogram('lawline.delivery_ms', Math.max(0, Date.now() - m.at));
    this.metrics.counter('lawline.messages_received');
    if (m.from.role === 'lawyer' && m.consultationId === this.consultationId && this.requestedAt !== undefined && !this.lawyerWrote.has(m.consultationId)) {
      this.lawyerWrote.add(m.consultationId);
      this.metrics.histogram('lawline.time_to_lawyer_message_ms', now - this.requestedAt);
    }
    if (this.lawyer?.reply && this.lawyer.holding.has(m.consultationId)) this.send(m.consultationId, `答复 ${m.seq}：请把劳动合同和工资条准备好。`);
  }

  /** The citizen's request is being offered to a lawyer (queue.position offered, or picked/active if that came first). */
  private offeredNow(consultationId: string, now: number): void {
    if (consultationId !== this.consultationId || this.requestedAt === undefined || this.offered.has(consultationId)) return;
    this.offered.add(consultationId);
    this.metrics.histogram('lawline.time_to_offer_ms', now - this.requestedAt);
  }

  private accept(consultationId: string): void {
    const lawyer = this.lawyer;
    const client = this.client;
    if (!lawyer || !client) return;
    this.metrics.counter('lawline.offers_received');
    const started = performance.now();
    client.request('offer.accept', { consultationId }).then(
      () => {
        this.metrics.histogram('lawline.reply_ms.offer.accept', performance.now() - started);
        this.metrics.counter('lawline.offers_accepted');
        lawyer.holding.add(consultationId);
        if (!this.delivered.has(consultationId)) this.delivered.set(consultationId, new Set());
        if (lawyer.greet) this.send(consultationId, lawyer.greet);
      },
      // Another device or the offer's timeout got there first: not the user's failure.
      (e: unknown) => this.metrics.counter(`lawline.offer_accept_failed.${codeOf(e)}`),
    );
  }

  /** One chat message through the SDK's outbox; its ack is timed and kept for verify. */
  send(consultationId: string, body: string): Promise<unknown> {
    const client = this.client;
    if (!client) throw new StepError('lawline.not_connected', 'chat: connect first');
    const started = performance.now();
    this.metrics.counter('lawline.messages_sent');
    this.sentCount++;
    const { clientMsgId, acked } = client.sendChat(consultationId, body);
    const p: Promise<unknown> = acked
      .then(
        (ack) => {
          this.metrics.histogram('lawline.ack_ms', performance.now() - started);
          this.metrics.counter('lawline.messages_acked');
          let mine = this.acked.get(consultationId);
          if (!mine) this.acked.set(consultationId, (mine = new Map()));
          mine.set(clientMsgId, { seq: ack.seq, body });
        },
        (e: unknown) => this.metrics.counter(`lawline.messages_refused.${codeOf(e)}`),
      )
      .finally(() => this.pending.delete(p));
    this.pending.add(p);
    return p;
  }

  async request(type: string, data: Record<string, unknown>): Promise<unknown> {
    const client = this.client;
    if (!client) throw new StepError('lawline.not_connected', `${type}: connect first`);
    if (TAKES_CONSULTATION.test(type) && data.consultationId === undefined && this.consultationId) data = { ...data, consultationId: this.consultationId };
    const started = performance.now();
    let reply: unknown;
    if (type === 'consult.request') {
      this.requestedAt = started;
      this.metrics.counter('lawline.consultations_requested');
      const { consultation } = await client.requestConsultation(data as never).answered;
      this.consultationId = consultation.id;
      if (!this.delivered.has(consultation.id)) this.delivered.set(consultation.id, new Set());
      reply = { consultation };
    } else {
      reply = await client.request(type as never, data as never);
    }
    this.metrics.histogram(`lawline.reply_ms.${type}`, performance.now() - started);
    return reply;
  }

  waitFor(spec: Spec, timeoutMs: number): Promise<Push> {
    const type = spec.push as string;
    if (!PUSH_TYPES.includes(type as PushEvent)) throw new StepError('lawline.bad_step', `waitFor: unknown push ${type}`);
    const current = spec.any === true ? undefined : this.consultationId;
    const match = (p: Push) => {
      if (p.type !== type) return false;
      const consultation = p.data.consultation as { id: string; state: string } | undefined;
      const id = (p.data.consultationId as string | undefined) ?? consultation?.id;
      if (current && id && id !== current) return false;
      if (spec.state && consultation?.state !== spec.state) return false;
      if (spec.from && (p.data.from as { role?: string; id?: string } | undefined)?.role !== spec.from) return false;
      if (type === 'chat.message' && (p.data.from as { id: string }).id === this.me) return false;
      return true;
    };
    const seen = this.inbox.find((p) => !p.used && match(p));
    if (seen) {
      seen.used = true;
      return Promise.resolve(seen);
    }
    const started = performance.now();
    const waited = new Promise<Push>((resolve) => this.waiters.push({ match, resolve }));
    return within(waited, timeoutMs, `lawline.waitFor.${type}.timeout`, `waitFor ${type}`).then(
      (p) => {
        this.metrics.histogram(`lawline.wait_ms.${type}`, performance.now() - started);
        return p;
      },
      (e: unknown) => {
        this.waiters = this.waiters.filter((w) => w.match !== match);
        throw e;
      },
    );
  }

  /** Cuts the socket the way a network does; the SDK notices and resumes. */
  drop(how: string): void {
    const ws = this.socket;
    if (!ws || ws.readyState !== WebSocket.OPEN) throw new StepError('lawline.not_connected', 'drop: no open socket');
    this.cut = ws;
    this.droppedAt = performance.now();
    this.metrics.counter('lawline.drops');
    if (how === 'close') ws.close(1000, 'load test');
    else if (how === 'reset' && this.tcp) this.tcp.resetAndDestroy();
    else ws.terminate();
  }

  untilBack(timeoutMs: number): Promise<void> {
    if (this.droppedAt === undefined) return Promise.resolve();
    return within(new Promise<void>((r) => this.backWaiters.push(r)), timeoutMs, 'lawline.resume.timeout', 'reconnected');
  }

  disconnect(): void {
    this.closing = true;
    // Not open from now on, for the connections gauge: the close completes after the user may have finished.
    if (this.socket && openSockets.delete(this.socket)) recorder.connections--;
    this.client?.close();
    this.client = undefined;
  }

  /** Waits for outstanding acks, then checks them and what was delivered against the transcripts (transcript.ts). */
  async verify(timeoutMs: number): Promise<void> {
    const client = this.client;
    if (!client) throw new StepError('lawline.not_connected', 'verify: connect first');
    this.verified = true;
    const deadline = Date.now() + timeoutMs;
    // Not all acked in time: counted as unacked below, and what was acked is still checked.
    await within(Promise.allSettled([...this.pending]), timeoutMs, 'lawline.verify.timeout', 'verify (acks)').catch(() => undefined);
    this.metrics.counter('lawline.messages_unacked', this.pending.size);
    const r = await checkTranscripts(client, this.me, this.delivered, this.acked, deadline);
    this.metrics.counter('lawline.messages_verified', r.verified);
    this.metrics.counter('lawline.messages_lost', r.lost);
    this.metrics.counter('lawline.messages_undelivered', r.undelivered);
    if (r.lost > 0) process.stderr.write(`lawline: ${r.lost} acked message(s) of ${this.me} missing from history\n`);
  }

  finish(): void {
    // Counted by every user, zero or not, so `ensure` always finds them.
    this.metrics.counter('lawline.unplanned_closes', 0);
    this.metrics.counter('lawline.messages_lost', 0);
    this.metrics.counter('lawline.drops', 0);
    this.metrics.counter('lawline.reconnects', 0);
    this.disconnect();
  }
}

