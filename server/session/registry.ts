import type { PushData, PushEvent } from '../../protocol/frames.ts';
import { CATEGORY_CODES } from '../../protocol/vocabulary.ts';
import type { Identity } from '../auth/identity.ts';
import type { Delivery } from '../backplane/delivery.ts';
import type { Pusher } from './pusher.ts';
import { Session, type SessionLimits } from './session.ts';

/**
 * Audience keys a session listens on: `u:<id>` for the user, `team:<lawyerId>` for a
 * lawyer and their assistants, `role:<role>` for broadcasts to a role, `queue:<category>`
 * for a lawyer's view of the live queue of each category they serve (all, if none declared).
 */
export function audienceKeys(identity: Identity): string[] {
  const keys = [`u:${identity.id}`, `role:${identity.role}`];
  if (identity.role === 'lawyer') {
    keys.push(`team:${identity.id}`);
    for (const c of identity.categories?.length ? identity.categories : CATEGORY_CODES) keys.push(`queue:${c}`);
  }
  if (identity.role === 'assistant' && identity.lawyerId) keys.push(`team:${identity.lawyerId}`);
  return keys;
}

/**
 * Pushes held by this node's disconnected sessions, all together, unless `SessionLimits`
 * says otherwise. Every session of a user takes that user's pushes for the whole resume
 * window, so each one left behind (a page reload, an app restart, a load test's next run)
 * kept a copy of every push for two minutes, unbounded: 99 chatting pairs starting afresh
 * every 5 s at 3,000 msg/s grew the heap past 1 GB, stalled the event loop for 0.3-2.8 s
 * (scavenges and allocations in a huge heap) and CPU per message rose from ~85 to 175 µs.
 * Measured with this budget: ~75 MB of heap at most (about 400 bytes a push with its data).
 */
export const DETACHED_HOLD_MAX = 200_000;

/** Told when a user's devices come and go on this node (presence is their union). */
export interface DeviceListener {
  deviceAttached(session: Session, firstDevice: boolean): void;
  lastDeviceGone(identity: Identity): void;
}

/**
 * Owns every session of this node: creation, lookup for resume, the resume window after a
 * disconnect, and fan-out of pushes by audience key. Closing the registry destroys them all.
 */
export class SessionRegistry implements Pusher {
  private readonly byId = new Map<string, Session>();
  private readonly byAudience = new Map<string, Set<Session>>();
  /** Disconnected sessions waiting out the resume window, longest gone first (insertion order). */
  private readonly expiry = new Map<Session, NodeJS.Timeout>();
  /** Pushes the sessions in `expiry` hold, summed. */
  private heldByDetached = 0;
  private readonly detachedHoldMax: number;
  /** Sessions with a connection, per user id. */
  private readonly live = new Map<string, Set<Session>>();
  /** Audience keys a user's sessions stay out of for now (an on-duty lawyer's queue keys). */
  private readonly muted = new Map<string, Set<string>>();
  /** Per audience key with a session here: other nodes' pushes on it reach this node once this resolves. */
  private readonly listening = new Map<string, Promise<void>>();
  listener: DeviceListener | undefined;

  constructor(
    private readonly resumeWindowMs: number,
    private readonly limits: SessionLimits,
    /** Tells the other nodes which audience keys have sessions here (nothing to tell on one node). */
    private readonly directory: Pick<Delivery, 'listen' | 'unlisten'> = { listen: async () => undefined, unlisten: () => undefined },
  ) {
    this.detachedHoldMax = limits.detachedHoldMax ?? DETACHED_HOLD_MAX;
  }

  get size(): number {
    return this.byId.size;
  }

  /** Pushes held for disconnected sessions, in all. */
  get heldForResume(): number {
    return this.heldByDetached;
  }

  create(identity: Identity): Session {
    const session = new Session(identity, this.limits);
    this.byId.set(session.id, session);
    const muted = this.muted.get(identity.id);
    for (const key of audienceKeys(identity)) if (!muted?.has(key)) this.join(session, key);
    return session;
  }

  /** Ends `userId`'s sessions that `which` picks, for good (no resume): their connections are closed with `code`. */
  end(userId: string, which: (identity: Identity) => boolean, code: number, reason: string): void {
    for (const session of this.sessionsOf(userId)) {
      if (!which(session.identity)) continue;
      session.current()?.close(code, reason);
      this.destroy(session);
    }
  }

  /** Takes every session of `userId`, now and later, out of `keys` (until `unmute`). */
  mute(userId: string, keys: readonly string[]): void {
    let muted = this.muted.get(userId);
    if (!muted) this.muted.set(userId, (muted = new Set()));
    for (const key of keys) muted.add(key);
    for (const session of this.sessionsOf(userId)) for (const key of keys) this.leave(session, key);
  }

  unmute(userId: string, keys: readonly string[]): void {
    const muted = this.muted.get(userId);
    if (!muted) return;
    for (const key of keys) muted.delete(key);
    if (muted.size === 0) this.muted.delete(userId);
    for (const session of this.sessionsOf(userId)) {
      const own = new Set(audienceKeys(session.identity));
      for (const key of keys) if (own.has(key)) this.join(session, key);
    }
  }

  private sessionsOf(userId: string): Session[] {
    return [...(this.byAudience.get(`u:${userId}`) ?? [])];
  }

  private join(session: Session, key: string): void {
    let set = this.byAudience.get(key);
    if (!set) {
      this.byAudience.set(key, (set = new Set()));
      const listening = this.directory.listen(key);
      // Awaited by `listening(session)`; a failure there fails that hello, not the process.
      listening.catch(() => undefined);
      this.listening.set(key, listening);
    }
    set.add(session);
  }

  private leave(session: Session, key: string): void {
    const set = this.byAudience.get(key);
    set?.delete(session);
    if (set?.size === 0) {
      this.byAudience.delete(key);
      this.listening.delete(key);
      this.directory.unlisten(key);
    }
  }

  /** Resolves once pushes from other nodes to this session's audiences reach this node; rejects if they cannot (Redis down). */
  async whenListening(session: Session): Promise<void> {
    await Promise.all(audienceKeys(session.identity).map((key) => this.listening.get(key)));
  }

  /**
   * Pushes meant for this node's sessions were lost: every session is dropped and its client
   * told to reconnect, so it starts over from a snapshot of the store instead of a resume
   * that would silently miss them.
   */
  startOver(code: number, reason: string): void {
    for (const session of [...this.byId.values()]) {
      session.current()?.close(code, reason);
      this.destroy(session);
    }
  }

  get(id: string): Session | undefined {
    return this.byId.get(id);
  }

  /** A connection attached (a new session or a resume): the resume window stops. */
  attached(session: Session): void {
    this.stopExpiry(session);
    const id = session.identity.id;
    let devices = this.live.get(id);
    if (!devices) this.live.set(id, (devices = new Set()));
    const first = devices.size === 0;
    devices.add(session);
    this.listener?.deviceAttached(session, first);
  }

  /** The connection went away: keep the session for the resume window, then drop it. */
  detached(session: Session): void {
    this.offline(session);
    if (session.overflowed) return this.destroy(session);
    this.stopExpiry(session);
    const timer = setTimeout(() => this.destroy(session), this.resumeWindowMs);
    timer.unref();
    this.expiry.set(session, timer);
    this.heldByDetached += session.pendingCount();
    this.trim();
  }

  destroy(session: Session): void {
    if (!this.byId.delete(session.id)) return;
    this.stopExpiry(session);
    this.offline(session);
    for (const key of audienceKeys(session.identity)) this.leave(session, key);
    session.releaseOnDestroy?.();
  }

  /** Pushes to every session listening on any of `keys`, once each, except `skip`. */
  push<E extends PushEvent>(keys: readonly string[], event: E, data: PushData<E>, skip?: Session): void {
    // Disconnected sessions that overflowed: never resumable now, dropped after the loop.
    let lost: Session[] | undefined;
    if (keys.length === 1) {
      for (const session of this.byAudience.get(keys[0] as string) ?? []) {
        if (session !== skip && this.deliver(session, event, data)) (lost ??= []).push(session);
      }
    } else {
      const seen = new Set<Session>();
      for (const key of keys) {
        for (const session of this.byAudience.get(key) ?? []) {
          if (session === skip || seen.has(session)) continue;
          seen.add(session);
          if (this.deliver(session, event, data)) (lost ??= []).push(session);
        }
      }
    }
    if (lost) for (const session of lost) this.destroy(session);
    if (this.heldByDetached > this.detachedHoldMax) this.trim();
  }

  /** Pushes to one session, counting what a disconnected one holds; true if that one overflowed. */
  private deliver<E extends PushEvent>(session: Session, event: E, data: PushData<E>): boolean {
    if (!this.expiry.has(session)) {
      session.push(event, data);
      return false;
    }
    const before = session.pendingCount();
    session.push(event, data);
    this.heldByDetached += session.pendingCount() - before;
    return session.overflowed;
  }

  /**
   * Drops the longest-gone disconnected sessions until the rest hold no more than the budget:
   * each would otherwise go on taking every push of its user (memory, and CPU per push) for
   * the rest of the window. Their clients get a snapshot, as after the window.
   */
  private trim(): void {
    for (const session of this.expiry.keys()) {
      if (this.heldByDetached <= this.detachedHoldMax) break;
      this.destroy(session);
    }
  }

  private stopExpiry(session: Session): void {
    const timer = this.expiry.get(session);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.expiry.delete(session);
    this.heldByDetached -= session.pendingCount();
  }

  private offline(session: Session): void {
    const devices = this.live.get(session.identity.id);
    if (!devices?.delete(session)) return;
    if (devices.size > 0) return;
    this.live.delete(session.identity.id);
    this.listener?.lastDeviceGone(session.identity);
  }

  closeAll(): void {
    for (const session of [...this.byId.values()]) this.destroy(session);
  }
}
