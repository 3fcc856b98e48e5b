import { randomBytes } from 'node:crypto';
import { CATEGORY_CODES } from '../../../protocol/vocabulary.ts';
import type { ConsultationRecord, NewMessage, Person } from '../../../server/store/port.ts';
import type { BenchEngine } from './engine.ts';

/**
 * Chat traffic shaped like the node's: ids as the server and SDK draw them, a citizen and a
 * lawyer taking turns, bodies of 20–200 characters (mostly Chinese, 3 bytes each in UTF-8),
 * 20–60 messages a consultation, then it closes and another opens. `live` consultations are
 * written to at once, messages spread over them at random, so each one's messages interleave
 * with everyone else's on disk as they do on a busy node. One send in a hundred is a retry of
 * an acked one (same clientMsgId), which must come back as that message.
 */
const id = (prefix: string, bytes: number) => `${prefix}${randomBytes(bytes).toString('base64url')}`;
const TEXT = '您好律师我想咨询一下劳动合同的问题公司没有按时支付工资也没有缴纳社会保险请问我应该怎么办需要准备哪些材料';

function body(): string {
  const n = 20 + Math.floor(Math.random() * 180);
  const start = Math.floor(Math.random() * TEXT.length);
  let s = '';
  while (s.length < n) s += TEXT.slice(start) + TEXT.slice(0, start);
  return s.slice(0, n);
}

interface Live {
  c: ConsultationRecord;
  quota: number;
  sent: number;
  /** An acked message to send again as a retry. */
  acked?: { from: Person; clientMsgId: string; body: string; seq: number };
}

export interface Counters {
  appended: number;
  duplicates: number;
  /** retries that did not come back as the first message, and refusals of active consultations: must stay 0 */
  errors: number;
  created: number;
  closed: number;
}

export class Workload {
  private readonly live: Live[] = [];
  private readonly lawyers = Array.from({ length: 200 }, (_, i): Person => ({ id: id('L-', 9), role: 'lawyer', name: `律师${i}` }));
  /** Consultations opened, for the manifest (history reads of old ones after a restart). */
  readonly opened: string[] = [];
  readonly counters: Counters = { appended: 0, duplicates: 0, errors: 0, created: 0, closed: 0 };
  private replacing: Promise<void>[] = [];

  constructor(
    private readonly engine: BenchEngine,
    private readonly liveCount: number,
  ) {}

  /** Opens the live consultations. */
  async start(): Promise<void> {
    await Promise.all(Array.from({ length: this.liveCount }, () => this.open()));
  }

  /** Sends one message (or a retry) to a random live consultation; resolves when acked. */
  async send(): Promise<void> {
    const l = this.live[Math.floor(Math.random() * this.live.length)] as Live;
    if (l.acked && Math.random() < 0.01) {
      const a = l.acked;
      const r = await this.engine.append({ consultationId: l.c.id, from: a.from, clientMsgId: a.clientMsgId, body: a.body, at: Date.now() });
      if ('refused' in r || !r.duplicate || r.seq !== a.seq) this.counters.errors++;
      else this.counters.duplicates++;
      return;
    }
    const from = l.sent % 2 === 0 ? l.c.citizen : (l.c.lawyer as Person);
    const m: NewMessage = { consultationId: l.c.id, from, clientMsgId: id('m', 16), body: body(), at: Date.now() };
    // Written before its close is: a store decides admission when called.
    const appended = this.engine.append(m);
    if (++l.sent >= l.quota) this.replace(l);
    const r = await appended;
    if ('refused' in r) {
      this.counters.errors++;
      return;
    }
    this.counters.appended++;
    l.acked = { from, clientMsgId: m.clientMsgId, body: m.body, seq: r.seq };
  }

  /** Waits for the closes and opens still under way. */
  async settle(): Promise<void> {
    while (this.replacing.length) await Promise.all(this.replacing.splice(0));
  }

  /** Its quota is reached: it leaves the live set now, closes once its last message is sent, and a new one takes its place. */
  private replace(l: Live): void {
    this.live.splice(this.live.indexOf(l), 1);
    const done = Promise.all([
      this.engine.finish(l.c.id, Date.now()).then(() => void this.counters.closed++),
      this.open(),
    ]).then(() => undefined);
    this.replacing.push(done);
  }

  private async open(): Promise<void> {
    const now = Date.now();
    const c: ConsultationRecord = {
      id: id('c_', 12),
      state: 'active',
      category: CATEGORY_CODES[Math.floor(Math.random() * CATEGORY_CODES.length)] as ConsultationRecord['category'],
      region: '320200',
      channel: 'text',
      citizen: { id: id('C-', 9), role: 'citizen', name: '市民' },
      lawyer: this.lawyers[Math.floor(Math.random() * this.lawyers.length)] as Person,
      createdAt: now,
      updatedAt: now,
      lastSeq: 0,
    };
    await this.engine.create(c);
    this.counters.created++;
    this.opened.push(c.id);
    this.live.push({ c, quota: 20 + Math.floor(Math.random() * 41), sent: 0 });
  }
}
