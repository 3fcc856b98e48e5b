import type { ReplyData } from '../../protocol/frames.ts';
import type { LawlineError } from './errors.ts';
import { randomId } from './ids.ts';

export type ChatAck = ReplyData<'chat.send'>;

export interface OutboxEntry {
  consultationId: string;
  clientMsgId: string;
  body: string;
  inFlight: boolean;
  resolve: (ack: ChatAck) => void;
  reject: (e: LawlineError) => void;
}

/**
 * Chat messages not yet acknowledged, in the order they were written. Each is resent with
 * the same clientMsgId after every reconnect until its ack arrives; the server deduplicates,
 * so a resend of a message that was stored but whose ack was lost is harmless.
 */
export class Outbox {
  private readonly entries = new Map<string, OutboxEntry>();

  add(consultationId: string, body: string): { entry: OutboxEntry; acked: Promise<ChatAck> } {
    const clientMsgId = randomId('m');
    let entry!: OutboxEntry;
    const acked = new Promise<ChatAck>((resolve, reject) => {
      entry = { consultationId, clientMsgId, body, inFlight: false, resolve, reject };
    });
    this.entries.set(clientMsgId, entry);
    return { entry, acked };
  }

  /** Entries to (re)send, oldest first. */
  unsent(): OutboxEntry[] {
    return [...this.entries.values()].filter((e) => !e.inFlight);
  }

  all(): OutboxEntry[] {
    return [...this.entries.values()];
  }

  settle(clientMsgId: string, outcome: { ack: ChatAck } | { error: LawlineError }): void {
    const entry = this.entries.get(clientMsgId);
    if (!entry) return;
    this.entries.delete(clientMsgId);
    if ('ack' in outcome) entry.resolve(outcome.ack);
    else entry.reject(outcome.error);
  }

  get size(): number {
    return this.entries.size;
  }
}
