// `engine: lawline` for artillery 2: every virtual user is a real LawlineClient (the SDK:
// msgpack, hello, resume, acks, outbox), driven by the steps below. Loaded through index.cjs
// from a bundle; artillery gives the constructor (script, ee, helpers) and calls
// createScenario(spec, ee) once per scenario, then the returned function once per virtual user.
//
// Steps (each a key of a flow item; values are templated with the user's variables):
//   connect / hello: {role: citizen|lawyer, token?}   a client, socket and hello (its own MemoryStore)
//   request: {type, data?, capture?}                   a typed request; consultationId filled in
//   chat: {count?, gap?, body?, wait?}                 messages through the outbox; acks timed
//   waitFor: {push, state?, from?, any?, timeout?}     a push of that type (for this consultation)
//   duty: {capacity?, categories?, greet?, reply?, ready?}  on duty; offers accepted and answered
//   offDuty: {close?}                                  closes what it holds, then duty.off
//   drop: {how?: reset|close|vanish}                   the network cuts the socket; the SDK resumes
//   reconnected: {timeout?}                            until the SDK is back after a drop
//   disconnect: {}  /  reconnect: {}                   close the client; a new one on its store resumes
//   align: {at: S} | {every: S}                        until S s into the run / a wall-clock multiple of S s
//   verify: {timeout?}                                 every acked message against consult.history
//   think, loop, function, log                         as in artillery's own engines
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import { ErrorCode } from '../../../protocol/errors.ts';
import { LIMITS, Pushes, type ChatMessageT, type PushEvent } from '../../../protocol/frames.ts';
import { LawlineClient, LawlineError, MemoryStore } from '../../../clients/sdk/index.ts';
import { Recorder } from './recorder.ts';

type Vars = Record<string, unknown>;
interface Context {
  vars: Vars;
  [key: string]: unknown;
}
type Callback = (err: unknown, context?: Context) => void;
type Step = (context: Context, callback: Callback) => void;
interface Emitter {
  emit(event: string, ...args: unknown[]): unknown;
}
interface Helpers {
  createThink(spec: unknown, defaults: unknown): Step;
  createLoopWithCount(count: number, steps: Step[], opts: Record<string, unknown>): Step;
  template(value: unknown, context: Context): unknown;
}
type Spec = Record<string, unknown>;
interface LawlineConfig {
  encoding?: 'msgpack' | 'json';
  requestTimeoutMs?: number;
  reconnect?: { minDelayMs: number; maxDelayMs: number };
  /** default waitFor / verify / reconnected timeout, seconds */
  timeout?: number;
}

const PUSH_TYPES = Object.keys(Pushes) as PushEvent[];
const CODE_NAMES = new Map(Object.entries(ErrorCode).map(([k, v]) => [v as number, k]));
/** Requests whose data names the user's current consultation when the step leaves it out. */
const TAKES_CONSULTATION = /^(consult\.(convert|transfer|cancel|pick|join|close|history)|chat\.(typing|read)|note\.(get|set)|offer\.(accept|decline))$/;

/** One per worker thread: the raw per-second record that report.ts merges across processes. */
const recorder = new Recorder();
/** When this thread's first virtual user started (`align: {at}` counts from it). */
let runT0: number | undefined;

/** What a step failed with, as artillery counts it (`errors.<code>`). */
class StepError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

function codeOf(e: unknown): string {
  if (e instanceof StepError) return e.code;
  if (e instanceof LawlineError) return `lawline.${CODE_NAMES.get(e.code) ?? e.code}`;
  if (e instanceof Error && 'code' in e && typeof e.code === 'string') return e.code;
  return e instanceof Error ? e.message : String(e);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function within<T>(p: Promise<T>, ms: number, code: string, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new StepError(code, `${what}: no answer in ${ms} ms`)), ms)));
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Metrics to artillery (its report and `ensure`) and to the raw record, under the same names. */
class Metrics {
  constructor(private readonly ee: Emitter) {}
  histogram(name: string, ms: number): void {
    this.ee.emit('histogram', name, ms);
    recorder.histogram(name, ms);
  }
  counter(name: string, n = 1): void {
    this.ee.emit('counter', name, n);
    recorder.counter(name, n);
  }
}

interface Push {
  type: PushEvent;
  data: Record<string, unknown>;
  used: boolean;
}

/** One virtual user: a person's device, with what it sent, what the server acked and what it was told. */
class VirtualUser {
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
  readonly acked = new Map<string, Map<string, { seq: number; body: string }>>();
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
          recorder.connections++;
          vu.metrics.counter('lawline.connections_opened');
        });
        this.on('error', () => undefined);
        this.on('close', (code) => {
          if (opened) recorder.connections--;
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
        void this.client?.request('duty.ready', {}).catch(() => undefined);
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
    this.client?.close();
    this.client = undefined;
  }

  /**
   * Messages lost: every message the server acked to this user must be in the consultation's
   * history at its seq, with its id and body. Messages undelivered: those from the other party
   * in history after the first one delivered here must have come as chat.message (read again
   * after a grace second, so one still on its way is not counted).
   */
  async verify(timeoutMs: number): Promise<void> {
    const client = this.client;
    if (!client) throw new StepError('lawline.not_connected', 'verify: connect first');
    this.verified = true;
    const deadline = Date.now() + timeoutMs;
    await within(Promise.allSettled([...this.pending]), timeoutMs, 'lawline.verify.timeout', 'verify (acks)').catch(() => undefined);
    this.metrics.counter('lawline.messages_unacked', this.pending.size);
    let lost = 0;
    let verified = 0;
    let undelivered = 0;
    for (const [consultationId, seqs] of this.delivered) {
      const mine = this.acked.get(consultationId) ?? new Map<string, { seq: number; body: string }>();
      const lowest = Math.min(...[...mine.values()].map((m) => m.seq), ...seqs);
      if (!Number.isFinite(lowest)) continue;
      const history = await this.history(consultationId, lowest, deadline);
      for (const [clientMsgId, { seq, body }] of mine) {
        const stored = history.get(seq);
        verified++;
        if (!stored || stored.clientMsgId !== clientMsgId || stored.body !== body) lost++;
      }
      const firstDelivered = Math.min(...seqs);
      const missing = () => [...history.values()].filter((m) => m.from.id !== this.me && m.seq > firstDelivered && !seqs.has(m.seq));
      if (missing().length > 0) await sleep(1000);
      undelivered += missing().length;
    }
    this.metrics.counter('lawline.messages_verified', verified);
    this.metrics.counter('lawline.messages_lost', lost);
    this.metrics.counter('lawline.messages_undelivered', undelivered);
    if (lost > 0) process.stderr.write(`lawline: ${lost} acked message(s) of ${this.me} missing from history\n`);
  }

  /** The consultation's messages from `downTo` up, newest page first. */
  private async history(consultationId: string, downTo: number, deadline: number): Promise<Map<number, ChatMessageT>> {
    const client = this.client as LawlineClient;
    const bySeq = new Map<number, ChatMessageT>();
    let beforeSeq: number | undefined;
    for (;;) {
      const left = Math.max(1000, deadline - Date.now());
      const page = await within(
        client.request('consult.history', { consultationId, limit: LIMITS.historyPageMax, ...(beforeSeq ? { beforeSeq } : {}) }),
        left,
        'lawline.verify.timeout',
        'verify (history)',
      );
      for (const m of page.messages) bySeq.set(m.seq, m);
      const oldest = Math.min(...page.messages.map((m) => m.seq));
      if (!page.hasMore || page.messages.length === 0 || oldest <= downTo) return bySeq;
      beforeSeq = oldest;
    }
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

export class LawlineEngine {
  private readonly config: Spec & { lawline?: LawlineConfig; processor?: Record<string, unknown>; defaults?: { think?: unknown } };
  __name?: string;

  constructor(
    script: { config: Spec },
    _ee: Emitter,
    private readonly helpers: Helpers,
  ) {
    this.config = script.config as LawlineEngine['config'];
  }

  createScenario(spec: { flow: Spec[] }, ee: Emitter): (context: Context, callback: Callback) => void {
    const steps = spec.flow.map((s) => this.step(s, ee));
    const metrics = new Metrics(ee);
    return (context, callback) => {
      ee.emit('started');
      runT0 ??= Date.now();
      recorder.activeUsers++;
      recorder.counter('vusers.started');
      const vu = new VirtualUser(String(this.config.target), this.config.lawline ?? {}, metrics);
      context.lawline = vu;
      let i = 0;
      const next = (err: unknown, ctx: Context = context) => {
        if (err || i === steps.length) return void done(err, ctx);
        const step = steps[i++] as Step;
        try {
          step(ctx, next);
        } catch (e) {
          next(e, ctx);
        }
      };
      const done = async (err: unknown, ctx: Context) => {
        // A user that failed half-way is still held to its acks: what the server acked is checked against the transcript.
        if (err && !vu.verified && vu.client && vu.acked.size > 0) await vu.verify(10_000).catch(() => undefined);
        vu.finish();
        recorder.activeUsers--;
        if (err) {
          const code = codeOf(err);
          ee.emit('error', code);
          recorder.counter(`errors.${code}`);
          recorder.counter('vusers.failed');
        } else recorder.counter('vusers.completed');
        if (recorder.activeUsers === 0) recorder.flushAll();
        callback(err, ctx);
      };
      next(null);
    };
  }

  private step(spec: Spec, ee: Emitter): Step {
    const h = this.helpers;
    const timeoutS = this.config.lawline?.timeout ?? 30;
    const seconds = (v: unknown, dflt: number) => (typeof v === 'number' ? v : dflt) * 1000;
    const args = (context: Context, key: string): Spec => {
      const value = h.template(spec[key] ?? {}, context);
      return typeof value === 'object' && value !== null ? (value as Spec) : { value };
    };
    /** An async step: its promise's rejection fails the virtual user with its code. */
    const run =
      (f: (vu: VirtualUser, context: Context) => Promise<unknown> | unknown): Step =>
      (context, callback) => {
        Promise.resolve()
          .then(() => f(context.lawline as VirtualUser, context))
          .then(
            () => callback(null, context),
            (e: unknown) => callback(e, context),
          );
      };

    if (spec.loop) {
      const steps = (spec.loop as Spec[]).map((s) => this.step(s, ee));
      return h.createLoopWithCount((spec.count as number) || -1, steps, { loopValue: spec.loopValue ?? '$loopCount', overValues: spec.over });
    }
    if (spec.think !== undefined) return h.createThink(spec, this.config.defaults?.think ?? {});
    if (spec.log !== undefined) return run((_, c) => console.log(h.template(spec.log, c)));
    if (spec.function) {
      return run((_, c) => {
        const f = this.config.processor?.[spec.function as string] as ((c: Context, ee: Emitter, next?: (e?: unknown) => void) => unknown) | undefined;
        if (!f) throw new StepError('lawline.bad_step', `function ${String(spec.function)} is not in the processor`);
        if (f.length >= 3) return new Promise<void>((resolve, reject) => f(c, ee, (e) => (e ? reject(e) : resolve())));
        return f(c, ee);
      });
    }
    const key = ['connect', 'hello', 'request', 'chat', 'waitFor', 'duty', 'offDuty', 'drop', 'reconnected', 'disconnect', 'reconnect', 'align', 'verify'].find((k) => k in spec);
    switch (key) {
      case 'connect':
      case 'hello':
        return run((vu, c) => {
          const a = args(c, key);
          const role = String(a.role ?? 'citizen');
          const token = a.token ?? c.vars[`${role}Token`];
          if (typeof token !== 'string' || !token) throw new StepError('lawline.no_token', `${key}: no token for ${role} (payload field ${role}Token, or token:)`);
          return vu.connect(role, token);
        });
      case 'request':
        return run(async (vu, c) => {
          const a = args(c, 'request');
          const reply = await vu.request(String(a.type), (a.data as Record<string, unknown>) ?? {});
          if (typeof a.capture === 'string') c.vars[a.capture] = reply;
        });
      case 'chat':
        return run(async (vu, c) => {
          const a = args(c, 'chat');
          const id = vu.consultationId;
          if (!id) throw new StepError('lawline.no_consultation', 'chat: request a consultation first');
          const sent: Promise<unknown>[] = [];
          const count = Number(a.count ?? 1);
          for (let n = 1; n <= count; n++) {
            sent.push(vu.send(id, String(a.body ?? `补充情况 ${n}：公司拖欠工资三个月。`)));
            if (n < count && a.gap) await sleep(Number(a.gap) * 1000);
          }
          if (a.wait) await within(Promise.all(sent), seconds(a.timeout, timeoutS), 'lawline.ack.timeout', 'chat acks');
        });
      case 'waitFor':
        return run((vu, c) => {
          const a = args(c, 'waitFor');
          return vu.waitFor(a, seconds(a.timeout, timeoutS));
        });
      case 'duty':
        return run(async (vu, c) => {
          const a = args(c, 'duty');
          vu.lawyer = { greet: a.greet === false ? undefined : String(a.greet ?? '您好，我是值班律师，请讲。'), reply: a.reply !== false, ready: a.ready !== false, holding: new Set() };
          await vu.request('duty.on', { capacity: Number(a.capacity ?? 3), ...(a.categories ? { categories: a.categories } : {}) });
        });
      case 'offDuty':
        return run(async (vu, c) => {
          const a = args(c, 'offDuty');
          // The end of a shift: no new offers, the citizens get `grace` seconds to finish, then what is left is closed.
          await vu.request('duty.away', {});
          const until = Date.now() + Number(a.grace ?? 0) * 1000;
          while ((vu.lawyer?.holding.size ?? 0) > 0 && Date.now() < until) await sleep(200);
          const holding = [...(vu.lawyer?.holding ?? [])];
          if (a.close !== false) await Promise.all(holding.map((consultationId) => vu.request('consult.close', { consultationId }).catch(() => undefined)));
          await vu.request('duty.off', {});
          if (vu.lawyer) vu.lawyer.reply = false;
        });
      case 'drop':
        return run((vu, c) => vu.drop(String(args(c, 'drop').how ?? 'reset')));
      case 'reconnected':
        return run((vu, c) => vu.untilBack(seconds(args(c, 'reconnected').timeout, timeoutS)));
      case 'disconnect':
        return run((vu) => vu.disconnect());
      case 'reconnect':
        return run((vu) => vu.reconnect());
      case 'align':
        return run((vu, c) => {
          const a = args(c, 'align');
          // {at: S}: S seconds after this thread's first virtual user started: everyone at once
          // (processes of a multi-process run start within a second or two of each other; use
          // `every` to line them up exactly). {every: S}: the next wall-clock multiple of S seconds.
          if (a.at !== undefined) {
            const wait = (runT0 ?? Date.now()) + Number(a.at) * 1000 - Date.now();
            if (wait < 0) vu.metrics.counter('lawline.align_late');
            return sleep(Math.max(0, wait));
          }
          const every = Number(a.every ?? a.value) * 1000;
          return sleep(every - (Date.now() % every));
        });
      case 'verify':
        return run((vu, c) => vu.verify(seconds(args(c, 'verify').timeout, timeoutS)));
      default:
        return () => {
          throw new StepError('lawline.bad_step', `unknown step: ${JSON.stringify(spec)}`);
        };
    }
  }
}
