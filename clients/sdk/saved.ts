import type { PushData } from '../../protocol/frames.ts';
import { randomId } from './ids.ts';
import type { ClientStore } from './store.ts';

type Offer = PushData<'offer'>;
type Log = ((msg: string, ctx?: Record<string, unknown>) => void) | undefined;

/** How far a client had got in its session: written before each ack, so it never claims less than the server dropped. */
export interface SavedSession {
  userId: string;
  sessionId: string;
  /** The last push handled; the server holds every later one until acknowledged. */
  lastSeq: number;
  /** Per consultation, the highest message seq given to the app (MessageLedger), least recently changed first. */
  delivered: [string, number][];
  /** The offers ringing when it was written. */
  offers: Offer[];
}

/** A chat message written and not yet acknowledged: resent after a reload with the same id. */
export interface SavedMessage {
  clientMsgId: string;
  consultationId: string;
  body: string;
  /** When it was written, ms since the epoch. */
  at: number;
}

type Name = 'session' | 'outbox' | 'owner';

/** Bumped when the shape changes: a client ignores what another version wrote. */
const VERSION = 1;

/**
 * The client's state in a `ClientStore`, under `<prefix>.session`, `<prefix>.outbox` and
 * `<prefix>.owner`. A client takes the store over when it loads it (it writes its own owner id);
 * before every write it checks the owner is still itself, so that of two live clients on one store
 * (two tabs on one localStorage) the older stops writing rather than the two interleaving: the
 * newer one's state is never overwritten. What it reads is checked, not cast: another version, or
 * a person editing their storage, may have written anything.
 */
export class SavedState {
  private readonly owner = randomId('o');
  private displaced = false;

  constructor(
    private readonly store: ClientStore | undefined,
    private readonly prefix: string,
    private readonly log: Log,
    private readonly bounds: { outbox: number; consultations: number; offers: number },
  ) {}

  get enabled(): boolean {
    return this.store !== undefined;
  }

  /** What the previous client on this store left; from now on the store is this client's. */
  load(): { session: SavedSession | undefined; outbox: SavedMessage[] } {
    const session = parseSession(this.read('session'), this.bounds);
    const outbox = parseOutbox(this.read('outbox')).slice(0, this.bounds.outbox);
    this.attempt('owner', (store, key) => store.set(key, this.owner));
    return { session, outbox };
  }

  saveSession(session: SavedSession): void {
    this.write('session', { v: VERSION, ...session });
  }

  saveOutbox(entries: SavedMessage[]): void {
    if (entries.length === 0) return this.remove('outbox');
    this.write('outbox', { v: VERSION, entries });
  }

  /** Sign-out: nothing of this person stays behind (unless another client has taken the store over). */
  forget(): void {
    for (const name of ['session', 'outbox', 'owner'] as const) this.remove(name);
  }

  private key(name: Name): string {
    return `${this.prefix}.${name}`;
  }

  private read(name: 'session' | 'outbox'): unknown {
    const text = this.attempt(name, (store, key) => store.get(key));
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text);
    } catch (e) {
      this.log?.('saved client state is not JSON: ignored', { key: this.key(name), error: String(e) });
      return undefined;
    }
  }

  private write(name: 'session' | 'outbox', value: unknown): void {
    if (this.ours()) this.attempt(name, (store, key) => store.set(key, JSON.stringify(value)));
  }

  private remove(name: Name): void {
    if (this.ours()) this.attempt(name, (store, key) => store.delete(key));
  }

  private ours(): boolean {
    if (!this.store || this.displaced) return false;
    if (this.attempt('owner', (store, key) => store.get(key)) === this.owner) return true;
    this.displaced = true;
    this.log?.('another client took this store over: this one no longer saves its state', { key: this.key('owner') });
    return false;
  }

  /** A store that throws (quota, storage disabled) costs persistence, not the connection. */
  private attempt<T>(name: Name, op: (store: ClientStore, key: string) => T): T | undefined {
    if (!this.store) return undefined;
    const key = this.key(name);
    try {
      return op(this.store, key);
    } catch (e) {
      this.log?.('client store failed', { key, error: String(e) });
      return undefined;
    }
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isSeq = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isId = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 64;

function parseSession(v: unknown, bounds: { consultations: number; offers: number }): SavedSession | undefined {
  if (!isRecord(v) || v.v !== VERSION || !isId(v.userId) || !isId(v.sessionId) || !isSeq(v.lastSeq)) return undefined;
  if (!Array.isArray(v.delivered) || !Array.isArray(v.offers)) return undefined;
  const delivered = v.delivered.filter((d): d is [string, number] => Array.isArray(d) && d.length === 2 && isId(d[0]) && isSeq(d[1]));
  // The SDK reads an offer's consultation id and expiry; the app gets the rest as the server sent it.
  const offers = v.offers.filter((o): o is Offer => isRecord(o) && isRecord(o.consultation) && isId(o.consultation.id) && isSeq(o.expiresAt));
  return { userId: v.userId, sessionId: v.sessionId, lastSeq: v.lastSeq, delivered: delivered.slice(-bounds.consultations), offers: offers.slice(0, bounds.offers) };
}

function parseOutbox(v: unknown): SavedMessage[] {
  if (!isRecord(v) || v.v !== VERSION || !Array.isArray(v.entries)) return [];
  return v.entries.filter(
    (e): e is SavedMessage => isRecord(e) && isId(e.clientMsgId) && isId(e.consultationId) && typeof e.body === 'string' && e.body.length > 0 && isSeq(e.at),
  );
}
