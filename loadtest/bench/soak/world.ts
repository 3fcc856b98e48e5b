// The soak's people and what they do: lawyers on duty accept offers and answer; citizens ask,
// chat, and ask again after their consultation closes; some keep one message consultation
// (留言) open and add to it; some only stay connected. State comes from what the node says
// (replies, consult.state pushes, snapshots), as an app would have it.
import type { ConsultationViewT, ReplyData, RequestData, RequestType } from '../../../protocol/frames.ts';
import type { Category } from '../../../protocol/vocabulary.ts';
import type { LawlineError } from '../../../clients/sdk/index.ts';
import type { SoakJob } from '../jobs.ts';
import { Device, DROP_KINDS, type ReconnectCounts } from './device.ts';
import type { MessageBook } from './messages.ts';

export type Kind = SoakJob['citizens'][number]['kind'] | 'lawyer';

export interface Person {
  id: string;
  kind: Kind;
  device: Device;
}

/** An open consultation with both parties, the unit messages are sent in. */
interface Talk {
  id: string;
  channel: 'text' | 'message';
  citizen: Person;
  lawyer: Person | undefined;
  state: ConsultationViewT['state'];
  updatedAt: number;
  closeScheduled: boolean;
}

/** What people did and what the node refused, cumulative. */
export interface WorldCounts {
  requested: number;
  accepted: number;
  closed: number;
  /** message consultations the message desk assigned to a lawyer */
  assigned: number;
  /** lawyers set away or off by the node (missed offers, a drop) who went back on duty */
  backOnDuty: number;
  /** failed requests by `type:code` (a refusal the soak expects, like accepting an offer someone else took, counts too) */
  failed: Record<string, number>;
}

const pick = <T>(xs: readonly T[]): T | undefined => xs[Math.floor(Math.random() * xs.length)];
const between = (lo: number, hi: number) => lo + Math.random() * (hi - lo);
/** Chat-sized bodies: 10 to 60 characters of Chinese text. */
const FILLER = '公司拖欠工资三个月了请问我应该怎么申请劳动仲裁需要准备哪些材料对方不签合同怎么办';

export class World {
  readonly people = new Map<string, Person>();
  private readonly talks = new Map<string, Talk>();
  /** Talks with both parties and active, by channel, for picking one at random per message. */
  private readonly chatting = { text: new Bag<Talk>(), message: new Bag<Talk>() };
  readonly counts: WorldCounts = { requested: 0, accepted: 0, closed: 0, assigned: 0, backOnDuty: 0, failed: {} };
  ending = false;

  constructor(
    private readonly job: SoakJob,
    private readonly book: MessageBook,
    readonly reconnects: ReconnectCounts,
  ) {
    for (const l of job.lawyers) this.add(l.id, 'lawyer', l.token);
    for (const c of job.citizens) this.add(c.id, c.kind, c.token);
  }

  /** Everyone's first move once connected: lawyers go on duty, citizens ask. */
  begin(): void {
    for (const p of this.people.values()) {
      if (p.kind === 'lawyer') this.goOnDuty(p);
      else if (p.kind === 'chat') this.ask(p, 'text');
      else if (p.kind === 'message') this.ask(p, 'message');
    }
  }

  openTalks(): { text: number; message: number } {
    return { text: this.chatting.text.size, message: this.chatting.message.size };
  }

  /** One chat message in a random open consultation, from a random side (citizens write more in a 留言). */
  chat(): void {
    const useMessage = Math.random() < this.job.messageShare && this.chatting.message.size > 0;
    const talk = (useMessage ? this.chatting.message : this.chatting.text).random();
    if (!talk?.lawyer) return;
    const fromCitizen = Math.random() < (talk.channel === 'message' ? 0.7 : 0.5);
    const from = fromCitizen ? talk.citizen : talk.lawyer;
    if (Math.random() < 0.1) void this.call(from, 'chat.typing', { consultationId: talk.id, typing: true });
    const { n, body } = this.book.send(FILLER.slice(0, 10 + Math.floor(Math.random() * 50)));
    from.device.client.sendChat(talk.id, body).acked.then(
      () => this.book.acked(n),
      (e: LawlineError) => (this.book.refused(n), this.failed('chat.send', e)),
    );
  }

  /** Cuts one connected device at random, the way `DROP_KINDS` describes; some citizens stay away past the resume window. */
  dropOne(): void {
    const candidates = [...this.people.values()];
    for (let tries = 0; tries < 20; tries++) {
      const p = pick(candidates) as Person;
      if (!p.device.connected) continue;
      const kind = pick(DROP_KINDS) as (typeof DROP_KINDS)[number];
      const long = p.kind !== 'lawyer' && kind !== 'silent' && Math.random() < this.job.longShare;
      p.device.drop(kind, this.job.silentMs, long ? this.job.absentMs : 0);
      return;
    }
  }

  private add(id: string, kind: Kind, token: string): void {
    const from = this.job.sourceAddresses[this.people.size % this.job.sourceAddresses.length] as string;
    const device = new Device(id, this.job.url, token, this.job.deadUrl, from, this.reconnects);
    const p: Person = { id, kind, device };
    this.people.set(id, p);
    const c = device.client;
    c.on('chat.message', (m) => {
      if (m.from.id === id) return;
      this.book.delivered(m.body);
      if (Math.random() < 0.05) void this.call(p, 'chat.read', { consultationId: m.consultationId, upToSeq: m.seq });
    });
    c.on('consult.state', ({ consultation }) => this.observe(consultation));
    c.on('snapshot', (consultations) => consultations.forEach((v) => this.observe(v)));
    if (kind !== 'lawyer') return;
    c.on('offer', ({ consultation }) => {
      setTimeout(() => {
        this.call(p, 'offer.accept', { consultationId: consultation.id }).then((r) => {
          if (!r) return;
          this.counts.accepted++;
          this.observe(r.consultation);
        });
      }, between(100, 1500));
    });
    c.on('duty.state', ({ presence, reason }) => {
      // Set away (missed offers) or off (gone past the resume window) by the node, not by
      // themselves (every hello also tells the state, `offline` before the first duty.on):
      // a lawyer on shift goes back on duty.
      if (this.ending || reason === undefined || (presence.state !== 'away' && presence.state !== 'offline')) return;
      setTimeout(() => this.goOnDuty(p).then((ok) => ok && this.counts.backOnDuty++), between(1000, 3000));
    });
  }

  private async goOnDuty(p: Person): Promise<boolean> {
    const r = await this.call(p, 'duty.on', { capacity: this.job.capacity });
    if (!r && !this.ending) setTimeout(() => void this.goOnDuty(p), 10_000);
    return r !== undefined;
  }

  private async ask(p: Person, channel: 'text' | 'message'): Promise<void> {
    // A request that timed out may still have gone through (the node answered while the device
    // was cut off): then the citizen has it already, and asking again would open a second one
    // and, over an hour, drift the population away from one consultation per citizen.
    if (this.ending || this.hasOpen(p)) return;
    const category = pick(this.job.categories) as Category;
    const r = await this.call(p, 'consult.request', { category, region: this.job.region, channel });
    if (!r) return void setTimeout(() => void this.listThenAsk(p, channel), 10_000);
    this.counts.requested++;
    this.observe(r.consultation);
  }

  /** A view of a consultation from the node (reply, push or snapshot): the newest one wins. */
  private observe(v: ConsultationViewT): void {
    let talk = this.talks.get(v.id);
    if (talk && v.updatedAt < talk.updatedAt) return;
    const citizen = this.people.get(v.citizen.id);
    // A late push about a consultation already seen closing is old news.
    if (!citizen || (!talk && (v.state === 'closed' || v.state === 'cancelled'))) return;
    if (!talk) this.talks.set(v.id, (talk = { id: v.id, channel: v.channel, citizen, lawyer: undefined, state: v.state, updatedAt: v.updatedAt, closeScheduled: false }));
    const wasOpen = talk.state !== 'closed' && talk.state !== 'cancelled';
    if (talk.channel === 'message' && !talk.lawyer && v.lawyer && v.state === 'active') this.counts.assigned++;
    Object.assign(talk, { channel: v.channel, state: v.state, updatedAt: v.updatedAt, lawyer: v.lawyer && this.people.get(v.lawyer.id) });
    const live = talk.state === 'active' && talk.lawyer !== undefined;
    for (const set of Object.values(this.chatting)) set.delete(talk);
    if (live) this.chatting[talk.channel].add(talk);
    if (live && talk.channel === 'text' && !talk.closeScheduled) {
      talk.closeScheduled = true;
      setTimeout(() => void this.close(talk), between(...this.job.lifetimeMs));
    }
    if (wasOpen && (talk.state === 'closed' || talk.state === 'cancelled')) {
      this.talks.delete(talk.id);
      this.counts.closed++;
      if (citizen.kind === 'chat' && !this.hasOpen(citizen)) setTimeout(() => void this.ask(citizen, 'text'), between(5000, 20_000));
    }
  }

  /**
   * The end of a live consultation, by the lawyer mostly. Not while the citizen is away past
   * the resume window: the SDK fills gaps from history only in consultations still open, so
   * messages written to them meanwhile would count as lost when they are a design limit.
   */
  private async close(talk: Talk): Promise<void> {
    if (this.ending || !this.talks.has(talk.id) || talk.state !== 'active') return;
    if (talk.citizen.device.absent || !talk.lawyer) return void setTimeout(() => void this.close(talk), 30_000);
    const by = Math.random() < 0.7 ? talk.lawyer : talk.citizen;
    const r = await this.call(by, 'consult.close', { consultationId: talk.id });
    if (r) this.observe(r.consultation);
    else setTimeout(() => void this.close(talk), 10_000);
  }

  /** After a failed request: what the node has for this citizen first, as an app would look on reconnecting. */
  private async listThenAsk(p: Person, channel: 'text' | 'message'): Promise<void> {
    if (this.ending) return;
    const list = await this.call(p, 'consult.list', {});
    if (!list) return void setTimeout(() => void this.listThenAsk(p, channel), 10_000);
    for (const v of list.consultations) this.observe(v);
    await this.ask(p, channel);
  }

  private hasOpen(citizen: Person): boolean {
    for (const t of this.talks.values()) if (t.citizen === citizen) return true;
    return false;
  }

  /** A request whose failure is counted, not thrown: the soak goes on and the report shows it. */
  private async call<T extends RequestType>(p: Person, type: T, data: RequestData<T>): Promise<ReplyData<T> | undefined> {
    try {
      return await p.device.client.request(type, data);
    } catch (e) {
      this.failed(type, e as LawlineError);
      return undefined;
    }
  }

  private failed(type: string, e: LawlineError): void {
    const key = `${type}:${e.code ?? String(e)}`;
    this.counts.failed[key] = (this.counts.failed[key] ?? 0) + 1;
  }
}

/** A set with a uniform random pick in O(1): one is picked per message sent. */
class Bag<T> {
  private readonly items: T[] = [];
  private readonly index = new Map<T, number>();
  get size(): number {
    return this.items.length;
  }
  add(x: T): void {
    if (this.index.has(x)) return;
    this.index.set(x, this.items.length);
    this.items.push(x);
  }
  delete(x: T): void {
    const i = this.index.get(x);
    if (i === undefined) return;
    const last = this.items.pop() as T;
    this.index.delete(x);
    if (last === x) return;
    this.items[i] = last;
    this.index.set(last, i);
  }
  random(): T | undefined {
    return pick(this.items);
  }
}
