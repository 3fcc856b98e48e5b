import { ErrorCode } from '../../protocol/errors.ts';
import type { ChatMessageT } from '../../protocol/frames.ts';
import { LawlineError } from './errors.ts';
import { randomId } from './ids.ts';
import { Outbox, type ChatAck, type OutboxEntry } from './outbox.ts';
import type { SavedMessage } from './saved.ts';

/** A chat message written and not yet acknowledged; `acked` settles as `sendChat`'s does. */
export type PendingChat = SavedMessage & { acked: Promise<ChatAck> };

/** Between two sends of messages the server could not take now (5xxx) while connected. */
const RESEND_AFTER_MS = 500;

export interface ChatSenderDeps {
  /** One `chat.send` request. */
  send: (entry: OutboxEntry) => Promise<ChatAck>;
  /** The hello was answered on the socket open now. */
  connected: () => boolean;
  /** The message was stored at `seq` (the ledger then does not take it for a gap). */
  stored: (consultationId: string, seq: number) => void;
  /** What is left unacknowledged, to keep for a reload. */
  save: (entries: SavedMessage[]) => void;
  /** Messages that may wait for their acks at once: `OUTBOX_MAX` when they are kept in a store, else no limit. */
  max: number;
  log: ((msg: string, ctx?: Record<string, unknown>) => void) | undefined;
}

/**
 * This client's chat messages until the server has each durably: written into the outbox (kept
 * in the store), sent after every hello with the same clientMsgId until acknowledged, and taken
 * over from the previous client on the store after a reload.
 */
export class ChatSender {
  private readonly outbox: Outbox;
  /** Messages a previous client on the store left: sent only once the same person has signed in. */
  private readonly inherited = new Set<string>();

  constructor(private readonly deps: ChatSenderDeps) {
    this.outbox = new Outbox(deps.save);
  }

  /** `stopped`: the client's reason for having stopped, if it has. */
  write(consultationId: string, body: string, stopped: LawlineError | undefined): { clientMsgId: string; acked: Promise<ChatAck> } {
    const refused = (error: LawlineError) => ({ clientMsgId: randomId('m'), acked: Promise.reject(error) });
    if (stopped) return refused(stopped);
    if (this.outbox.size >= this.deps.max) return refused(new LawlineError(ErrorCode.OUTBOX_FULL, `${this.deps.max} chat messages are waiting for their acks`));
    const entry = this.outbox.add(consultationId, body);
    if (this.deps.connected()) this.flush();
    return { clientMsgId: entry.clientMsgId, acked: entry.acked };
  }

  /** What a previous client on the store left unacknowledged, with its ids. */
  inherit(saved: readonly SavedMessage[]): void {
    for (const entry of this.outbox.restore(saved)) {
      this.inherited.add(entry.clientMsgId);
      // Nobody may be listening yet: a failure is noted here (the app sees it through pending()).
      entry.acked.catch((e: unknown) => this.deps.log?.('a chat message kept from before failed', { clientMsgId: entry.clientMsgId, error: String(e) }));
    }
  }

  /** The hello said who this client speaks for: what another person left is refused, never sent. */
  signedIn(sameAsBefore: boolean): void {
    const error = new LawlineError(ErrorCode.FORBIDDEN, 'written by another user: not sent');
    if (!sameAsBefore) for (const clientMsgId of this.inherited) this.outbox.settle(clientMsgId, { error });
    this.inherited.clear();
  }

  pending(): PendingChat[] {
    return this.outbox.all().map(({ clientMsgId, consultationId, body, at, acked }) => ({ clientMsgId, consultationId, body, at, acked }));
  }

  get size(): number {
    return this.outbox.size;
  }

  /** Sends what is not in flight; called after every hello and every new message. */
  flush(): void {
    for (const entry of this.outbox.unsent()) {
      entry.inFlight = true;
      this.deps.send(entry).then(
        (ack) => {
          this.deps.stored(entry.consultationId, ack.seq);
          this.outbox.settle(entry.clientMsgId, { ack });
        },
        (e: LawlineError) => {
          entry.inFlight = false;
          if (!e.retryable) this.outbox.settle(entry.clientMsgId, { error: e });
          // Retryable: it stays; the next reconnect (or this retry, if still connected) resends it.
          else if (this.deps.connected()) setTimeout(() => this.deps.connected() && this.flush(), RESEND_AFTER_MS);
        },
      );
    }
  }

  /**
   * A message of `me`'s found before its ack came (in history after a reload, or pushed to
   * another session of theirs): that is its ack, and the app has it as pending, not as news.
   */
  foundStored(m: ChatMessageT, me: string | undefined): boolean {
    const entry = this.outbox.get(m.clientMsgId);
    if (!entry || entry.consultationId !== m.consultationId || m.from.id !== me) return false;
    this.outbox.settle(m.clientMsgId, { ack: { clientMsgId: m.clientMsgId, seq: m.seq, at: m.at } });
    return true;
  }

  /** The client stopped: each message fails here with `error`, and stays in the store for the next client. */
  abandon(error: LawlineError): void {
    this.outbox.abandon(error);
  }
}
