/** The Web Locks API (`navigator.locks`), as far as it is used here. */
interface LockManager {
  request(name: string, options: { ifAvailable: boolean }, callback: (lock: unknown) => Promise<void> | undefined): Promise<unknown>;
}

/** Sessions held by clients of this JavaScript realm, where there are no Web Locks (Node, older browsers). */
const heldHere = new Set<string>();

/**
 * One live client per session. Two clients resuming one session take it from each other: the
 * server closes the older one's socket with 4409 (superseded: do not reconnect). A tab the
 * browser duplicated starts with a copy of the first tab's sessionStorage, and an app may build
 * two clients on one store; the one that finds the saved session held starts a session of its
 * own instead of resuming. Held with the Web Locks API, which the browser releases when the page
 * goes (a reload frees it for the reloaded page), or within this realm where there is none.
 * Resolves with the release, or undefined if another live client holds the session.
 */
export async function holdSession(sessionId: string, log?: (msg: string, ctx?: Record<string, unknown>) => void): Promise<(() => void) | undefined> {
  const name = `lawline.session.${sessionId}`;
  const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
  if (!locks) {
    if (heldHere.has(name)) return undefined;
    heldHere.add(name);
    return () => heldHere.delete(name);
  }
  return new Promise((resolve) => {
    locks
      .request(name, { ifAvailable: true }, (lock) => {
        if (!lock) return void resolve(undefined);
        // The lock is held until this promise settles: until the client releases it, or the page goes.
        return new Promise<void>((release) => resolve(release));
      })
      .catch((e: unknown) => {
        // No lock to be had (a sandboxed frame, say): resume anyway, as a client without locks does.
        log?.('session lock unavailable', { error: String(e) });
        resolve(() => undefined);
      });
  });
}

/** The lock on the session a client uses, held for as long as it uses it. */
export class SessionHold {
  /** The session this client means to hold now: a lock granted for any other is let go at once. */
  private wanted: string | undefined;
  private held: { sessionId: string; release: () => void } | undefined;

  constructor(private readonly log?: (msg: string, ctx?: Record<string, unknown>) => void) {}

  /** Holds `sessionId` for this client: false if another live client holds it. */
  async claim(sessionId: string): Promise<boolean> {
    if (this.held?.sessionId === sessionId) return true;
    this.wanted = sessionId;
    const release = await holdSession(sessionId, this.log);
    if (!release) return false;
    if (this.wanted !== sessionId) {
      release();
      return false;
    }
    this.held?.release();
    this.held = { sessionId, release };
    return true;
  }

  /** A session this client just started: nobody else can hold it yet (its id is new). */
  started(sessionId: string): void {
    void this.claim(sessionId);
  }

  /** The client stopped (or the page goes, where the browser lets go of its locks by itself). */
  release(): void {
    this.wanted = undefined;
    this.held?.release();
    this.held = undefined;
  }
}
