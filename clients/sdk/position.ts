import { LIMITS } from '../../protocol/frames.ts';
import type { ChatSender } from './chat-sender.ts';
import { REMEMBERED_CONSULTATIONS, type MessageLedger } from './gap-repair.ts';
import type { OfferBook } from './offers.ts';
import { OUTBOX_MAX } from './outbox.ts';
import { SavedState } from './saved.ts';
import { SessionHold } from './session-lock.ts';
import type { ClientStore } from './store.ts';

type Log = ((msg: string, ctx?: Record<string, unknown>) => void) | undefined;

/**
 * Which session a client is in and how far it got, kept in its store (with the ledger, the
 * offers ringing and the outbox) so that the next client on the store, after a page reload,
 * resumes the session where this one was. Without a store it only keeps the position in memory.
 */
export class SessionPosition {
  sessionId: string | undefined;
  /** The last push handled; the server holds every later one until acknowledged. */
  lastSeq = 0;
  /** Who the client speaks for: from the hello reply, or the saved state until then. */
  me: string | undefined;
  /** A saved session was taken over and not yet resumed: once it is, the app needs the consultations again. */
  restoring = false;
  /** Another live client holds the saved session (a duplicated tab): this one starts its own. */
  private resumeRefused = false;
  private readonly saved: SavedState;
  private readonly hold: SessionHold;

  constructor(
    store: { store: ClientStore | undefined; key: string; log: Log },
    private readonly parts: { ledger: MessageLedger; offers: OfferBook; chats: ChatSender },
  ) {
    this.hold = new SessionHold(store.log);
    this.saved = new SavedState(store.store, store.key, store.log, { outbox: OUTBOX_MAX, consultations: REMEMBERED_CONSULTATIONS, offers: LIMITS.maxCapacity });
  }

  /** Takes over what the previous client on the store left (a reload): its outbox now, its session once `claim` allows. */
  load(): void {
    const { session, outbox } = this.saved.load();
    this.parts.chats.inherit(outbox);
    if (!session) return;
    this.me = session.userId;
    this.sessionId = session.sessionId;
    this.lastSeq = session.lastSeq;
    this.parts.ledger.restore(session.delivered);
    this.parts.offers.restore(session.offers, Date.now());
    this.restoring = true;
  }

  /** Before the first connection: the saved session is resumed only if no other live client holds it. */
  async claim(log: Log): Promise<void> {
    if (!this.restoring || this.sessionId === undefined) return;
    if (await this.hold.claim(this.sessionId)) return;
    log?.('another live client holds the saved session: starting a new one', { sessionId: this.sessionId });
    this.resumeRefused = true;
    this.restoring = false;
  }

  /** What the hello asks to resume, if anything. */
  resume(): { sessionId: string; lastSeq: number } | undefined {
    return this.sessionId && !this.resumeRefused ? { sessionId: this.sessionId, lastSeq: this.lastSeq } : undefined;
  }

  /** The hello said who this is: another person's saved state (left without signing out) is dropped, never sent. */
  signedIn(userId: string, log: Log): void {
    const same = this.me === undefined || this.me === userId;
    if (!same) {
      log?.("the saved client state was another user's: dropped");
      this.parts.ledger.forget();
      this.parts.offers.startOver();
    }
    this.parts.chats.signedIn(same);
    this.me = userId;
  }

  /** A new session began at `seq`; true if it follows another (whose messages may need repair). */
  started(sessionId: string, seq: number): boolean {
    const followsAnother = this.sessionId !== undefined;
    if (this.saved.enabled) this.hold.started(sessionId);
    this.sessionId = sessionId;
    this.lastSeq = seq;
    this.resumeRefused = false;
    // A new session comes with a snapshot: nothing left to restore.
    this.restoring = false;
    return followsAnother;
  }

  /** Written before every ack: a reload then resumes from at least what the server is about to drop. */
  save(): void {
    if (!this.saved.enabled || this.sessionId === undefined || this.me === undefined) return;
    const { ledger, offers } = this.parts;
    this.saved.saveSession({ userId: this.me, sessionId: this.sessionId, lastSeq: this.lastSeq, delivered: ledger.saved(), offers: offers.list() });
  }

  saveOutbox(entries: Parameters<SavedState['saveOutbox']>[0]): void {
    this.saved.saveOutbox(entries);
  }

  /** Sign-out. */
  forget(): void {
    this.saved.forget();
  }

  /** The client stopped: another client (in this page, or a reloaded one) may resume the session now. */
  release(): void {
    this.hold.release();
  }
}
