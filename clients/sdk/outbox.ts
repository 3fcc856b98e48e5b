import type { ReplyData } from '../../protocol/frames.ts';
import type { LawlineError } from './errors.ts';
import { randomId } from './ids.ts';
import type { SavedMessage } from './saved.ts';

export type ChatAck = ReplyData<'chat.send'>;

/**
 * Messages written and not yet acknowledged, at most, for a client that keeps them in a store. A
 * person typing while the network is down writes a handful a minute; a hundred at the
 * 5,000-character limit is about 1 MB of a browser's storage (sessionStorage holds about 5 million
 * characters per origin). Without a store the outbox is memory only and has no limit (a load
 * test's client sends hundreds through an outage of a fraction of a second: test/crash.test.ts).
 */
export const OUTBOX_MAX = 100;

export interface OutboxEntry extends SavedMessage {
  inFlight: boolean;
  acked: Promise<ChatAck>;
  resolve: (ack: ChatAck) => void;
  reject: (e: LawlineError) => void;
}

/**
 * Chat messages not yet acknowledged, in the order they were written. Each is resent with
 * the same clientMsgId after every reconnect until its ack arrives; the server deduplicates,
 * so a resend of a message that was stored but whose ack was lost is harmless. `changed` is
 * told what is left whenever that changes for good (written, acknowledged, refused), so it can
 * be kept across a reload; a client that merely stops leaves it as it was, for the next one.
 */
export class Outbox {
  private readonly entries = new Map<string, OutboxEntry>();

  constructor(private readonly changed: (entries: SavedMessage[]) => void) {}

  add(consultationId: string, body: string): OutboxEntry {
    const entry = this.entry({ consultationId, clientMsgId: randomId('m'), body, at: Date.now() });
    this.changed(this.saved());
    return entry;
  }

  /** Takes back what a previous client on the same store left unacknowledged, with its ids. */
  restore(saved: readonly SavedMessage[]): OutboxEntry[] {
    return saved.filter((m) => !this.entries.has(m.clientMsgId)).map((m) => this.entry(m));
  }

  /** Entries to (re)send, oldest first. */
  unsent(): OutboxEntry[] {
    return [...this.entries.values()].filter((e) => !e.inFlight);
  }

  all(): OutboxEntry[] {
    return [...this.entries.values()];
  }

  get(clientMsgId: string): OutboxEntry | undefined {
    return this.entries.get(clientMsgId);
  }

  settle(clientMsgId: string, outcome: { ack: ChatAck } | { error: LawlineError }): void {
    const entry = this.entries.get(clientMsgId);
    if (!entry) return;
    this.entries.delete(clientMsgId);
    this.changed(this.saved());
    if ('ack' in outcome) entry.resolve(outcome.ack);
    else entry.reject(outcome.error);
  }

  /** The client stopped: each entry fails with `error` here, and stays saved for the next client on the store. */
  abandon(error: LawlineError): void {
    const entries = this.all();
    this.entries.clear();
    for (const entry of entries) entry.reject(error);
  }

  get size(): number {
    return this.entries.size;
  }

  private entry(m: SavedMessage): OutboxEntry {
    let settle!: Pick<OutboxEntry, 'resolve' | 'reject'>;
    const acked = new Promise<ChatAck>((resolve, reject) => (settle = { resolve, reject }));
    const entry: OutboxEntry = { clientMsgId: m.clientMsgId, consultationId: m.consultationId, body: m.body, at: m.at, inFlight: false, acked, ...settle };
    this.entries.set(entry.clientMsgId, entry);
    return entry;
  }

  private saved(): SavedMessage[] {
    return this.all().map(({ clientMsgId, consultationId, body, at }) => ({ clientMsgId, consultationId, body, at }));
  }
}
