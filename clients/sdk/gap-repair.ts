import type { ChatMessageT, ConsultationViewT, ReplyData, RequestData } from '../../protocol/frames.ts';

type History = (data: RequestData<'consult.history'>) => Promise<ReplyData<'consult.history'>>;

const PAGE = 100;
const RETRY_MS = 500;
/**
 * Consultations whose delivered seq is saved for a reload, the most recently changed. One person
 * holds at most 20 open at once (a lawyer's capacity limit; a citizen's cap is lower): 200
 * outlasts a day of a busy console, about 12 KB saved. One left out is new to the next client
 * (known from its snapshot, as a first sight is).
 */
export const REMEMBERED_CONSULTATIONS = 200;

/**
 * Delivers each chat message to the application exactly once, in seq order per consultation,
 * whether it came as a live push, a resume replay, or from history. A gap is filled from
 * history, never skipped: after a lost session (the snapshot says a consultation moved on),
 * and when a live push skips seqs (a push lost between nodes of a cluster).
 */
export class MessageLedger {
  /** Highest message seq delivered per consultation. */
  private readonly delivered = new Map<string, number>();
  /** Live pushes held back while a consultation's gap is being filled from history. */
  private readonly holding = new Map<string, ChatMessageT[]>();
  /** Seqs of this client's own messages not yet passed: the server does not push them back, and they are no gap. */
  private readonly own = new Map<string, Set<number>>();

  constructor(
    private readonly deliver: (m: ChatMessageT) => void,
    private readonly history: History,
    private readonly stopped: () => boolean = () => false,
    /** True for a message this client wrote and holds unacknowledged (found in history before its ack): taken as its ack. */
    private readonly ownUnacked: (m: ChatMessageT) => boolean = () => false,
  ) {}

  /** First sight of a consultation: what came before is history, not news. */
  know(c: ConsultationViewT): void {
    if (!this.delivered.has(c.id)) this.mark(c.id, c.lastSeq);
  }

  /** The highest seq of the consultation given to the app (or known from a snapshot); below it is history. */
  deliveredUpTo(consultationId: string): number | undefined {
    return this.delivered.get(consultationId);
  }

  /** What to save for a reload: the most recently changed, least recent first. */
  saved(): [string, number][] {
    return [...this.delivered].slice(-REMEMBERED_CONSULTATIONS);
  }

  /** What a previous client on the same store had delivered (its app re-renders that from history). */
  restore(delivered: readonly [string, number][]): void {
    for (const [id, seq] of delivered) this.mark(id, Math.max(seq, this.delivered.get(id) ?? 0));
  }

  forget(): void {
    this.delivered.clear();
    this.own.clear();
  }

  /** This client's own message was stored at `seq`. */
  sent(consultationId: string, seq: number): void {
    if (seq <= (this.delivered.get(consultationId) ?? 0)) return;
    let seqs = this.own.get(consultationId);
    if (!seqs) this.own.set(consultationId, (seqs = new Set()));
    seqs.add(seq);
    this.passOwn(consultationId);
  }

  live(m: ChatMessageT): void {
    const held = this.holding.get(m.consultationId);
    if (held) return void held.push(m);
    this.passOwn(m.consultationId);
    const known = this.delivered.get(m.consultationId);
    if (known !== undefined && m.seq > known + 1) {
      this.holding.set(m.consultationId, [m]);
      return void this.fill(m.consultationId, m.seq - 1);
    }
    this.offer(m);
  }

  /** After a lost session: fetch what each known consultation gained while we were away. */
  async repair(snapshot: readonly ConsultationViewT[]): Promise<void> {
    await Promise.all(
      snapshot.map(async (c) => {
        const known = this.delivered.get(c.id);
        if (known === undefined) return this.know(c);
        if (c.lastSeq <= known || this.holding.has(c.id)) return;
        this.holding.set(c.id, []);
        await this.fill(c.id, c.lastSeq);
      }),
    );
  }

  /** Fetches (known, upTo] from history, then releases what was held meanwhile; retried until it works. */
  private async fill(consultationId: string, upTo: number): Promise<void> {
    for (;;) {
      try {
        const known = this.delivered.get(consultationId) ?? 0;
        const missed: ChatMessageT[] = [];
        let beforeSeq = upTo + 1;
        for (;;) {
          const page = await this.history({ consultationId, limit: PAGE, beforeSeq });
          missed.unshift(...page.messages.filter((m) => m.seq > known));
          const oldest = page.messages[0]?.seq;
          if (!page.hasMore || oldest === undefined || oldest <= known + 1) break;
          beforeSeq = oldest;
        }
        for (const m of missed) this.offer(m);
        break;
      } catch {
        if (this.stopped()) break;
        await new Promise((r) => setTimeout(r, RETRY_MS));
      }
    }
    const held = this.holding.get(consultationId) ?? [];
    this.holding.delete(consultationId);
    for (const m of held.sort((a, b) => a.seq - b.seq)) this.live(m);
  }

  private offer(m: ChatMessageT): void {
    const known = this.delivered.get(m.consultationId) ?? 0;
    if (m.seq <= known) return;
    this.mark(m.consultationId, m.seq);
    if (this.own.get(m.consultationId)?.delete(m.seq) || this.ownUnacked(m)) return;
    this.deliver(m);
  }

  private mark(consultationId: string, seq: number): void {
    // Re-inserted, so the Map's order is least recently changed first.
    this.delivered.delete(consultationId);
    this.delivered.set(consultationId, seq);
  }

  /** Moves past own messages that directly follow what was delivered. */
  private passOwn(consultationId: string): void {
    const seqs = this.own.get(consultationId);
    const known = this.delivered.get(consultationId);
    if (!seqs || known === undefined) return;
    let next = known;
    while (seqs.delete(next + 1)) next++;
    if (next !== known) this.mark(consultationId, next);
    for (const seq of seqs) if (seq <= next) seqs.delete(seq);
    if (seqs.size === 0) this.own.delete(consultationId);
  }
}
