import type { ChatMessageT, ConsultationViewT, ReplyData, RequestData } from '../../protocol/frames.ts';

type History = (data: RequestData<'consult.history'>) => Promise<ReplyData<'consult.history'>>;

/**
 * Delivers each chat message to the application exactly once, in seq order per consultation,
 * whether it came as a live push, a resume replay, or from history after a lost session.
 */
export class MessageLedger {
  /** Highest message seq delivered per consultation. */
  private readonly delivered = new Map<string, number>();
  /** Live pushes held back while a consultation's gap is being filled from history. */
  private readonly holding = new Map<string, ChatMessageT[]>();

  constructor(private readonly deliver: (m: ChatMessageT) => void) {}

  /** First sight of a consultation: what came before is history, not news. */
  know(c: ConsultationViewT): void {
    if (!this.delivered.has(c.id)) this.delivered.set(c.id, c.lastSeq);
  }

  live(m: ChatMessageT): void {
    const held = this.holding.get(m.consultationId);
    if (held) held.push(m);
    else this.offer(m);
  }

  /** After a session was lost: fetch what each known consultation gained while we were away. */
  async repair(snapshot: readonly ConsultationViewT[], history: History): Promise<void> {
    await Promise.all(
      snapshot.map(async (c) => {
        const known = this.delivered.get(c.id);
        if (known === undefined) return this.know(c);
        if (c.lastSeq <= known || this.holding.has(c.id)) return;
        this.holding.set(c.id, []);
        try {
          const missed: ChatMessageT[] = [];
          let beforeSeq: number | undefined;
          for (;;) {
            const page = await history({ consultationId: c.id, limit: 100, ...(beforeSeq !== undefined ? { beforeSeq } : {}) });
            missed.unshift(...page.messages.filter((m) => m.seq > known));
            const oldest = page.messages[0]?.seq;
            if (!page.hasMore || oldest === undefined || oldest <= known + 1) break;
            beforeSeq = oldest;
          }
          for (const m of missed) this.offer(m);
        } finally {
          const held = this.holding.get(c.id) ?? [];
          this.holding.delete(c.id);
          for (const m of held) this.offer(m);
        }
      }),
    );
  }

  private offer(m: ChatMessageT): void {
    const known = this.delivered.get(m.consultationId) ?? 0;
    if (m.seq <= known) return;
    this.delivered.set(m.consultationId, m.seq);
    this.deliver(m);
  }
}
